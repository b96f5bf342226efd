#!/usr/bin/env bash
# Installs every Debian package wasmgate needs, and unpacks V8 (libnode108) into .deps/libnode.
# Idempotent: packages already present are skipped, and a second run only re-checks.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache make pkg-config python3
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # wasm guest fixtures
  wabt clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32
  # V8 runtime dependencies of libnode108 (the library itself is unpacked, see below)
  libuv1 libbrotli1 libc-ares2 libnghttp2-14 libssl3 libicu72 zlib1g
  # tests and benchmarks
  curl wrk nginx-light redis-server
  # route plugin include/exclude patterns (linear-time regexes)
  libre2-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} Debian packages present"
fi

# nginx-light's package starts a system nginx on port 80; benchmarks run their own instance, so stop it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  $SUDO systemctl stop nginx || true
fi

# V8: libnode108 cannot be apt-installed beside NodeSource's nodejs (it conflicts on nodejs-legacy and on
# /usr/include/node), so its .debs are unpacked into a git-ignored folder (see shared/spec/wasm-engine-v8.md).
LIBNODE_PREFIX="${LIBNODE_PREFIX:-$PWD/.deps/libnode}"
if [ ! -f "$LIBNODE_PREFIX/usr/include/node/v8-version.h" ] || \
   [ ! -f "$LIBNODE_PREFIX/usr/lib/x86_64-linux-gnu/libnode.so.108" ]; then
  echo "setup: unpacking libnode108 + libnode-dev (V8 10.2) into $LIBNODE_PREFIX"
  rm -rf "$LIBNODE_PREFIX"
  mkdir -p "$LIBNODE_PREFIX/debs"
  ( cd "$LIBNODE_PREFIX/debs" && apt-get download libnode108 libnode-dev 2>&1 | grep -v "unsandboxed" || true )
  if ! ls "$LIBNODE_PREFIX"/debs/libnode108_*.deb >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    ( cd "$LIBNODE_PREFIX/debs" && apt-get download libnode108 libnode-dev 2>&1 | grep -v "unsandboxed" || true )
  fi
  for deb in "$LIBNODE_PREFIX"/debs/libnode*.deb; do dpkg-deb -x "$deb" "$LIBNODE_PREFIX"; done
else
  echo "setup: V8 present in $LIBNODE_PREFIX"
fi

# Node.js + npm packages for tests and benchmarks only (the Extism JS SDK as conformance/speed peer, the
# AssemblyScript compiler for fixtures). The gateway itself never needs Node.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing Debian packages: nodejs npm"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [ ! -f tools/node/node_modules/.package-lock.json ] || \
   ! cmp -s tools/node/package-lock.json tools/node/node_modules/.package-lock.json.src 2>/dev/null; then
  echo "setup: npm ci in tools/node (@extism/extism, assemblyscript, @extism/as-pdk)"
  ( cd tools/node && npm ci --no-audit --no-fund --loglevel=error )
  cp tools/node/package-lock.json tools/node/node_modules/.package-lock.json.src
else
  echo "setup: npm packages present in tools/node"
fi
