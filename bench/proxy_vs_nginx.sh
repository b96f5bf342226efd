#!/usr/bin/env bash
# Proxy throughput: wasmgate vs nginx proxy_pass (keep-alive upstream), same backend, same worker count, same wrk
# load, in one run. Prints rps and p99 for each, and the ratio wasmgate/nginx (goal >= 1.0). Medians of ROUNDS
# alternating rounds. Everything on loopback; every server started here is stopped here.
#
# wasmgate adds X-Forwarded-For/Proto/Host to every proxied request, which nginx's proxy_pass does not by default:
# PEER_FORWARDED=1 has nginx add them too (proxy_set_header), so both proxies and the backend do the same work.
#
# usage: bench/proxy_vs_nginx.sh [path/to/wasmgate]
#   env: DURATION=10s CONNECTIONS=64 WORKERS=1 ROUNDS=3 PEER_FORWARDED=0
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-build/wasmgate}")"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
WORKERS="${WORKERS:-1}"
ROUNDS="${ROUNDS:-3}"
PEER_FORWARDED="${PEER_FORWARDED:-0}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v wrk >/dev/null || { echo "wrk missing: run make setup" >&2; exit 1; }

WORK="$(mktemp -d /tmp/wasmgate-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/backend/nginx.pid" ] && kill "$(cat "$WORK/backend/nginx.pid")" 2>/dev/null || true
  [ -f "$WORK/peer/nginx.pid" ] && kill "$(cat "$WORK/peer/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

. bench/lib.sh
BACKEND_PORT=$(free_port); PEER_PORT=$(free_port)
start_backend_nginx "$WORK/backend" "$BACKEND_PORT"

# Peer: nginx proxy_pass with an upstream keep-alive pool.
FORWARDED=""
if [ "$PEER_FORWARDED" = 1 ]; then
  FORWARDED='proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header X-Forwarded-Host $host;'
fi
nginx_conf "$WORK/peer" "$WORKERS" "upstream be { server 127.0.0.1:$BACKEND_PORT; keepalive 128; }
  server { listen 127.0.0.1:$PEER_PORT; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection \"\"; $FORWARDED } }"
"$NGINX" -p "$WORK/peer" -c "$WORK/peer/nginx.conf"

# Subject: wasmgate with one route to the same backend.
"$BIN" serve --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data "$WORK/wg" --threads "$WORKERS" \
  --admin-credentials bench:bench --log-level warn --ready-file "$WORK/wg-ready.json" 2>"$WORK/wg.log" &
pids+=($!)
for _ in $(seq 1 200); do [ -f "$WORK/wg-ready.json" ] && break; sleep 0.05; done
WG_PORT=$(python3 -c "import json;print(json.load(open('$WORK/wg-ready.json'))['proxy_port'])")
WG_ADMIN=$(python3 -c "import json;print(json.load(open('$WORK/wg-ready.json'))['admin_port'])")
curl -fsS -u bench:bench -H 'Content-Type: application/json' "http://127.0.0.1:$WG_ADMIN/apis/proxy.otoroshi.io/v1/routes" \
  -d "{\"id\":\"route_bench\",\"name\":\"bench\",\"frontend\":{\"domains\":[\"127.0.0.1\"]},\"backend\":{\"targets\":[{\"hostname\":\"127.0.0.1\",\"port\":$BACKEND_PORT}]}}" >/dev/null
curl -fsS "http://127.0.0.1:$WG_PORT/" >/dev/null
curl -fsS "http://127.0.0.1:$PEER_PORT/" >/dev/null

run_wrk() {  # prints "rps p99_ms"
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$1/" > "$WORK/wrk.out"
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$WORK/wrk.out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$WORK/wrk.out")
  if grep -q "Non-2xx\|Socket errors" "$WORK/wrk.out"; then grep "Non-2xx\|Socket errors" "$WORK/wrk.out" >&2; fi
  echo "$rps $p99"
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

wrk -t1 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$WG_PORT/" >/dev/null    # warm-up
wrk -t1 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$PEER_PORT/" >/dev/null
: > "$WORK/wg.txt"; : > "$WORK/ng.txt"
for i in $(seq 1 "$ROUNDS"); do
  run_wrk "$WG_PORT" >> "$WORK/wg.txt"
  run_wrk "$PEER_PORT" >> "$WORK/ng.txt"
  echo "round $i: wasmgate $(tail -1 "$WORK/wg.txt")  nginx $(tail -1 "$WORK/ng.txt")  (rps p99ms)" >&2
done

WG_RPS=$(awk '{print $1}' "$WORK/wg.txt" | median); WG_P99=$(awk '{print $2}' "$WORK/wg.txt" | median)
NG_RPS=$(awk '{print $1}' "$WORK/ng.txt" | median); NG_P99=$(awk '{print $2}' "$WORK/ng.txt" | median)
RATIO=$(awk -v a="$WG_RPS" -v b="$NG_RPS" 'BEGIN {printf "%.2f", a/b}')
echo
echo "proxy_vs_nginx: workers=$WORKERS connections=$CONNECTIONS duration=$DURATION rounds=$ROUNDS peer_forwarded=$PEER_FORWARDED (medians)"
printf "  %-9s %10s rps   p99 %7s ms\n" wasmgate "$WG_RPS" "$WG_P99" nginx "$NG_RPS" "$NG_P99"
echo "  ratio wasmgate/nginx: ${RATIO}x (goal >= 1.0)"
echo "| $(date -u +%F) | $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs) | workers=$WORKERS c=$CONNECTIONS$([ "$PEER_FORWARDED" = 1 ] && echo ", peer adds X-Forwarded-*") | $WG_RPS / $WG_P99 ms | $NG_RPS / $NG_P99 ms | ${RATIO}x |"
