// V8 can be initialized once per process and never again after disposal, so every Engine shares one platform.
// Only src/wasm/engine/v8 includes this header.
#pragma once

#include <v8.h>

#include "wasm/engine/engine.h"

namespace wasmgate::engine {

// Sets flags (--no-wasm-dynamic-tiering, optional --wasm-max-mem-pages and extras), enables the wasm trap
// handler and starts the platform on first use. Process-wide options of later calls are ignored (with a
// warning when they differ). V8 is never disposed: background compile threads may outlive any engine.
v8::Platform* v8_platform(const EngineOptions& options);

// "10.2.154.26-node.37".
const char* v8_version_string();

}  // namespace wasmgate::engine
