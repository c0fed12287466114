#!/usr/bin/env bash
# Builds the root file system of the llm-proxy container image without Docker and without any
# registry: a Java runtime made by jlink from the local JDK, the shared libraries it links against
# (copied from this machine), CA certificates, an empty /tmp and /app/data. Jib (mvn -Pimage)
# layers this over "scratch" together with the application.
#
# usage: packaging/image-rootfs.sh FAT_JAR OUT_DIR
set -euo pipefail
jar=$1
out=$2

java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
rm -rf "$out"
mkdir -p "$out/opt" "$out/tmp" "$out/app/data" "$out/etc"

# The modules the fat jar needs, plus the ones reached only by reflection or ServiceLoader:
# EC and other crypto providers for TLS to upstreams, and jdk.unsupported for Netty and Caffeine.
modules=$("$java_home/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps -q "$jar")
modules="$modules,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.unsupported,jdk.naming.dns,jdk.zipfs"
# --generate-cds-archive: the runtime's own classes as a Class Data Sharing archive, as a full JDK
# ships them (lib/server/classes.jsa); without it every start parses and verifies them again.
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --generate-cds-archive \
  --compress=2 --output "$out/opt/java"

# The runtime's CA store: a symbolic link into /etc on Debian's JDK, so copy what it points to.
rm -f "$out/opt/java/lib/security/cacerts"
cp -L "$java_home/lib/security/cacerts" "$out/opt/java/lib/security/cacerts"

# Every shared library the runtime's binaries load, with the dynamic loader, from this machine —
# except the AWT/sound natives of java.desktop (X11, fonts), which a headless server never loads.
# Plus the glibc libraries that natives extracted from jars at run time link against (sqlite-jdbc,
# Netty's epoll transport): libpthread, libdl, librt, libresolv.
{
  find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) \
    ! -name 'libawt*' ! -name 'libfontmanager.so' ! -name 'libjawt.so' ! -name 'libsplashscreen.so' \
    ! -name 'liblcms.so' ! -name 'libmlib_image.so' ! -name 'libjavajpeg.so' ! -name 'libjsound.so' -print0 \
    | xargs -0 ldd 2>/dev/null \
    | awk '/=> \// {print $3} /^\s*\/[^ ]+ \(/ {print $1}'
  # One ldconfig listing read to its end: an awk that exits at the first match would leave ldconfig
  # writing into a closed pipe, and under pipefail its SIGPIPE (141) fails the build at random.
  /sbin/ldconfig -p | awk '
    BEGIN { split("libpthread.so.0 libdl.so.2 librt.so.1 libresolv.so.2 libgcc_s.so.1", want, " ")
            for (i in want) wanted[want[i]] = 1 }
    ($1 in wanted) && /x86-64|AArch64|aarch64/ && !seen[$1]++ { print $NF }'
} | sort -u | while read -r lib; do
  [[ -z "$lib" || "$lib" == "$out"* ]] && continue
  cp --parents -L "$lib" "$out/"
done

# Name resolution and a user for the runtime (uid 65532, no shell, no home).
printf 'root:x:0:0:root:/root:/sbin/nologin\nllmproxy:x:65532:65532:llm-proxy:/app:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\nllmproxy:x:65532:\n' > "$out/etc/group"
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
echo "image root file system: $(du -sh "$out" | cut -f1) in $out (modules: $modules)"
