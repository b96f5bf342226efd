#!/usr/bin/env bash
# `make run`: starts a local echo backend and the gateway on the embedded store (./data), adds a demo route,
# prints curl commands to try, and stays in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-build/wasmgate}"
PROXY_PORT="${WASMGATE_PROXY_PORT:-8080}"
ADMIN_PORT="${WASMGATE_ADMIN_PORT:-8081}"
BACKEND_PORT="${DEMO_BACKEND_PORT:-9901}"
WASM_PORT="${DEMO_WASM_PORT:-9902}"
WASM_DIR="${DEMO_WASM_DIR:-$(dirname "$BIN")/fixtures/wasm/extism}"
DATA="${WASMGATE_DATA:-./data}"
CREDS="admin-api-apikey-id:admin-api-apikey-secret"
mkdir -p "$DATA"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

python3 tests/support/echo_backend.py --port "$BACKEND_PORT" --name demo-backend &
pids+=($!)
# The demo plugins (built from tests/fixtures/wasm/extism) served over HTTP, like the tutorial's wasm files.
[ -f "$WASM_DIR/first_validator.wasm" ] || { echo "missing $WASM_DIR/first_validator.wasm (make build)" >&2; exit 1; }
python3 -m http.server "$WASM_PORT" --bind 127.0.0.1 --directory "$WASM_DIR" >/dev/null 2>&1 &
pids+=($!)
# Plugins are fetched as soon as they are configured: wait until the server answers (and the echo backend).
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$WASM_PORT/first_validator.wasm" 2>/dev/null &&
    curl -fsS -o /dev/null "http://127.0.0.1:$BACKEND_PORT/" 2>/dev/null && break
  sleep 0.1
done

rm -f "$DATA/ready.json"
"$BIN" serve --listen "0.0.0.0:$PROXY_PORT" --admin-listen "127.0.0.1:$ADMIN_PORT" --data "$DATA" \
  --ready-file "$DATA/ready.json" &
pids+=($!)

for _ in $(seq 1 200); do [ -f "$DATA/ready.json" ] && break; sleep 0.05; done
[ -f "$DATA/ready.json" ] || { echo "wasmgate did not start" >&2; exit 1; }

# Upsert (POST /:id) keeps the demo idempotent across runs on the same data folder.
curl -fsS -u "$CREDS" -H 'Content-Type: application/json' \
  -X POST "http://127.0.0.1:$ADMIN_PORT/apis/proxy.otoroshi.io/v1/routes/route_demo" -d @- >/dev/null <<JSON
{
  "id": "route_demo",
  "name": "demo route",
  "description": "localhost and demo.oto.tools to the local echo backend",
  "frontend": { "domains": ["demo.oto.tools", "localhost"], "strip_path": true },
  "backend": { "targets": [ { "hostname": "127.0.0.1", "port": $BACKEND_PORT } ] }
}
JSON

# The demo wasm plugin: Otoroshi's tutorial access validator (header foo: bar), as a WasmPlugin entity with an
# Http source, used by a second route.
curl -fsS -u "$CREDS" -H 'Content-Type: application/json' \
  -X POST "http://127.0.0.1:$ADMIN_PORT/apis/plugins.otoroshi.io/v1/wasm-plugins/wasm-plugin_demo_validator" -d @- >/dev/null <<JSON
{
  "id": "wasm-plugin_demo_validator",
  "name": "demo validator",
  "description": "allows requests with the header foo: bar (Otoroshi's tutorial validator)",
  "steps": ["ValidateAccess"],
  "config": {
    "source": { "kind": "Http", "path": "http://127.0.0.1:$WASM_PORT/first_validator.wasm", "opts": {} },
    "memoryPages": 4, "functionName": "execute"
  }
}
JSON
curl -fsS -u "$CREDS" -H 'Content-Type: application/json' \
  -X POST "http://127.0.0.1:$ADMIN_PORT/apis/proxy.otoroshi.io/v1/routes/route_demo_wasm" -d @- >/dev/null <<JSON
{
  "id": "route_demo_wasm",
  "name": "demo route with a wasm access validator",
  "frontend": { "domains": ["wasm.oto.tools"] },
  "backend": { "targets": [ { "hostname": "127.0.0.1", "port": $BACKEND_PORT } ] },
  "plugins": [ {
    "plugin": "cp:otoroshi.next.plugins.WasmAccessValidator", "enabled": true,
    "config": { "source": { "kind": "Local", "path": "wasm-plugin_demo_validator", "opts": {} } }
  } ]
}
JSON

cat <<TXT

  wasmgate is running: proxy on :$PROXY_PORT, admin API on 127.0.0.1:$ADMIN_PORT, data in $DATA
  A demo route sends localhost and demo.oto.tools to an echo backend on 127.0.0.1:$BACKEND_PORT.

  Try:
    curl -s http://localhost:$PROXY_PORT/hello?name=you
    curl -s -H 'Host: demo.oto.tools' http://127.0.0.1:$PROXY_PORT/any/path
    curl -s -u $CREDS http://127.0.0.1:$ADMIN_PORT/apis/proxy.otoroshi.io/v1/routes
    curl -s -u $CREDS http://127.0.0.1:$ADMIN_PORT/apis/plugins.otoroshi.io/v1/wasm-plugins/_template
    curl -s -H 'Accept: application/json' -H 'Host: nowhere.oto.tools' http://127.0.0.1:$PROXY_PORT/

  The demo wasm plugin (an access validator) guards wasm.oto.tools:
    curl -si -H 'Host: wasm.oto.tools' -H 'Accept: application/json' http://127.0.0.1:$PROXY_PORT/   # 401
    curl -si -H 'Host: wasm.oto.tools' -H 'foo: bar' http://127.0.0.1:$PROXY_PORT/                   # 200

  Ctrl-C stops everything.
TXT
wait "${pids[2]}"
