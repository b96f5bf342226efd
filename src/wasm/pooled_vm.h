// What a VM pool needs to know about a VM: the few counters the kill options read (spec otoroshi-wasm.md §8).
// The pool is generic over this interface so it can be tested with fakes and stays independent of how a VM
// runs a plugin; wasm::Vm implements it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/error.h"
#include "wasm/engine/store_holder.h"

namespace wasmgate::wasm {

class PooledVm {
 public:
  virtual ~PooledVm() = default;

  // Threads: the pool calls these only from the thread that holds the VM's lease (when the lease is returned)
  // or right after creation, never while a call is running on the VM; they need not be thread-safe. The pool
  // keeps a snapshot for its cleaner, which never touches a VM except to destroy it (on the cleaner's
  // thread).

  // Sticky: true once a call trapped, timed out or ran out of memory (the guest's state is suspect). A failed
  // VM is destroyed when its lease is returned, never handed out again.
  virtual bool failed() const = 0;
  // Guest calls completed on this VM since it was created (read against killOptions.max_calls).
  virtual std::uint64_t calls() const = 0;
  // Sum of the wall durations of those calls (mean = total / calls, read against max_avg_call_duration).
  virtual std::chrono::nanoseconds total_call_time() const = 0;
  // Current size of the VM's linear memories in bytes (read against max_memory_usage × memoryPages × 64 KiB).
  virtual std::size_t memory_bytes() const = 0;
  // Which thread holds the VM's engine lock: an I/O thread keeps it for a moment (1 ms) after a call
  // (engine::keep_store_locks), and another thread using the VM meanwhile waits for that. The pool hands out
  // VMs the acquiring thread holds first, then free ones. A hint, read from any thread (the VM idle).
  virtual engine::StoreHolder holder() const { return engine::StoreHolder::Nobody; }
  // Threads contend for this VM (at the pool's cap, it goes to a thread while another one holds it): from now
  // on its lock is never kept, each use takes and releases it. From any thread.
  virtual void stop_keeping_lock() {}
  // If the calling thread keeps this VM's lock (the VM idle), it lets go now: the VM goes to another thread.
  virtual void release_kept_lock() {}
};

using PooledVmPtr = std::unique_ptr<PooledVm>;

// Makes one VM for a pool. Called lazily, outside every pool lock, possibly from several threads at once (one
// per VM being created): it must be thread-safe. An error is handed to the acquirer that needed the VM.
using VmFactory = std::function<Result<PooledVmPtr>()>;

}  // namespace wasmgate::wasm
