// A compiled module in V8 terms: CompiledWasmModule holds V8's NativeModule, which any isolate can turn into
// a WasmModuleObject without recompiling (WasmModuleObject::FromCompiledModule).
#pragma once

#include <v8.h>

#include "wasm/engine/module.h"

namespace wasmgate::engine {

inline constexpr char kV8EngineName[] = "v8";

class V8Module final : public Module {
 public:
  V8Module(ModuleInfo info, std::string sha256, std::size_t byte_size, bool from_code_cache,
           v8::CompiledWasmModule compiled)
      : Module(std::move(info), std::move(sha256), byte_size, from_code_cache),
        compiled_(std::move(compiled)) {}

  const char* engine_name() const override { return kV8EngineName; }
  const v8::CompiledWasmModule& compiled() const { return compiled_; }

 private:
  v8::CompiledWasmModule compiled_;
};

}  // namespace wasmgate::engine
