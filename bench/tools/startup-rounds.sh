#!/usr/bin/env bash
# Start-up to the first proxied 200, A/B: the `startup` lane's start (an existing SQLite database with
# a project and a token, the 0 ms nginx upstream, `-Xmx256m`, LOG_LEVEL=warn) for several variants in
# interleaved rounds, with the wall time from exec to the first 200 and the process's CPU time
# (utime + stime from /proc) up to then. Prints median and range per variant.
#
#   bench/tools/startup-rounds.sh [--rounds N] [--trace] VARIANT [VARIANT...]
#
# VARIANT is LABEL=JAR[,JAVA[,MODE[,JVM-OPTION...]]]: MODE plain (default), cds (a dynamic CDS
# archive) or aot (a JDK 25+ AOT cache); the archive is made by one untimed training start of that
# jar and java before the rounds. JAVA defaults to `java`. --trace adds -Dllmproxy.startupTrace=true
# (phase lines in the logs, kept in the printed directory). Examples:
#
#   flock /work/bench.lock bench/tools/startup-rounds.sh --rounds 8 \
#     old=/tmp/old.jar,java,cds new=llmproxy-server/target/llm-proxy.jar,java,cds \
#     new25=llmproxy-server/target/llm-proxy.jar,/usr/lib/jvm/temurin-25-jdk-amd64/bin/java,aot \
#     new-c1=llmproxy-server/target/llm-proxy.jar,java,cds,-XX:TieredStopAtLevel=1
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds=5
trace=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --trace) trace=true; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { echo "usage: $0 [--rounds N] [--trace] LABEL=JAR[,JAVA[,MODE[,JVM-OPTION...]]]..." >&2; exit 2; }

work="$(mktemp -d /tmp/llmproxy-startup.XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if $trace; then echo "logs: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/tools/common.sh
source "$repo/bench/tools/common.sh"

# Variants: label, jar, java, mode, options (one string each, options space-separated).
labels=(); jars=(); javas=(); modes=(); opts=()
for spec in "$@"; do
  label="${spec%%=*}"
  IFS=',' read -r -a parts <<<"${spec#*=}"
  jar="$(readlink -f "${parts[0]}")"
  [[ -f "$jar" ]] || { echo "$label: no jar at ${parts[0]}" >&2; exit 2; }
  labels+=("$label"); jars+=("$jar"); javas+=("${parts[1]:-java}"); modes+=("${parts[2]:-plain}")
  opts+=("${parts[*]:3}")
done

# 0 ms upstream: nginx returning the fixture
start_fixture_upstream
upstream="$up_url"

# The database: a project and a token, made through the first variant's server.
port=$(free_port)
management_token="startup-rounds-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
server_env=(LISTEN_ADDR="127.0.0.1:$port" DATABASE_PATH="$work/llm-proxy.db" MANAGEMENT_TOKEN="$management_token"
  OPENAI_API_URL="$upstream" AUDIT_LOG_FILE="$work/audit.log" LOG_LEVEL=warn)
env "${server_env[@]}" java -Xmx256m -jar "${jars[0]}" server >"$work/setup.log" 2>&1 &
setup_pid=$!
pids+=($setup_pid)
wait_http "http://127.0.0.1:$port/health"
token=$(create_bench_token "http://127.0.0.1:$port" "$management_token" startup)
kill "$setup_pid"
wait "$setup_pid" 2>/dev/null || true
body_file="$repo/bench/fixtures/request.json"
ticks=$(getconf CLK_TCK)

start() { # INDEX LOG JVM-OPTION... ; sets wall_ms, cpu_ms
  local i="$1" log="$2" t0 pid
  shift 2
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  env "${server_env[@]}" "${javas[$i]}" -Xmx256m "$@" ${opts[$i]} -jar "${jars[$i]}" server >>"$log" 2>&1 &
  pid=$!
  pids+=($pid)
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/chat/completions" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$body_file")" == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || { echo "${labels[$i]}: the server exited; see $log" >&2; exit 1; }
    (( ($(date +%s%N) - t0) < 30000000000 )) || { echo "${labels[$i]}: no 200 within 30 s" >&2; exit 1; }
    sleep 0.01
  done
  wall_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  cpu_ms=$(awk -v t="$ticks" '{print int(($14 + $15) * 1000 / t)}' "/proc/$pid/stat")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# One training start per archived variant, not timed; the archive is written when it stops.
archive_opts=()
for i in "${!labels[@]}"; do
  log="$work/${labels[$i]}.log"
  case "${modes[$i]}" in
    plain) archive_opts+=("") ;;
    cds)
      start "$i" "$log" -XX:ArchiveClassesAtExit="$work/$i.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off
      archive_opts+=("-XX:SharedArchiveFile=$work/$i.jsa -Xlog:cds=off -Xlog:cds+dynamic=off") ;;
    aot)
      start "$i" "$log" -XX:AOTCacheOutput="$work/$i.aot" -Xlog:aot=off -Xlog:cds=off
      [[ -f "$work/$i.aot" ]] || { echo "${labels[$i]}: no AOT cache written (JDK 25+?); see $log" >&2; exit 1; }
      archive_opts+=("-XX:AOTCache=$work/$i.aot -Xlog:aot=off -Xlog:cds=off") ;;
    *) echo "${labels[$i]}: mode must be plain, cds or aot" >&2; exit 2 ;;
  esac
done

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
results="$work/results.txt"
: >"$results"
for ((r = 0; r < rounds; r++)); do
  for i in "${!labels[@]}"; do
    extra=()
    $trace && extra+=(-Dllmproxy.startupTrace=true)
    # shellcheck disable=SC2206
    extra+=(${archive_opts[$i]})
    start "$i" "$work/${labels[$i]}.log" "${extra[@]}"
    echo "${labels[$i]} $wall_ms $cpu_ms" >>"$results"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$results" <<'EOF'
import collections, statistics, sys
runs = collections.OrderedDict()
for line in open(sys.argv[1]):
    label, wall, cpu = line.split()
    runs.setdefault(label, []).append((int(wall), int(cpu)))
print(f"{'variant':24} {'wall median':>11} {'wall range':>12} {'cpu median':>10}  every start (ms)")
for label, v in runs.items():
    wall = [w for w, _ in v]
    cpu = [c for _, c in v]
    print(f"{label:24} {statistics.median(wall):11.0f} {min(wall):5d}-{max(wall):<6d} {statistics.median(cpu):10.0f}  "
          + " ".join(map(str, wall)))
EOF
