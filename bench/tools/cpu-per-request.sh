#!/usr/bin/env bash
# CPU time the full-features proxy spends per forwarded request: starts the 0 ms nginx upstream and
# one `llm-proxy server` per given jar (full features, as in bench/run.sh), warms each up, then runs
# `wrk -c32` against each in interleaved rounds and reads the proxy's own CPU time (utime + stime
# from /proc/PID/stat) before and after. CPU µs per request moves far less with other load on a
# shared machine than req/s or latency do, so it is the A/B measure for hot-path changes.
#
#   bench/tools/cpu-per-request.sh [--seconds S] [--rounds N] [--connections C] [--jfr DIR] JAR [JAR...]
#
# A JAR given as pass:BENCHMARKS-JAR (bench/target/benchmarks.jar) runs the pass-through proxy
# (PassThroughProxy: the engine with every feature off) from that jar instead of a server.
# A JAR (or pass:JAR) given as JAR?K=V&K2=V2 starts that server with those extra environment variables
# (e.g. llm-proxy.jar?IO_THREADS=2), to compare settings on one build; JAVA_BIN=PATH there picks the
# JVM for that server (e.g. llm-proxy.jar?JAVA_BIN=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java).
#
# --connections 1 measures the c1 lane's way (wrk -t1 -c1) and its p50/p99 are then the A/B latency.
# --threads also prints each round's CPU per thread group (event loops, usage writer, GC, JIT...).
# --jfr DIR records a JFR of each proxy with 1 ms Java sampling (DIR/<n>.jfr) for bench/tools/jfr-top.py.
# Run it under the shared lock: flock /work/bench.lock bench/tools/cpu-per-request.sh A.jar B.jar
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds=5
rounds=3
warm_s=8
jfr_dir=""
conns=32
per_thread=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --warm) warm_s="$2"; shift 2 ;;
    --jfr) jfr_dir="$2"; shift 2 ;;
    --connections) conns="$2"; shift 2 ;;
    --threads) per_thread=true; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { echo "usage: $0 [--seconds S] [--rounds N] [--jfr DIR] JAR [JAR...]" >&2; exit 2; }
jars=("$@")

work="$(mktemp -d /tmp/llmproxy-cpu.XXXXXX)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/tools/common.sh
source "$repo/bench/tools/common.sh"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# "name ticks" per thread group of PID: the thread name (comm) with its trailing number removed
thread_ticks() {
  python3 - "$1" <<'PY'
import collections, os, re, sys
pid = sys.argv[1]
groups = collections.Counter()
for tid in os.listdir(f"/proc/{pid}/task"):
    try:
        stat = open(f"/proc/{pid}/task/{tid}/stat").read()
    except OSError:
        continue
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    groups[re.sub(r"[-#]?\d+$", "", name)] += int(fields[11]) + int(fields[12])
for name, ticks in groups.items():
    print(f"{name.replace(' ', '_')} {ticks}")
PY
}

# 0 ms upstream: nginx returning the fixture
start_fixture_upstream

jfc=""
if [[ -n "$jfr_dir" ]]; then
  mkdir -p "$jfr_dir"
  jfc="$work/profile-1ms.jfc"
  sed 's|<setting name="period" control="method-sampling-java-interval">10 ms</setting>|<setting name="period" control="method-sampling-java-interval">1 ms</setting>|' \
    "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc" >"$jfc"
fi

mgmt="cpu-bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
declare -a port pid token
for i in "${!jars[@]}"; do
  d="$work/p$i"; mkdir -p "$d"
  port[$i]=$(free_port)
  extra=()
  [[ -n "$jfc" ]] && extra+=("-XX:StartFlightRecording=filename=$jfr_dir/$i.jfr,settings=$jfc,dumponexit=true")
  split_jar_spec "${jars[$i]}"
  java_bin=java
  for kv in "${spec_env[@]}"; do [[ "$kv" == JAVA_BIN=* ]] && java_bin="${kv#JAVA_BIN=}"; done
  if [[ "$spec_jar" == pass:* ]]; then
    env "${spec_env[@]}" "$java_bin" -Xmx256m "${extra[@]}" -cp "${spec_jar#pass:}" dev.llmproxy.bench.harness.PassThroughProxy \
      --port "${port[$i]}" --upstream "http://127.0.0.1:$up_port" >"$d/log" 2>&1 &
  else
    full_server_env "$d" "${port[$i]}" "http://127.0.0.1:$up_port" "$mgmt"
    env "${spec_env[@]}" "${full_env[@]}" "$java_bin" -Xmx256m "${extra[@]}" -jar "$spec_jar" server >"$d/log" 2>&1 &
  fi
  pid[$i]=$!
  pids+=($!)
done
for i in "${!jars[@]}"; do
  base="http://127.0.0.1:${port[$i]}"
  if [[ "${jars[$i]}" == pass:* ]]; then
    wait_http "$base/v1/models"
    token[$i]=unused
    continue
  fi
  wait_http "$base/health"
  token[$i]=$(create_bench_token "$base" "$mgmt" cpu-bench)
done

run_wrk() { # I SECONDS CONNECTIONS -> prints "requests bad p50 p99"
  local threads=2
  [[ "$3" == 1 ]] && threads=1
  BENCH_BODY_FILE="$repo/bench/fixtures/request.json" BENCH_AUTH="Bearer ${token[$1]}" \
    wrk -t$threads -c"$3" -d"$2"s -s "$repo/bench/wrk/post.lua" "http://127.0.0.1:${port[$1]}/v1/chat/completions" |
    sed -n 's/^WRKJSON //p' |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["requests"], d["non2xx"] + d["errors"], d["p50"], d["p99"])'
}

# Warm up at c=32 and then at the measured concurrency: c=1 runs other branches than c=32 (a read
# per request, the loop parking in epoll_wait), which the JIT compiles only once it sees them.
for i in "${!jars[@]}"; do
  run_wrk "$i" "$warm_s" 32 >/dev/null
  [[ "$conns" != 32 ]] && run_wrk "$i" "$warm_s" "$conns" >/dev/null
done
hz=$(getconf CLK_TCK)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 0; r < rounds; r++)); do
  for ((k = 0; k < ${#jars[@]}; k++)); do
    i=$(((k + r) % ${#jars[@]}))
    before=$(cpu_ticks "${pid[$i]}")
    $per_thread && thread_ticks "${pid[$i]}" >"$work/threads-before"
    read -r n bad p50 p99 < <(run_wrk "$i" "$seconds" "$conns")
    after=$(cpu_ticks "${pid[$i]}")
    $per_thread && thread_ticks "${pid[$i]}" >"$work/threads-after"
    python3 -c "import sys; n=$n; c=($after-$before)/$hz; print(f'round $r  jar $i  c$conns {n/$seconds:9.0f} req/s  p50 {$p50:6d} µs  p99 {$p99:7d} µs  cpu {c:6.2f} s  {c*1e6/max(n,1):6.1f} µs/request  bad $bad  ${jars[$i]}')"
    if $per_thread; then
      python3 - "$work/threads-before" "$work/threads-after" "$n" "$hz" <<'PY'
import sys
read = lambda f: {k: int(v) for k, v in (l.split() for l in open(f))}
b, a, n, hz = read(sys.argv[1]), read(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d = sorted(((a[k] - b.get(k, 0), k) for k in a), reverse=True)
print("    " + "  ".join(f"{k} {t * 1e6 / hz / max(n, 1):.1f}" for t, k in d if t > 0) + "  (µs/request)")
PY
    fi
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
