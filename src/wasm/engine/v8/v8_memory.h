// A linear memory on V8: a WebAssembly.Memory object. Its ArrayBuffer is detached by every grow, so views are
// re-read from the memory object each time.
#pragma once

#include <v8.h>

#include "wasm/engine/memory.h"

namespace wasmgate::engine {

class V8Store;

class V8Memory final : public Memory {
 public:
  V8Memory(V8Store& store, v8::Local<v8::WasmMemoryObject> memory);
  ~V8Memory() override = default;  // destroyed with the store entered, or after orphan()

  MemoryView view() override;
  CallResult<std::uint32_t> grow(std::uint32_t delta_pages) override;

  // With the store already entered.
  MemoryView view_entered(v8::Isolate* isolate) const;
  // The store is going away: drop the handle; view() is then empty and grow() fails.
  void orphan();

 private:
  V8Store* store_;
  v8::Global<v8::WasmMemoryObject> memory_;
};

}  // namespace wasmgate::engine
