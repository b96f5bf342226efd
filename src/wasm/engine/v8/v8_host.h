// Host functions on V8: one JS function per (instantiation, host import), whose data points at a HostBinding.
// The trampoline converts arguments, runs the C++ callback behind a noexcept wall (errors and exceptions
// become a JS Error thrown into the guest, i.e. a trap), and converts results back.
#pragma once

#include <v8.h>

#include <memory>
#include <string>

#include "wasm/engine/host_function.h"

namespace wasmgate::engine {

class V8Instance;
class V8Store;

struct HostBinding {
  HostFunctionPtr fn;
  V8Store* store = nullptr;
  V8Instance* importer = nullptr;     // the instance that imports it; nulled when that instance is destroyed
  std::string qualified_name;         // "env.host_add", for trap messages
  v8::Global<v8::Function> function;  // weak: V8 frees the binding when the function is collected
};

// Creates the function for `binding` and hands the binding to the store. Empty handle on failure.
v8::Local<v8::Function> make_host_function(V8Store& store, v8::Local<v8::Context> context,
                                           std::unique_ptr<HostBinding> binding);

}  // namespace wasmgate::engine
