// An Instance on V8: the WebAssembly.Instance object plus its exports, resolved once at instantiation so a
// call is a vector index, a handle and Function::Call.
#pragma once

#include <v8.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wasm/engine/instance.h"

namespace wasmgate::engine {

class V8Memory;
class V8Store;
struct HostBinding;

class V8Instance final : public Instance {
 public:
  V8Instance(V8Store& store, ModulePtr module, void* user_data);
  ~V8Instance() override;

  // Takes the instantiated object and reads its exports (store entered).
  void attach(v8::Local<v8::Context> context, v8::Local<v8::Object> instance);
  // Host functions created for this instance's imports: their caller is this instance.
  void adopt_binding(HostBinding* binding);
  // The store is being destroyed (store entered): drop every handle; later calls fail.
  void orphan();
  // Current bytes of each exported memory, deduplicated by base address into `seen` (store entered).
  void add_memory_bytes(v8::Isolate* isolate, std::vector<const void*>& seen, std::uint64_t& bytes) const;

  // Instance
  const ModulePtr& module() const override { return module_; }
  void* user_data() const override { return user_data_; }
  std::optional<FuncHandle> func(std::string_view name) const override;
  CallResult<std::vector<Value>> call(FuncHandle f, std::span<const Value> args, Deadline deadline) override;
  using Instance::call;
  CallResult<std::int32_t> call_i32(FuncHandle f, Deadline deadline) override;
  CallResult<void> call_void(FuncHandle f, Deadline deadline) override;
  CallResult<std::int32_t> call_i32_i32(FuncHandle f, std::int32_t arg, Deadline deadline) override;
  Memory* memory(std::string_view name) override;
  CallResult<Value> global_get(std::string_view name) override;
  CallResult<void> global_set(std::string_view name, const Value& value) override;
  std::optional<Extern> export_extern(std::string_view name) override;

 private:
  // Index of export `name` in the module's export list, or nullopt.
  std::optional<std::size_t> export_index(std::string_view name) const;
  CallResult<std::size_t> global_export(std::string_view name) const;
  std::optional<Failure> check_handle(FuncHandle f) const;
  // call_i32 / call_i32_i32 after their type checks: `arg` null for no argument.
  CallResult<std::int32_t> call_returning_i32(FuncHandle f, const std::int32_t* arg, Deadline deadline);
  void release_handles();

  V8Store* store_;  // null once orphaned
  ModulePtr module_;
  void* user_data_;
  v8::Global<v8::Object> object_;
  std::vector<v8::Global<v8::Value>> exports_;   // by export index
  std::vector<v8::Global<v8::Function>> funcs_;  // by FuncHandle::index
  std::vector<const FuncType*> func_types_;      // by FuncHandle::index
  std::map<std::string, std::uint32_t, std::less<>> func_by_name_;
  std::vector<std::unique_ptr<V8Memory>> memories_;         // by export index, made on first use
  std::vector<std::optional<std::uint32_t>> extern_slots_;  // by export index, made on first use
  std::vector<HostBinding*> bindings_;
};

}  // namespace wasmgate::engine
