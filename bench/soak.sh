#!/usr/bin/env bash
# Soak test: the packaged server under moderate load for a long time (default 30 minutes), with
# its RSS, Java heap, open file descriptors and threads sampled every 10 s into a CSV. Memory and
# descriptors should be flat after warm-up; the summary at the end compares the first and the last
# quarter of the run and exits 1 when RSS, heap-after-GC or descriptors grew by more than the
# allowed margin. Not run in CI (it takes half an hour).
#
#   bench/soak.sh                              # 30 min, 8 connections
#   DURATION=600 CONNECTIONS=16 bench/soak.sh  # 10 min, 16 connections
#   OUT=soak.csv bench/soak.sh                 # where the CSV goes (default target/soak-<date>.csv)
#
# Needs: java 17+, wrk, nginx (the fake upstream answers a fixed chat completion), curl.
# Everything runs on loopback ports chosen at random and is stopped at the end.
set -euo pipefail

DURATION=${DURATION:-1800}
INTERVAL=${INTERVAL:-10}
CONNECTIONS=${CONNECTIONS:-8}
HEAP=${HEAP:-512m}
GROWTH_LIMIT_PCT=${GROWTH_LIMIT_PCT:-15}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR="$ROOT/llmproxy-server/target/llm-proxy.jar"
WORK=$(mktemp -d /tmp/llmproxy-soak.XXXXXX)
OUT=${OUT:-$ROOT/bench/target/soak-$(date -u +%Y%m%dT%H%M%SZ).csv}
MANAGEMENT_TOKEN=soak-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

for tool in java wrk nginx curl jcmd; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is required" >&2; exit 2; }
done
if [[ ! -f "$JAR" ]]; then
  echo "soak: building $JAR"
  (cd "$ROOT" && ./mvnw -B -q -pl llmproxy-server -am package -DskipTests)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
UPSTREAM_PORT=$(free_port)
PROXY_PORT=$(free_port)

cleanup() {
  [[ -n "${PROXY_PID:-}" ]] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null || true
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  echo "soak: logs in $WORK"
}
trap cleanup EXIT

# --- fake upstream: nginx answering every /v1 call with a small chat completion
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx;
  server {
    listen 127.0.0.1:$UPSTREAM_PORT;
    location /v1/ {
      default_type application/json;
      return 200 '{"id":"chatcmpl-soak","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the soak upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}';
    }
  }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"

# --- the proxy under test
mkdir -p "$(dirname "$OUT")"
env -i PATH="$PATH" HOME="$HOME" \
  OPENAI_API_URL="http://127.0.0.1:$UPSTREAM_PORT" MANAGEMENT_TOKEN="$MANAGEMENT_TOKEN" \
  DATABASE_PATH="$WORK/llm-proxy.db" AUDIT_LOG_FILE="$WORK/audit.log" FILE_EVENT_LOG="$WORK/events.jsonl" \
  LOG_LEVEL=warn \
  java -Xms"$HEAP" -Xmx"$HEAP" -jar "$JAR" server --listen "127.0.0.1:$PROXY_PORT" >"$WORK/proxy.out" 2>&1 &
PROXY_PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PROXY_PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PROXY_PORT/health" >/dev/null || { echo "soak: proxy did not start" >&2; cat "$WORK/proxy.out" >&2; exit 1; }

manage() { curl -fs -H "Authorization: Bearer $MANAGEMENT_TOKEN" -H 'Content-Type: application/json' "$@"; }
PROJECT=$(manage -d '{"name":"soak","api_key":"sk-soak-upstream-key"}' "http://127.0.0.1:$PROXY_PORT/manage/projects" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
TOKEN=$(manage -d "{\"project_id\":\"$PROJECT\",\"duration_minutes\":$(( DURATION / 60 + 60 ))}" \
  "http://127.0.0.1:$PROXY_PORT/manage/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

cat >"$WORK/chat.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
counter = 0
request = function()
  counter = counter + 1
  -- distinct bodies, so nothing is ever served from a cache
  return wrk.format(nil, "/v1/chat/completions", nil,
    '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"soak ' .. counter .. '"}]}')
end
EOF

echo "soak: ${DURATION}s at $CONNECTIONS connections against pid $PROXY_PID; samples every ${INTERVAL}s -> $OUT"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/chat.lua" "http://127.0.0.1:$PROXY_PORT" \
  >"$WORK/wrk.txt" 2>&1 &
WRK_PID=$!

# heap_used_kb: young + old used (jstat -gc); old_used_kb: the old generation alone, whose lowest
# values (right after collections) show a leak.
echo "elapsed_s,rss_kb,heap_used_kb,old_used_kb,heap_committed_kb,fds,threads" >"$OUT"
START=$(date +%s)
while kill -0 "$WRK_PID" 2>/dev/null; do
  NOW=$(( $(date +%s) - START ))
  RSS=$(awk '/VmRSS/ {print $2}' "/proc/$PROXY_PID/status")
  THREADS=$(awk '/Threads/ {print $2}' "/proc/$PROXY_PID/status")
  FDS=$(ls "/proc/$PROXY_PID/fd" | wc -l)
  # S0C S1C S0U S1U EC EU OC OU ... (KB)
  read -r S0C S1C S0U S1U EC EU OC OU _ < <(jstat -gc "$PROXY_PID" | tail -1)
  USED=$(python3 -c "print(int($S0U+$S1U+$EU+$OU))")
  COMMITTED=$(python3 -c "print(int($S0C+$S1C+$EC+$OC))")
  echo "$NOW,$RSS,$USED,${OU%.*},$COMMITTED,$FDS,$THREADS" >>"$OUT"
  sleep "$INTERVAL"
done
wait "$WRK_PID" || true
cat "$WORK/wrk.txt"

# --- verdict: first quarter (after 60 s warm-up) vs last quarter
python3 - "$OUT" "$GROWTH_LIMIT_PCT" <<'EOF'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["elapsed_s"]) >= 60]
limit = float(sys.argv[2])
if len(rows) < 8:
    print("soak: too few samples for a verdict"); sys.exit(0)
q = len(rows) // 4
def avg(col, part): return sum(float(r[col]) for r in part) / len(part)
# The old generation fills up between collections; its minimum over a quarter is the level right
# after a collection, which is what a leak raises.
def low(col, part): return min(float(r[col]) for r in part)
failed = False
for col in ("rss_kb", "old_used_kb", "fds", "threads"):
    measure = low if col == "old_used_kb" else avg
    first, last = measure(col, rows[:q]), measure(col, rows[-q:])
    growth = 0.0 if first == 0 else (last - first) * 100 / first
    flat = growth <= limit or (col in ("fds", "threads") and last - first < 5)
    failed |= not flat
    print(f"soak: {col:12s} first quarter {first:12.0f}  last quarter {last:12.0f}  growth {growth:6.1f}%  "
          + ("flat" if flat else "GROWING"))
sys.exit(1 if failed else 0)
EOF
