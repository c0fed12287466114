# Shared by the bench tools (sourced, not run): ports, waiting, the 0 ms upstream, a token.
# The sourcing script sets $repo (the repository root), $work (its temp directory) and the array
# pids (processes its exit trap stops).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits up to 60 s for URL to answer at all.
wait_http() { # URL
  local deadline=$((SECONDS + 60))
  until curl -s -o /dev/null "$1"; do
    ((SECONDS > deadline)) && { echo "$1 did not come up" >&2; exit 1; }
    sleep 0.05
  done
}

# The 0 ms upstream: one nginx worker answering every request with the chat completion fixture.
# Sets up_port and up_url.
start_fixture_upstream() {
  up_port=$(free_port)
  mkdir -p "$work/nginx"
  local response_json
  response_json="$(cat "$repo/bench/fixtures/chat-completion.json")"
  cat >"$work/nginx/nginx.conf" <<EOC
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server { listen 127.0.0.1:$up_port backlog=4096; default_type application/json;
           location / { return 200 '$response_json'; } }
}
EOC
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
  pids+=($!)
  up_url="http://127.0.0.1:$up_port"
  wait_http "$up_url/"
}

# Makes a project and a token (1e9 requests, 1e6 per minute, so quota and rate limit run on every
# request) through a running server's management API and prints the token.
create_bench_token() { # BASE-URL MANAGEMENT-TOKEN NAME
  local project
  project=$(curl -sf -X POST "$1/manage/projects" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$3\",\"api_key\":\"sk-bench-upstream\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf -X POST "$1/manage/tokens" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "{\"project_id\":\"$project\",\"duration_minutes\":1440,\"max_requests\":1000000000,\"rate_limit_rpm\":1000000}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
