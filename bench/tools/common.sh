# Shared by bench/run.sh and the bench tools (sourced, not run): ports, waiting, nginx, the 0 ms
# upstream, the full-features server's environment, JAR?K=V arguments, a token. The sourcing script sets $repo (the repository root), $work (its temp
# directory) and the array pids (processes its exit trap stops).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits up to SECONDS (default 60) for URL to answer at all.
wait_http() { # URL [SECONDS]
  local deadline=$((SECONDS + ${2:-60}))
  until curl -s -o /dev/null "$1"; do
    ((SECONDS > deadline)) && { echo "$1 did not come up; logs in $work" >&2; exit 1; }
    sleep 0.05
  done
}

# Starts nginx in $work/NAME with CONFIG-BODY inside its http block, WORKERS worker processes, and
# the command prefix PREFIX... (e.g. taskset -c 0; none for none). Its pid goes to pids.
start_nginx() { # NAME CONFIG-BODY WORKERS [PREFIX...]
  local dir="$work/$1" body="$2" workers="$3"
  shift 3
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
$body
}
EOF
  "$@" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" &
  pids+=($!)
}

# The 0 ms upstream: one nginx worker answering every request with the chat completion fixture,
# started with the command prefix PREFIX... Sets up_port and up_url.
start_fixture_upstream() { # [PREFIX...]
  up_port=$(free_port)
  local response_json
  response_json="$(cat "$repo/bench/fixtures/chat-completion.json")"
  start_nginx upstream "
  server {
    listen 127.0.0.1:$up_port backlog=4096;
    default_type application/json;
    location / { return 200 '$response_json'; }
  }" 1 "$@"
  up_url="http://127.0.0.1:$up_port"
  wait_http "$up_url/v1/chat/completions"
}

# The environment of a full-features `llm-proxy server`, what the harness measures as "ours" (token
# check with rate limit and quota, metrics, usage, audit, response cache), serving 127.0.0.1:PORT
# from DIR and forwarding to UPSTREAM-URL. Sets the array full_env, for `env "${full_env[@]}" java ...`.
full_server_env() { # DIR PORT UPSTREAM-URL MANAGEMENT-TOKEN
  full_env=(LISTEN_ADDR="127.0.0.1:$2" DATABASE_PATH="$1/llm-proxy.db" MANAGEMENT_TOKEN="$4" OPENAI_API_URL="$3"
    AUDIT_LOG_FILE="$1/audit.log" LOG_LEVEL=warn ENABLE_METRICS=true HTTP_CACHE_ENABLED=true AUDIT_ENABLED=true)
}

# Splits a tool's JAR argument, JAR or JAR?K=V&K2=V2 (environment variables for that one process),
# into spec_jar and the array spec_env.
split_jar_spec() { # SPEC
  spec_jar="${1%%\?*}"
  spec_env=()
  if [[ "$1" == *\?* ]]; then
    IFS='&' read -r -a spec_env <<<"${1#*\?}"
  fi
}

# Makes a project and a token through a running server's management API and prints the token.
# Quota (1e9 requests) and per-minute limit (1e6) far above what a run sends, so both checks run on
# every request; with norpm the token has no per-minute limit.
create_bench_token() { # BASE-URL MANAGEMENT-TOKEN NAME [norpm]
  local project rpm=',"rate_limit_rpm":1000000'
  [[ "${4:-}" == norpm ]] && rpm=""
  project=$(curl -sf -X POST "$1/manage/projects" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$3\",\"api_key\":\"sk-bench-upstream\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf -X POST "$1/manage/tokens" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "{\"project_id\":\"$project\",\"duration_minutes\":1440,\"max_requests\":1000000000$rpm}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
