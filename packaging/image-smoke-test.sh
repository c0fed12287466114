#!/usr/bin/env bash
# Runs the image tarball built by `mvn -Pimage` without a container engine: unpacks its layers in
# order into a directory, then starts the image's entrypoint + cmd there with chroot, as the
# image's user, with the image's environment and working directory, and checks GET /health and a
# management call. Needs root (chroot, mount /proc) and python3 (to read the image config).
#
# usage: packaging/image-smoke-test.sh IMAGE_TAR
set -euo pipefail
tar_file=$(readlink -f "$1")
work=$(mktemp -d)
root="$work/root"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$root"
(cd "$work" && tar xf "$tar_file")

# Layers in manifest order, then the config: entrypoint, cmd, env, working directory, user.
python3 - "$work" > "$work/plan" <<'PY'
import json, sys, shlex
work = sys.argv[1]
manifest = json.load(open(f"{work}/manifest.json"))[0]
config = json.load(open(f"{work}/{manifest['Config']}"))["config"]
for layer in manifest["Layers"]:
    print("LAYER", layer)
print("USER", config.get("User", "0:0"))
print("WORKDIR", config.get("WorkingDir", "/"))
for e in config.get("Env", []):
    print("ENV", e)
print("CMD", " ".join(shlex.quote(a) for a in config.get("Entrypoint", []) + config.get("Cmd", [])))
PY
while read -r kind rest; do
  [[ "$kind" == LAYER ]] && tar --warning=no-unknown-keyword -xzf "$work/$rest" -C "$root"
done < "$work/plan"

user=$(awk '$1 == "USER" {print $2}' "$work/plan")
workdir=$(awk '$1 == "WORKDIR" {print $2}' "$work/plan")
cmd=$(sed -n 's/^CMD //p' "$work/plan")
mapfile -t envs < <(sed -n 's/^ENV //p' "$work/plan")
port=$(( 20000 + RANDOM % 20000 ))
token=smoke-test-management-token-$RANDOM$RANDOM

mkdir -p "$root/proc"
mount -t proc proc "$root/proc"
# chroot has no --workdir: the image's paths are relative to WorkingDir, so pass them absolute.
env -i "${envs[@]}" LISTEN_ADDR="127.0.0.1:$port" MANAGEMENT_TOKEN="$token" \
  DATABASE_PATH="$workdir/data/llm-proxy.db" AUDIT_LOG_FILE="$workdir/data/audit.log" \
  /usr/sbin/chroot --userspec="$user" "$root" $cmd > "$work/server.log" 2>&1 &
pid=$!

for _ in $(seq 1 90); do
  if health=$(curl -sf "http://127.0.0.1:$port/health"); then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/server.log"; echo "image smoke test: the server exited" >&2; exit 1; fi
  sleep 1
done
[[ "${health:-}" == *'"status":"ok"'* ]] || { cat "$work/server.log"; echo "image smoke test: no /health" >&2; exit 1; }
created=$(curl -sf -X POST "http://127.0.0.1:$port/manage/projects" -H "Authorization: Bearer $token" \
  -d '{"name":"smoke","api_key":"sk-smoke"}')
[[ "$created" == *'"name":"smoke"'* ]] || { cat "$work/server.log"; echo "image smoke test: create project failed" >&2; exit 1; }
grep -q "listening on" "$work/server.log"
echo "image smoke test: OK ($(du -sh "$tar_file" | cut -f1) image; as user $user: /health $health; SQLite in $workdir/data)"
