// A Store is one isolated guest world (for V8: one isolate + one context). It is used by one thread at a
// time: callers serialize (a VM lease); consecutive users may be different threads (each entry takes the
// store's lock, so a second thread blocks rather than corrupts). Only terminate() may be called from any
// thread at any time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "wasm/engine/deadline.h"
#include "wasm/engine/imports.h"
#include "wasm/engine/instance.h"
#include "wasm/engine/module.h"
#include "wasm/engine/outcome.h"
#include "wasm/engine/store_holder.h"

namespace wasmgate::engine {

struct StoreOptions {
  std::string name;                // for messages and logs ("plugin wasm-plugin_x vm 3")
  std::size_t max_heap_bytes = 0;  // engine heap (JS objects, not linear memory); 0 = engine default
};

struct InstantiateOptions {
  void* user_data = nullptr;        // handed to host functions called by this instance (HostCall::user_data)
  Deadline deadline = kNoDeadline;  // bounds the start function
};

struct HeapStats {
  std::size_t total_bytes = 0;  // engine heap reserved
  std::size_t used_bytes = 0;   // engine heap in use
  std::size_t limit_bytes = 0;
  std::size_t external_bytes = 0;  // memory the engine attributes to external buffers
  std::size_t malloced_bytes = 0;
};

struct StoreStats {
  std::uint64_t memory_bytes = 0;  // current size of every distinct linear memory the store can see
  std::uint32_t memories = 0;
  std::uint32_t instances = 0;  // live instances
  std::uint64_t calls = 0;      // outermost guest calls so far
  HeapStats heap;
};

// Implementations are compiled without RTTI (V8's rule): no dynamic_cast or typeid on these objects.
class Store {
 public:
  virtual ~Store();

  virtual std::uint64_t id() const = 0;
  virtual const std::string& name() const = 0;

  // Links `module` against `imports` and runs its start function. LinkError names the missing or mismatched
  // import and what is available: "missing import env.nope (func (i32) -> i32); available under env: add,
  // echo".
  virtual CallResult<InstancePtr> instantiate(const ModulePtr& module, const Imports& imports,
                                              const InstantiateOptions& options = {}) = 0;

  // A memory owned by the store, importable by instances (like an OPA module's env.memory).
  virtual CallResult<Extern> new_memory(const Limits& limits) = 0;
  // The memory behind a store-created Extern (nullptr if it is not one).
  virtual Memory* memory(const Extern& memory) = 0;

  // Stops the guest call running right now, if any (from any thread); it returns Outcome::Terminated and the
  // store stays usable. Returns false when no call was running (nothing is remembered for the next call).
  virtual bool terminate() = 0;

  // Memory of the store's instances and engine heap. From the thread using the store.
  virtual StoreStats stats() = 0;

  // Runs engine housekeeping queued for this store (GC tasks); call while the store is idle. Cheap when
  // empty.
  virtual void run_pending_tasks() = 0;

  // Pins the store to the calling thread until the matching unlock_thread() on the same thread; nestable.
  // Every operation meanwhile skips the per-operation lock and enter (V8: ~110 ns per call instead of ~400+
  // ns). Other threads block until it is released (terminate() does not). Use StoreLock.
  virtual void lock_thread() = 0;
  virtual void unlock_thread() = 0;
  // Which thread holds the store's lock right now (in use or kept; see keep_store_locks). A hint: it may
  // change as soon as it is read. From any thread.
  virtual StoreHolder holder() const = 0;
  // The lock of this store is wanted by several threads: from now on it is never kept (its current keeper
  // releases it as usual). From any thread.
  virtual void stop_keeping_lock() = 0;
  // If the calling thread keeps this store's lock (not in use), releases it now; otherwise nothing.
  virtual void release_kept_lock() = 0;
};

// Holds a store for a sequence of operations on one thread, e.g. for the length of a VM lease. Release it
// before destroying the store.
class StoreLock {
 public:
  explicit StoreLock(Store& store) : store_(store) { store_.lock_thread(); }
  ~StoreLock() { store_.unlock_thread(); }
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  Store& store_;
};

using StorePtr = std::unique_ptr<Store>;

// Kept store locks. Taking and releasing a store's lock costs more than a trivial guest call (V8: ~2 k
// instructions; the outermost v8::Locker frees the thread's isolate resources on every release). A thread
// that runs many short calls (an I/O thread) may instead keep each store it used locked after its last
// StoreLock ends, for a short while:
// - keep_store_locks(schedule): from now on this thread keeps the stores it unlocks. `schedule` runs on this
//   thread the first time a store is kept after a release, and must make release_kept_store_locks() run on
//   this thread soon (an I/O thread arms a 1 ms timer on its own event loop).
// - release_kept_store_locks(): releases what this thread keeps. Also run by lock_thread() before it waits
//   for a store another thread holds, and by VmPool before it waits for a VM, so that two threads never wait
//   on each other's kept locks. A thread keeping locks must not block on anything else.
// - stop_keeping_store_locks(): releases them and stops keeping (before the thread ends).
// Another thread wanting a kept store waits until the keeper releases it; the VM pool prefers VMs whose store
// is kept by the acquiring thread, then free ones (Store::holder), and a store two threads want stops being
// kept (Store::stop_keeping_lock).
void keep_store_locks(std::function<void()> schedule);
void release_kept_store_locks();
void stop_keeping_store_locks();

}  // namespace wasmgate::engine
