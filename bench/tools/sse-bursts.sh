#!/usr/bin/env bash
# Repeated bursts of concurrent SSE streams through one full-features server, to count stalls (a
# running stream without a chunk for over 200 ms) burst by burst: bench/run.sh's sse-c512 lane
# measures two bursts per run, too few to tell a setting that stalls sometimes from one that
# never does. Starts SseUpstream (64 chunks at 20 ms) and one `llm-proxy server` per given jar,
# warms each with 5,000 one-chunk streams, then runs BURSTS bursts of STREAMS streams against each
# server in turn (interleaved) and prints one line per burst.
#
#   bench/tools/sse-bursts.sh [--bursts N] [--streams N] JAR [JAR...]
#
# A JAR given as JAR?K=V&K2=V2 starts that server with those environment variables, e.g.
#   bench/tools/sse-bursts.sh llm-proxy.jar 'llm-proxy.jar?IO_THREADS=4'
# Run it under the shared lock: flock /work/bench.lock bench/tools/sse-bursts.sh ...
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bursts=4
streams=512
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bursts) bursts="$2"; shift 2 ;;
    --streams) streams="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { echo "usage: $0 [--bursts N] [--streams N] JAR [JAR...]" >&2; exit 2; }
bench_jar="$repo/bench/target/benchmarks.jar"
[[ -f "$bench_jar" ]] || { echo "missing $bench_jar: ./mvnw -B -q package -DskipTests -pl bench -am" >&2; exit 1; }

work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
# shellcheck source=bench/tools/common.sh
source "$repo/bench/tools/common.sh"

sse_port=$(free_port)
java -Xmx256m -cp "$bench_jar" dev.llmproxy.bench.harness.SseUpstream --port "$sse_port" --chunks 64 --threads 2 \
  --interval-ms 20 >"$work/sse-upstream.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$sse_port/v1/chat/completions"

jars=("$@")
body="$(cat "$repo/bench/fixtures/request.json")"
declare -a port token
mgmt="bench-mgmt-$RANDOM"
for i in "${!jars[@]}"; do
  split_jar_spec "${jars[$i]}"
  port[$i]=$(free_port)
  mkdir -p "$work/$i"
  full_server_env "$work/$i" "${port[$i]}" "http://127.0.0.1:$sse_port" "$mgmt"
  env "${spec_env[@]}" "${full_env[@]}" java -Xmx256m -Xlog:gc:file="$work/$i/gc.log" -jar "$spec_jar" server \
    >"$work/$i/log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:${port[$i]}/health"
  token[$i]=$(create_bench_token "http://127.0.0.1:${port[$i]}" "$mgmt" "bursts-$i")
done

split_jar_spec "${jars[0]}"
client_jar="$spec_jar"
burst() { # INDEX ARGS...
  local i="$1"
  shift
  java -XX:+UseParallelGC -jar "$client_jar" benchmark --base-url "http://127.0.0.1:${port[$i]}" \
    --endpoint /v1/chat/completions --token "${token[$i]}" --json "$body" --output json --no-progress "$@" 2>>"$work/client.log"
}
for i in "${!jars[@]}"; do
  burst "$i" --stream -c 64 -r 5000 --header X-Bench-Chunks=1 >/dev/null
done
for ((b = 1; b <= bursts; b++)); do
  for i in "${!jars[@]}"; do
    burst "$i" --stream -c "$streams" -r "$streams" --threads 2 --timeout 60s | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("burst %s  %-40s stalled %3d  longest gap %4d ms  TTFT p50 %4d ms  errors %d" % (sys.argv[1], sys.argv[2],
      s["stalled_streams"], s["chunk_gap_us"]["max"] // 1000, s["ttft_us"]["p50"] // 1000, sum(s["errors"].values())))
' "$b" "${jars[$i]}"
    sleep 2
  done
done
