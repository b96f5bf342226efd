// A Store on V8: one isolate + one context, entered under a v8::Locker so that consecutive users may be
// different threads. Also the owner of what outlives single instances in the isolate: compiled module
// objects, host-function bindings, extern slots, and the call state that the watchdog and terminate() act on.
#pragma once

#include <v8.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "wasm/engine/store.h"
#include "wasm/engine/watchdog.h"

namespace wasmgate::engine {

class V8Instance;
class V8Memory;
struct HostBinding;

// What every store of an engine shares; held by shared_ptr so stores may outlive the Engine object.
struct V8EngineCore {
  v8::Platform* platform = nullptr;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator;
  Watchdog watchdog;
  std::atomic<std::uint64_t> next_store_id{1};
};

// Why the running call is being stopped.
enum class StopReason : std::uint8_t { None, Deadline, Terminate, HeapLimit };

class V8Store final : public Store {
 public:
  V8Store(std::shared_ptr<V8EngineCore> core, const StoreOptions& options);
  ~V8Store() override;

  // Store
  std::uint64_t id() const override { return id_; }
  const std::string& name() const override { return name_; }
  CallResult<InstancePtr> instantiate(const ModulePtr& module, const Imports& imports,
                                      const InstantiateOptions& options) override;
  CallResult<Extern> new_memory(const Limits& limits) override;
  Memory* memory(const Extern& memory) override;
  bool terminate() override;
  StoreStats stats() override;
  void run_pending_tasks() override;
  void lock_thread() override;
  void unlock_thread() override;

  StoreHolder holder() const override;
  void stop_keeping_lock() override { keepable_.store(false, std::memory_order_relaxed); }
  void release_kept_lock() override;
  // Lets go of a store this thread kept locked between uses (KeptStoreLocks in v8_store.cpp).
  void release_kept();

  // For the other V8 files.
  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }

  // Guest call bookkeeping (see GuestCall in v8_call.h). begin_call returns false when an outermost call's
  // deadline has already passed; `count` says whether it counts in StoreStats::calls (instantiation does
  // not). end_call returns why the call was stopped (None if it was not).
  bool begin_call(Deadline deadline, bool count);
  StopReason end_call();
  StopReason stop_reason() {
    std::lock_guard lock(state_mutex_);
    return stop_reason_;
  }
  Deadline current_deadline() const { return current_deadline_; }
  void set_host_error(std::string message) { host_error_ = std::move(message); }
  const std::optional<std::string>& host_error() const { return host_error_; }
  void clear_host_error() { host_error_.reset(); }

  // Extern slots: values that instances of this store may import.
  std::uint32_t add_extern(v8::Local<v8::Value> value, const ExternType& type);
  void release_extern(std::uint32_t slot);
  // The value behind `ext`, or empty when it is not (or no longer) a live extern of this store.
  v8::Local<v8::Value> extern_value(const Extern& ext) const;

  v8::Local<v8::WasmModuleObject> module_object(const ModulePtr& module);
  HostBinding* add_binding(std::unique_ptr<HostBinding> binding);
  void forget_binding(HostBinding* binding);
  void add_instance(V8Instance* instance) { instances_.insert(instance); }
  void remove_instance(V8Instance* instance) { instances_.erase(instance); }

 private:
  static void on_deadline(void* self);
  static std::size_t on_near_heap_limit(void* self, std::size_t current_limit, std::size_t initial_limit);
  void stop_locked(StopReason reason);

  std::shared_ptr<V8EngineCore> core_;
  const std::uint64_t id_;
  const std::string name_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Function> instance_ctor_;  // WebAssembly.Instance
  v8::Global<v8::Function> memory_ctor_;    // WebAssembly.Memory

  // Call state. depth_, armed_, current_deadline_, host_error_ belong to the thread using the store;
  // in_call_ and stop_reason_ are shared with the watchdog and terminate() under state_mutex_.
  int depth_ = 0;
  bool armed_ = false;
  Deadline current_deadline_ = kNoDeadline;
  std::optional<std::string> host_error_;
  std::uint64_t calls_ = 0;
  std::mutex state_mutex_;
  bool in_call_ = false;
  StopReason stop_reason_ = StopReason::None;
  Watchdog::Timer timer_;

  struct ExternSlot {
    v8::Global<v8::Value> value;
    ExternType type;
    std::unique_ptr<V8Memory> memory;  // store-created memories only
  };
  std::vector<ExternSlot> externs_;
  std::vector<std::uint32_t> free_slots_;

  struct ModuleEntry {
    ModulePtr module;  // pinned for the store's life: the isolate holds its code
    v8::Global<v8::WasmModuleObject> object;
  };
  std::unordered_map<const Module*, ModuleEntry> modules_;
  std::unordered_set<HostBinding*> bindings_;
  std::unordered_set<V8Instance*> instances_;
  // The isolate's lock. owner_ is the thread holding it (or none); the rest is touched only by that thread.
  // lock_depth_ counts lock_thread() nesting; at 0 the owner may still keep the lock (kept_ = in its thread's
  // list of kept stores) until that thread releases its kept locks.
  std::atomic<std::thread::id> owner_{};
  std::unique_ptr<v8::Locker> locker_;
  int lock_depth_ = 0;
  bool kept_ = false;
  std::atomic<bool> keepable_{true};

  friend class StoreScope;
};

// Enters a store for the current thread: lock (lock_thread, so kept locks apply), isolate, handle scope,
// context. Nestable on one thread.
class StoreScope {
 public:
  explicit StoreScope(V8Store& store)
      : lock_(store), handles_(store.isolate_), context_(store.context()), context_scope_(context_) {}
  v8::Local<v8::Context> context() const { return context_; }

 private:
  StoreLock lock_;
  v8::HandleScope handles_;
  v8::Local<v8::Context> context_;
  v8::Context::Scope context_scope_;
};

}  // namespace wasmgate::engine
