// What the build links as its WebAssembly engine. The engine proper (Engine/Module/Instance) arrives with the
// WASM runtime issue; this is the proof that V8 is linked and that its headers match the library.
#pragma once

#include <string>

namespace wasmgate::engine {

// "V8 10.2.154.26-node.37 (headers 10.2.154.26)".
std::string engine_version();

}  // namespace wasmgate::engine
