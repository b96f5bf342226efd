# Shared by the bench scripts (sourced): loopback ports and the nginx processes they start.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Writes $1/nginx.conf: $2 worker processes, a daemon with its pid in $1/nginx.pid, no access log, keep-alive
# without a request cap, and the http-level block $3.
nginx_conf() {
  mkdir -p "$1/logs"
  cat > "$1/nginx.conf" <<CONF
worker_processes $2;
daemon on;
pid $1/nginx.pid;
error_log $1/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  $3
}
CONF
}

# The backend every proxy bench uses: one nginx worker in $1 answering a 23-byte body on 127.0.0.1:$2 (fast
# enough not to be the bottleneck). Stop it with: kill "$(cat "$1/nginx.pid")".
start_backend_nginx() {
  nginx_conf "$1" 1 "server { listen 127.0.0.1:$2; location / { default_type text/plain; return 200 'hello from the backend\n'; } }"
  "${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}" -p "$1" -c "$1/nginx.conf"
}
