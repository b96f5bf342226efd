#!/usr/bin/env bash
# Coroutine-frame and handler allocations per proxied request: runs wasmgate (--threads 1) with an LD_PRELOAD
# shim counting memalign calls by size (bench/alloc_sizes/memalign_histogram.c) under wrk, and prints each size
# with its count per request. asio recycles frames of at most ~1 KiB (2 cached blocks per thread and purpose), so
# a size that shows ~1.0 per request is a frame allocated and freed on every request: ProxyCall::run()'s frame
# must stay under that limit (see proxy_call.cpp). Everything on loopback; every process started here is stopped.
#
# usage: bench/alloc_sizes.sh [path/to/wasmgate]   env: CONNECTIONS=64 DURATION=3s
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-build/wasmgate}")"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-3s}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v wrk >/dev/null || { echo "wrk missing: run make setup" >&2; exit 1; }

WORK="$(mktemp -d /tmp/wasmgate-alloc.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/backend/nginx.pid" ] && kill "$(cat "$WORK/backend/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

cc -O2 -shared -fPIC -o "$WORK/shim.so" bench/alloc_sizes/memalign_histogram.c -ldl

. bench/lib.sh
BACKEND_PORT=$(free_port)
start_backend_nginx "$WORK/backend" "$BACKEND_PORT"

ALLOC_SIZES_OUT="$WORK/sizes.txt" LD_PRELOAD="$WORK/shim.so" "$BIN" serve --listen 127.0.0.1:0 \
  --admin-listen 127.0.0.1:0 --data "$WORK/wg" --threads 1 --admin-credentials bench:bench --log-level warn \
  --ready-file "$WORK/wg-ready.json" 2>"$WORK/wg.log" &
WG_PID=$!
pids+=($WG_PID)
for _ in $(seq 1 200); do [ -f "$WORK/wg-ready.json" ] && break; sleep 0.05; done
WG_PORT=$(python3 -c "import json;print(json.load(open('$WORK/wg-ready.json'))['proxy_port'])")
WG_ADMIN=$(python3 -c "import json;print(json.load(open('$WORK/wg-ready.json'))['admin_port'])")
curl -fsS -u bench:bench -H 'Content-Type: application/json' "http://127.0.0.1:$WG_ADMIN/apis/proxy.otoroshi.io/v1/routes" \
  -d "{\"id\":\"route_bench\",\"name\":\"bench\",\"frontend\":{\"domains\":[\"127.0.0.1\"]},\"backend\":{\"targets\":[{\"hostname\":\"127.0.0.1\",\"port\":$BACKEND_PORT}]}}" >/dev/null
curl -fsS "http://127.0.0.1:$WG_PORT/" >/dev/null

requests=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$WG_PORT/" | awk '/requests in/ {print $1}')
kill -TERM "$WG_PID"
wait "$WG_PID" 2>/dev/null || true
echo "alloc_sizes: memalign calls by size, per request ($requests requests, c=$CONNECTIONS)"
if [ -s "$WORK/sizes.txt" ]; then
  awk -v n="$requests" '{printf "  %5d B  %.2f\n", $1, $2 / n}' "$WORK/sizes.txt"
else
  echo "  none seen more than 1000 times"
fi
