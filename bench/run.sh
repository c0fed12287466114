#!/usr/bin/env bash
# Load harness of llm-proxy (issue 9): the same load, in interleaved rounds, against
#   direct  – the 0 ms upstream itself (nginx serving a static chat completion; SseUpstream for SSE)
#   nginx   – nginx as a reference reverse proxy (upstream keep-alive, proxy_buffering off)
#   ours    – llm-proxy server from the fat jar, full features (token check with rate limit and
#             quota, metrics, usage, in-memory event bus, audit, response cache)
#   ours-pass – the same proxy engine with every feature off (PassThroughProxy)
# and prints a table: throughput, p50/p99/p99.9, ours/nginx and ours−direct. Results (raw JSON
# lines, results.md, results.json, logs) go to bench/results/<timestamp>/ (gitignored).
#
#   bench/run.sh --quick            about 6 minutes: 2 rounds, short lanes
#   bench/run.sh                    about 12 minutes: 3 rounds, longer lanes
#   bench/run.sh --lanes c1,cache   only some lanes (c1 c32 rate sse cache redis startup)
#   bench/run.sh --profile          also record a JFR profile of the full-features proxy (ours.jfr, ours-sse.jfr)
#   bench/run.sh --pin              proxies on CPU 1, load generators and upstreams on CPU 0
#   bench/run.sh --java25 PATH      the java (25+) whose AOT cache the startup lane also times
#                                   (default $BENCH_JAVA25, else /usr/lib/jvm/temurin-25*/bin/java)
#   BENCH_JAVA_OPTS="-Xmx256m -XX:+UseParallelGC" bench/run.sh
#                                   other JVM options for the proxies (default -Xmx256m)
#
# Needs: java 17+, nginx (Debian: nginx-light), wrk, curl, python3; redis-server on
# 127.0.0.1:6379 for the redis lane (skipped otherwise). See bench/README.md.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
server_jar="$repo/llmproxy-server/target/llm-proxy.jar"
bench_jar="$repo/bench/target/benchmarks.jar"

quick=false
profile=false
pin=false
rebuild=false
lanes="startup,c1,c32,rate,sse,cache,redis"
rounds=""
java_opts="${BENCH_JAVA_OPTS:--Xmx256m}"
# A JDK 25+ for the start-up lane's AOT cache timing (startup_aot_ms); default: a Temurin 25 if installed.
java25="${BENCH_JAVA25:-}"
redis_host="${BENCH_REDIS_HOST:-127.0.0.1}"
redis_port="${BENCH_REDIS_PORT:-6379}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=true ;;
    --profile) profile=true ;;
    --pin) pin=true ;;
    --rebuild) rebuild=true ;;
    --lanes) lanes="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --java25) java25="$2"; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if $quick; then
  : "${rounds:=2}"; warm_s=5; c1_s=3; c32_s=4; rate=1000; rate_s=3; sse_c1_n=40; sse_warm_n=10000; sse_many=512
else
  : "${rounds:=3}"; warm_s=15; c1_s=5; c32_s=8; rate=2000; rate_s=5; sse_c1_n=100; sse_warm_n=20000; sse_many=512
fi

# ------------------------------------------------------------------ prerequisites
missing=()
for tool in java nginx wrk curl python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "run.sh: missing: ${missing[*]}" >&2
  echo "  Debian/Ubuntu: sudo apt-get install -y nginx-light wrk curl python3 openjdk-17-jdk-headless" >&2
  exit 2
fi
if $pin && ! command -v taskset >/dev/null 2>&1; then
  echo "run.sh: --pin needs taskset (util-linux)" >&2
  exit 2
fi
if $rebuild || [[ ! -f "$server_jar" || ! -f "$bench_jar" ]]; then
  echo "building llm-proxy.jar and benchmarks.jar…" >&2
  (cd "$repo" && ./mvnw -B -q -DskipTests package -pl llmproxy-server,bench -am) >&2
fi
has_lane() { [[ ",$lanes," == *",$1,"* ]]; }

# ------------------------------------------------------------------ workspace and clean-up
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$repo/bench/results/$stamp"
work="$(mktemp -d /tmp/llmproxy-bench.XXXXXX)"
mkdir -p "$out"
raw="$out/raw.jsonl"
: >"$raw"
pids=()
redis_stream_key="llmproxy-bench-$$-events"

cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if has_lane redis && command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h "$redis_host" -p "$redis_port" DEL "$redis_stream_key" >/dev/null 2>&1 || true
  fi
  cp -f "$work"/*/*.log "$out/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/tools/common.sh
source "$repo/bench/tools/common.sh"
# Command prefixes (not functions, so that $! is the real process and can be killed).
sut=(); rig=()
if $pin; then sut=(taskset -c 1); rig=(taskset -c 0); fi

# ------------------------------------------------------------------ (a) fast upstream: nginx, static JSON
start_fixture_upstream "${rig[@]}"
upstream_port=$up_port
direct_url=$up_url

# (b) SSE pacing upstream
sse_port=$(free_port)
"${rig[@]}" java -Xmx256m -cp "$bench_jar" dev.llmproxy.bench.harness.SseUpstream --port "$sse_port" --chunks 64 --threads 2 \
  --interval-ms 20 >"$work/sse-upstream.log" 2>&1 &
pids+=($!)
sse_url="http://127.0.0.1:$sse_port"

# (c) nginx as reference reverse proxy, one worker per core like our event loops
nginx_port=$(free_port)
nginx_sse_port=$(free_port)
start_nginx proxy "
  upstream fast { server 127.0.0.1:$upstream_port; keepalive 128; }
  upstream sse { server 127.0.0.1:$sse_port; keepalive 1024; }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    location / {
      proxy_pass http://fast; proxy_http_version 1.1; proxy_set_header Connection '';
      proxy_buffering off; proxy_set_header Authorization 'Bearer sk-bench-upstream';
    }
  }
  server {
    listen 127.0.0.1:$nginx_sse_port backlog=4096;
    location / {
      proxy_pass http://sse; proxy_http_version 1.1; proxy_set_header Connection '';
      proxy_buffering off; proxy_read_timeout 300s; proxy_set_header Authorization 'Bearer sk-bench-upstream';
    }
  }" "$(nproc)" "${sut[@]}"
nginx_url="http://127.0.0.1:$nginx_port"
nginx_sse_url="http://127.0.0.1:$nginx_sse_port"
wait_http "$nginx_url/v1/chat/completions"

# (d) our proxy: full features, from the fat jar, with a real project and token
management_token="bench-management-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
declare -A ours_port ours_token ours_pid

start_ours() { # NAME UPSTREAM-URL [ENV=VALUE...] ; sets ours_port/ours_pid[NAME]
  local name="$1" upstream="$2" dir="$work/$1" port
  shift 2
  mkdir -p "$dir"
  port=$(free_port)
  # GC pauses stop every stream at once: each proxy's GC log (pauses only) lands in the results.
  local extra=("-Xlog:gc:file=$dir/$name-gc.log")
  if $profile && [[ "$name" == ours || "$name" == ours-sse ]]; then
    extra+=("-XX:StartFlightRecording=filename=$out/$name.jfr,settings=profile,dumponexit=true")
  fi
  full_server_env "$dir" "$port" "$upstream" "$management_token"
  "${sut[@]}" env "${full_env[@]}" "$@" java $java_opts "${extra[@]}" -jar "$server_jar" server >"$dir/$name.log" 2>&1 &
  ours_pid[$name]=$!
  pids+=($!)
  ours_port[$name]=$port
  wait_http "http://127.0.0.1:$port/health"
}

create_token() { # NAME [norpm] ; sets ours_token[NAME], or ours_token[NAME-norpm] for a token without rate_limit_rpm
  local slot="$1"
  [[ "${2:-}" == norpm ]] && slot="$1-norpm"
  ours_token[$slot]=$(create_bench_token "http://127.0.0.1:${ours_port[$1]}" "$management_token" "bench-$slot" "${2:-}")
}

start_pass() { # NAME UPSTREAM-URL
  local dir="$work/$1" port
  mkdir -p "$dir"
  port=$(free_port)
  "${sut[@]}" java $java_opts -cp "$bench_jar" dev.llmproxy.bench.harness.PassThroughProxy --port "$port" \
    --upstream "$2" >"$dir/$1.log" 2>&1 &
  ours_pid[$1]=$!
  pids+=($!)
  ours_port[$1]=$port
  wait_http "http://127.0.0.1:$port/v1/models"
}

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo 0; }

meta_set() { # KEY JSON-VALUE
  python3 - "$out/meta.json" "$1" "$2" <<'EOF'
import json, os, sys
path, key, value = sys.argv[1], sys.argv[2], sys.argv[3]
meta = json.load(open(path)) if os.path.exists(path) else {}
try:
    meta[key] = json.loads(value)
except ValueError:
    meta[key] = value  # plain text
json.dump(meta, open(path, "w"), indent=2)
EOF
}

meta_set machine "$(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GB, $(uname -sr), $(java -version 2>&1 | head -1)"
meta_set load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
meta_set started "$stamp"
meta_set rounds "$rounds"
meta_set mode "$($quick && echo quick || echo full), $($pin && echo pinned || echo shared) CPUs, $java_opts"

# ------------------------------------------------------------------ load tools
body_file="$repo/bench/fixtures/request.json"

wrk_run() { # LANE TARGET ROUND URL CONNECTIONS SECONDS [AUTH] [CACHE-CONTROL]
  local threads=$(($5 < 2 ? 1 : 2)) line
  line=$(BENCH_BODY_FILE="$body_file" BENCH_AUTH="${7:-}" BENCH_CACHE_CONTROL="${8:-}" \
    "${rig[@]}" wrk -t"$threads" -c"$5" -d"$6"s -s "$repo/bench/wrk/post.lua" "$4/v1/chat/completions" | grep '^WRKJSON' |
    sed 's/^WRKJSON //')
  python3 - "$1" "$2" "$3" "$line" >>"$raw" <<'EOF'
import json, sys
lane, target, rnd, line = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
w = json.loads(line)
print(json.dumps({"lane": lane, "target": target, "round": rnd, "rps": w["requests"] / (w["duration_us"] / 1e6),
                  "p50": w["p50"], "p90": w["p90"], "p99": w["p99"], "p999": w["p999"], "max": w["max"],
                  "errors": w["errors"], "non2xx": w["non2xx"]}))
EOF
}

bench_run() { # LANE TARGET ROUND URL TOKEN ARGS...
  local lane="$1" target="$2" rnd="$3" url="$4" token="$5"
  shift 5
  local json
  json=$("${rig[@]}" java -XX:+UseParallelGC -jar "$server_jar" benchmark --base-url "$url" --endpoint /v1/chat/completions \
    --token "$token" --json "$(cat "$body_file")" --output json --no-progress "$@" 2>>"$work/benchmark.log" || true)
  python3 - "$lane" "$target" "$rnd" "$json" >>"$raw" <<'EOF'
import json, sys
lane, target, rnd, text = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
try:
    s = json.loads(text)
except ValueError:
    print(json.dumps({"lane": lane, "target": target, "round": rnd, "errors": 1}))
    sys.exit(0)
lat = s["latency_us"]
row = {"lane": lane, "target": target, "round": rnd, "rps": s["throughput_rps"], "p50": lat["p50"], "p90": lat["p90"],
       "p99": lat["p99"], "p999": lat["p999"], "max": lat["max"], "errors": sum(s["errors"].values()),
       "non2xx": s["failed"] - sum(s["errors"].values())}
if "ttft_us" in s:
    t = s["ttft_us"]
    row.update({"ttft_p50": t["p50"], "ttft_p99": t["p99"], "ttft_p999": t["p999"]})
if "chunk_gap_us" in s:
    g, m = s["chunk_gap_us"], s["max_chunk_gap_per_stream_us"]
    row.update({"gap_p50": g["p50"], "gap_p99": g["p99"], "gap_max": g["max"], "streams": m["count"],
                "stalled": s["stalled_streams"]})
if "proxy_overhead_us" in s:
    o = s["proxy_overhead_us"]
    row.update({"overhead_p50": o["p50"], "overhead_p99": o["p99"]})
print(json.dumps(row))
EOF
}

warm() { # URL [AUTH] [CACHE-CONTROL] [CONNECTIONS, default 32] : JIT warm-up, not recorded
  local conns="${4:-32}" threads=2
  [[ "$conns" == 1 ]] && threads=1
  BENCH_BODY_FILE="$body_file" BENCH_AUTH="${2:-}" BENCH_CACHE_CONTROL="${3:-}" \
    "${rig[@]}" wrk -t$threads -c"$conns" -d"$warm_s"s -s "$repo/bench/wrk/post.lua" "$1/v1/chat/completions" >/dev/null
}

# Interleaved rounds: every round visits every target, in a rotated order.
rotate() { # ROUND TARGETS...
  local r="$1"
  shift
  local n=$# i
  local arr=("$@")
  for ((i = 0; i < n; i++)); do echo "${arr[$(((i + r) % n))]}"; done
}

# ------------------------------------------------------------------ start-up to first proxied 200
if has_lane startup; then
  log "lane startup: process start to first proxied 200"
  start_ours startup "$direct_url"
  create_token startup
  kill "${ours_pid[startup]}"
  wait "${ours_pid[startup]}" 2>/dev/null || true
  # One timed start: exec to the first proxied 200 with $startup_java and the given JVM options.
  startup_java=java
  startup_run() { # JVM-OPTION... ; sets startup_last_ms: ms to the first proxied 200 ($startup_java)
    local t0 pid
    t0=$(date +%s%N)
    "${sut[@]}" env LISTEN_ADDR="127.0.0.1:${ours_port[startup]}" DATABASE_PATH="$work/startup/llm-proxy.db" \
      MANAGEMENT_TOKEN="$management_token" OPENAI_API_URL="$direct_url" AUDIT_LOG_FILE="$work/startup/audit.log" \
      LOG_LEVEL=warn "$startup_java" $java_opts "$@" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$server_jar" server \
      >>"$work/startup/startup.log" 2>&1 &
    pid=$!
    pids+=($pid)
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:${ours_port[startup]}/v1/chat/completions" \
      -H "Authorization: Bearer ${ours_token[startup]}" -H 'Content-Type: application/json' -d @"$body_file")" == 200 ]]; do
      sleep 0.01
      if (( ($(date +%s%N) - t0) > 30000000000 )); then echo "run.sh: start-up lane timed out" >&2; exit 1; fi
    done
    startup_last_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    kill "$pid"; wait "$pid" 2>/dev/null || true
  }
  times=()
  for i in 1 2 3; do
    startup_run
    times+=("$startup_last_ms")
  done
  meta_set startup_ms "[${times[0]}, ${times[1]}, ${times[2]}]"
  log "  start-up to first 200: ${times[*]} ms"
  # The same with a Class Data Sharing archive, as the launcher script and the container image
  # start it: one training start writes the archive when it stops (not timed), then 3 timed starts.
  startup_run -XX:ArchiveClassesAtExit="$work/startup/llm-proxy.jsa"
  cds_times=()
  for i in 1 2 3; do
    startup_run -XX:SharedArchiveFile="$work/startup/llm-proxy.jsa"
    cds_times+=("$startup_last_ms")
  done
  meta_set startup_cds_ms "[${cds_times[0]}, ${cds_times[1]}, ${cds_times[2]}]"
  log "  start-up to first 200 with a CDS archive: ${cds_times[*]} ms"
  # JDK 25+: the AOT cache (JEP 483/514/515) the launcher uses there instead, made the same way by
  # one training start (written at its stop, by a second JVM), then 3 timed starts.
  if [[ -z "$java25" ]]; then
    for candidate in /usr/lib/jvm/temurin-25*/bin/java; do
      [[ -x "$candidate" ]] && java25="$candidate" && break
    done
  fi
  if [[ -n "$java25" ]]; then
    startup_java="$java25"
    startup_run -XX:AOTCacheOutput="$work/startup/llm-proxy.aot" -Xlog:aot=off
    aot_times=()
    if [[ -f "$work/startup/llm-proxy.aot" ]]; then
      for i in 1 2 3; do
        startup_run -XX:AOTCache="$work/startup/llm-proxy.aot" -Xlog:aot=off
        aot_times+=("$startup_last_ms")
      done
      meta_set startup_aot_ms "[${aot_times[0]}, ${aot_times[1]}, ${aot_times[2]}]"
      meta_set startup_aot_java "$("$java25" -version 2>&1 | head -1)"
      log "  start-up to first 200 with an AOT cache ($java25): ${aot_times[*]} ms"
    else
      log "  no AOT cache written by $java25 (see startup.log); startup_aot_ms skipped"
    fi
    startup_java=java
  else
    log "  no JDK 25+ (--java25 PATH or BENCH_JAVA25); startup_aot_ms skipped"
  fi
fi

# ------------------------------------------------------------------ main proxies
need_main=false
for l in c1 c32 rate cache redis; do has_lane "$l" && need_main=true; done
if $need_main; then
  start_ours ours "$direct_url"
  create_token ours
  start_pass ours-pass "$direct_url"
  ours_url="http://127.0.0.1:${ours_port[ours]}"
  pass_url="http://127.0.0.1:${ours_port[ours-pass]}"
  auth="Bearer ${ours_token[ours]}"
  meta_set rss_idle_mb "$(rss_mb "${ours_pid[ours]}")"
  log "warming up (${warm_s}s per target)"
  warm "$direct_url"; warm "$nginx_url"; warm "$ours_url" "$auth"; warm "$pass_url"
  warm "$ours_url" "$auth" "public, max-age=600"
fi
url_of() {
  case "$1" in
    direct) echo "$direct_url" ;; nginx) echo "$nginx_url" ;; ours) echo "$ours_url" ;; ours-pass) echo "$pass_url" ;;
  esac
}
auth_of() { [[ "$1" == ours ]] && echo "$auth" || echo ""; }

if has_lane c1; then
  log "lane c1: wrk -c1, ${c1_s}s × $rounds rounds (after ${warm_s}s at c=1 per target)"
  # A JVM warmed at c=32 still compiles and deoptimises when it first sees c=1 (one read per
  # request, the loop parking in epoll_wait); measured without this its c=1 p99 was 1–2 ms for
  # ~30 s and then ~0.2 ms. Every target gets the same warm-up.
  for t in direct nginx ours ours-pass; do warm "$(url_of "$t")" "$(auth_of "$t")" "" 1; done
  for ((r = 0; r < rounds; r++)); do
    for t in $(rotate $r direct nginx ours ours-pass); do
      wrk_run c1 "$t" "$r" "$(url_of "$t")" 1 "$c1_s" "$(auth_of "$t")"
    done
  done
fi

if has_lane c32; then
  log "lane c32: wrk -c32, ${c32_s}s × $rounds rounds (RSS of ours sampled)"
  rss_max=0
  for ((r = 0; r < rounds; r++)); do
    for t in $(rotate $r direct nginx ours ours-pass); do
      if [[ "$t" == ours ]]; then
        ( while sleep 0.5; do rss_mb "${ours_pid[ours]}"; echo; done ) >"$work/rss.txt" &
        sampler=$!
      fi
      wrk_run c32 "$t" "$r" "$(url_of "$t")" 32 "$c32_s" "$(auth_of "$t")"
      if [[ "$t" == ours ]]; then
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        m=$(sort -n "$work/rss.txt" | tail -1)
        ((${m:-0} > rss_max)) && rss_max=$m
      fi
    done
  done
  meta_set rss_max_mb "$rss_max"
  meta_set rss_end_mb "$(rss_mb "${ours_pid[ours]}")"
fi

if has_lane rate; then
  log "lane rate: open loop at $rate req/s for ${rate_s}s × $rounds rounds"
  for ((r = 0; r < rounds; r++)); do
    for t in $(rotate $r direct nginx ours ours-pass); do
      bench_run rate "$t" "$r" "$(url_of "$t")" "${ours_token[ours]}" -c 16 --rate "$rate" \
        -r $((rate * rate_s)) --warmup "$rate"
    done
  done
fi

if has_lane cache; then
  log "lane cache: hit vs miss (forwarded to the 0 ms upstream)"
  hit_header=$(curl -s -D - -o /dev/null -X POST "$ours_url/v1/chat/completions" -H "Authorization: $auth" \
    -H 'Content-Type: application/json' -H 'Cache-Control: public, max-age=600' -d @"$body_file" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="x-proxy-cache" {print $2}')
  [[ "$hit_header" == hit ]] || { echo "run.sh: expected a cache hit, got X-PROXY-CACHE: $hit_header" >&2; exit 1; }
  for ((r = 0; r < rounds; r++)); do
    for t in $(rotate $r direct ours-hit ours-miss); do
      cc=""; [[ "$t" == ours-hit ]] && cc="public, max-age=600"
      u="$ours_url"; a="$auth"; [[ "$t" == direct ]] && { u="$direct_url"; a=""; }
      wrk_run cache-c1 "$t" "$r" "$u" 1 "$c1_s" "$a" "$cc"
      wrk_run cache-c32 "$t" "$r" "$u" 32 "$c1_s" "$a" "$cc"
    done
  done
  # Server-side service time, hit vs miss: what the proxy itself takes, from a request's first
  # segment in to its answer's last segment out as the kernel saw them (tcpdump on loopback,
  # bench/tools/service-time.py). A client's own time and wake-ups, which on a small VM are most
  # of a loopback round trip, are not in it; the miss includes its round trip to the upstream.
  if command -v tcpdump >/dev/null 2>&1 && [[ "$(id -u)" -eq 0 ]]; then
    log "lane cache-wire: server-side service time of hits and misses (tcpdump on lo)"
    port="${ours_port[ours]}"
    for ((r = 0; r < rounds; r++)); do
      for t in $(rotate $r ours-hit ours-miss); do
        cc=""; [[ "$t" == ours-hit ]] && cc="public, max-age=600"
        pcap="$work/cache-wire-$t-$r.pcap"
        tcpdump -i lo -s 128 -B 65536 --time-stamp-precision=nano -w "$pcap" "tcp port $port" \
          2>"$work/tcpdump-$t-$r.log" &
        dump_pid=$!
        for _ in $(seq 1 50); do grep -q "listening on" "$work/tcpdump-$t-$r.log" 2>/dev/null && break; sleep 0.1; done
        wrk_run cache-c1-wire "$t" "$r" "$ours_url" 1 "$c1_s" "$auth" "$cc" >/dev/null
        kill -INT "$dump_pid"; wait "$dump_pid" 2>/dev/null || true
        python3 "$repo/bench/tools/service-time.py" "$pcap" "$port" "$t" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
print(json.dumps({"lane": "cache-wire", "target": sys.argv[1], "round": int(sys.argv[2]),
                  "requests": s["requests"], "p50": s["p50_us"], "p90": s["p90_us"], "p99": s["p99_us"],
                  "p999": s["p999_us"]}))' "$t" "$r" >>"$raw"
        grep -q "packets dropped by kernel" "$work/tcpdump-$t-$r.log" && \
          grep "dropped by kernel" "$work/tcpdump-$t-$r.log" | sed "s/^/  $t: /" >&2
        rm -f "$pcap"
      done
    done
  else
    log "lane cache-wire skipped: needs tcpdump (Debian: tcpdump) and root"
  fi
fi

if has_lane redis; then
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h "$redis_host" -p "$redis_port" ping >/dev/null 2>&1; then
    log "lane redis: Redis Streams bus (stream $redis_stream_key) vs in-memory"
    # Two fresh servers that differ only in the bus, started, warmed and measured alike (the
    # in-memory side used to be the main proxy, warmed by every lane before, against a fresh one).
    start_ours ours-redis "$direct_url" LLM_PROXY_EVENT_BUS=redis-streams REDIS_ADDR="$redis_host:$redis_port" \
      REDIS_STREAM_KEY="$redis_stream_key" REDIS_STREAM_MAX_LEN=100000
    start_ours ours-memory "$direct_url"
    # Tokens without rate_limit_rpm on both sides: with REDIS_ADDR the per-minute limit itself
    # moves to Redis (a round trip per request), and this lane is about the event bus.
    create_token ours-redis norpm
    create_token ours-memory norpm
    redis_url="http://127.0.0.1:${ours_port[ours-redis]}"
    memory_url="http://127.0.0.1:${ours_port[ours-memory]}"
    for c in 32 1; do
      warm "$redis_url" "Bearer ${ours_token[ours-redis-norpm]}" "" $c
      warm "$memory_url" "Bearer ${ours_token[ours-memory-norpm]}" "" $c
    done
    for ((r = 0; r < rounds; r++)); do
      for t in $(rotate $r direct ours-memory ours-redis); do
        case "$t" in
          direct) u="$direct_url"; a=""; tok="" ;;
          ours-memory) u="$memory_url"; tok="${ours_token[ours-memory-norpm]}"; a="Bearer $tok" ;;
          ours-redis) u="$redis_url"; tok="${ours_token[ours-redis-norpm]}"; a="Bearer $tok" ;;
        esac
        wrk_run redis-c1 "$t" "$r" "$u" 1 "$c1_s" "$a"
        bench_run redis-rate "$t" "$r" "$u" "$tok" -c 16 --rate "$rate" -r $((rate * rate_s)) --warmup "$rate"
      done
    done
    meta_set redis_stream_len "$(redis-cli -h "$redis_host" -p "$redis_port" XLEN "$redis_stream_key")"
  else
    log "lane redis: skipped (no redis-server at $redis_host:$redis_port)"
  fi
fi

if has_lane sse; then
  log "lane sse: 1 stream at a time ($sse_c1_n streams of 8 chunks at 20 ms), then $sse_many concurrent of 64 chunks"
  start_ours ours-sse "$sse_url"
  create_token ours-sse
  sse_ours_url="http://127.0.0.1:${ours_port[ours-sse]}"
  # Warm-up. A 64-chunk stream lasts 1.3 s, so the 256 full streams below pass the request path
  # only 256 times: far below the JIT's C2 thresholds (thousands of calls), and with only those
  # the proxy was still compiling and running profiled C1 code on every request of sse-c1 (its
  # own CPU time per request 4x the warm value, the compiler threads competing for the 2 cores).
  # Short streams (X-Bench-Chunks: 1, ~20 ms each) warm the request and relay path like the
  # 15 s of wrk in the other lanes; every target gets them (nginx and SseUpstream too).
  for u in "$sse_url" "$nginx_sse_url" "$sse_ours_url"; do
    bench_run sse-warm ours-sse 0 "$u" "${ours_token[ours-sse]}" --stream -c 64 -r "$sse_warm_n" \
      --header X-Bench-Chunks=1 >/dev/null
  done
  bench_run sse-warm ours-sse 0 "$sse_ours_url" "${ours_token[ours-sse]}" --stream -c 64 -r 256 >/dev/null
  # And one stream at a time, as sse-c1 runs them (see the c1 lane: a JVM warmed only under
  # concurrency still compiles when it first serves one request at a time).
  for u in "$sse_url" "$nginx_sse_url" "$sse_ours_url"; do
    bench_run sse-warm ours-sse 0 "$u" "${ours_token[ours-sse]}" --stream -c 1 -r 200 \
      --header X-Bench-Chunks=1 >/dev/null
  done
  sed -i '/"lane": "sse-warm"/d' "$raw"
  for ((r = 0; r < rounds; r++)); do
    for t in $(rotate $r direct-sse nginx-sse ours-sse); do
      case "$t" in
        direct-sse) u="$sse_url" ;; nginx-sse) u="$nginx_sse_url" ;; ours-sse) u="$sse_ours_url" ;;
      esac
      # TTFT does not depend on the stream's length: 8-chunk streams let sse-c1 measure enough
      # streams for a p99 (the first 10 warm the fresh client JVM and are not counted).
      bench_run sse-c1 "$t" "$r" "$u" "${ours_token[ours-sse]}" --stream -c 1 -r "$sse_c1_n" --warmup 10 \
        --header X-Bench-Chunks=8
      bench_run sse-c512 "$t" "$r" "$u" "${ours_token[ours-sse]}" --stream -c "$sse_many" -r "$sse_many" \
        --threads 2 --timeout 60s
    done
  done
fi

meta_set load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$repo/bench/report.py" "$raw" "$out/meta.json" "$out"
log "results: $out/results.md"
