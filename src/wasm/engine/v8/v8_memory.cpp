#include "wasm/engine/v8/v8_memory.h"

#include <fmt/format.h>

#include "wasm/engine/v8/v8_store.h"
#include "wasm/engine/v8/v8_values.h"

namespace wasmgate::engine {

V8Memory::V8Memory(V8Store& store, v8::Local<v8::WasmMemoryObject> memory)
    : store_(&store), memory_(store.isolate(), memory) {}

MemoryView V8Memory::view() {
  if (store_ == nullptr) return {};
  v8::Isolate* isolate = store_->isolate();
  // Inside a call (or under a StoreLock) this thread holds the isolate and has entered it: a handle scope is
  // all a view needs. Entering the store again (nested Locker, isolate and context scopes) cost ~10x that,
  // twice per Vm::call.
  if (v8::Isolate::TryGetCurrent() == isolate && v8::Locker::IsLocked(isolate)) {
    v8::HandleScope handles(isolate);
    return view_entered(isolate);
  }
  StoreScope scope(*store_);
  return view_entered(isolate);
}

MemoryView V8Memory::view_entered(v8::Isolate* isolate) const {
  v8::Local<v8::ArrayBuffer> buffer = memory_.Get(isolate)->Buffer();
  return MemoryView{static_cast<std::uint8_t*>(buffer->Data()), buffer->ByteLength()};
}

CallResult<std::uint32_t> V8Memory::grow(std::uint32_t delta_pages) {
  if (store_ == nullptr) return make_failure(Outcome::Internal, "memory used after its store was destroyed");
  StoreScope scope(*store_);
  v8::Isolate* isolate = store_->isolate();
  v8::Local<v8::Context> context = scope.context();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::WasmMemoryObject> memory = memory_.Get(isolate);
  v8::Local<v8::Value> grow_fn;
  if (!memory->Get(context, v8_string(isolate, "grow")).ToLocal(&grow_fn) || !grow_fn->IsFunction()) {
    return make_failure(Outcome::Internal, "WebAssembly.Memory.prototype.grow is unavailable");
  }
  v8::Local<v8::Value> arg = v8::Integer::NewFromUnsigned(isolate, delta_pages);
  v8::Local<v8::Value> previous;
  if (!grow_fn.As<v8::Function>()->Call(context, memory, 1, &arg).ToLocal(&previous)) {
    return make_failure(Outcome::OutOfMemory,
                        fmt::format("memory.grow(+{} pages) failed: {}", delta_pages,
                                    describe_exception(isolate, try_catch.Exception())));
  }
  return previous->Uint32Value(context).FromMaybe(0);
}

void V8Memory::orphan() {
  memory_.Reset();
  store_ = nullptr;
}

}  // namespace wasmgate::engine
