// The V8 engine, behind the engine-neutral interface (engine/engine.h). No V8 type here: callers include only
// this factory.
#pragma once

#include <memory>

#include "wasm/engine/engine.h"

namespace wasmgate::engine {

// V8 is initialized once per process on first call (see EngineOptions for what is process-wide). Any number
// of engines may exist; each has its own module cache, compile isolate and watchdog thread.
std::unique_ptr<Engine> create_v8_engine(const EngineOptions& options = {});

}  // namespace wasmgate::engine
