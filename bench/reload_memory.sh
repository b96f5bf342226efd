#!/usr/bin/env bash
# RSS after 1 000 hot reloads vs after 10 (issue 5): a wasm plugin entity PUT 1 000 times with its source (and, in
# the second flavour, its config) changed each time, one request answered by the new module after every PUT.
# Prints the RSS samples of both flavours; the goal is "after 1 000 within 10 % of after 10".
# Usage: bench/reload_memory.sh [build-dir]
set -euo pipefail
BUILD_DIR=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../tests/integration"
echo "reload_memory: $(date -u '+%F %H:%M') on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
WASMGATE_BIN="$BUILD_DIR/wasmgate" WASMGATE_BUILD_DIR="$BUILD_DIR" WASMGATE_RELOAD_BASELINE=10 WASMGATE_RELOADS=1000 \
  python3 -m unittest -v test_reload_memory 2>&1 | grep -E "reloads in|^(OK|FAILED)|Error|assert" || true
