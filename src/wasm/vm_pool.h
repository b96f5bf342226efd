// VmPool: the VMs of one effective plugin config, Otoroshi's semantics (spec otoroshi-wasm.md §8, DESIGN §4):
// at most `instances` VMs, one call per VM, created lazily, FIFO waiters with a bounded wait, VMs recycled
// by the killOptions (inline at release, and by clean() for the cleaner).
//
// Threads: every member is safe to call from any thread. No lock is held while a VM is created (the factory
// runs outside the pool mutex; the slot is counted as "being created" so the cap holds), called (the lease
// holder owns the VM outright) or destroyed. Waiters are woken by releases; nothing polls.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "model/wasm_config.h"
#include "wasm/kill_policy.h"
#include "wasm/pooled_vm.h"
#include "wasm/vm_pool_lease.h"
#include "wasm/vm_pool_stats.h"

namespace wasmgate::wasm {

using TimePoint = std::chrono::steady_clock::time_point;
// Source of "now" for deadlines and VM idle times; tests inject a fake one.
using PoolClock = std::function<TimePoint()>;

struct PoolOptions {
  std::string plugin_id;  // names the plugin in error messages ("plugin <id>: …")
  int instances = 1;      // max VMs alive (idle + busy + being created); values below 1 count as 1
  int memory_pages = model::kReadDefaultMemoryPages;  // denominator of kill_options.max_memory_usage
  model::WasmKillOptions kill_options;
  // Calls on this pool may wait on I/O (outbound HTTP, a WASI sleep): never run them on an I/O thread. Read
  // by the runtime's try_* paths; the pool itself does not care.
  bool calls_may_block = false;
  // Empty = std::chrono::steady_clock::now. Deadlines are read on this clock; a blocking wait sleeps on
  // steady_clock for (deadline - clock()) of real time.
  PoolClock clock;
};

// instances, memoryPages and killOptions of a plugin config.
PoolOptions pool_options_for(std::string plugin_id, const model::WasmConfig& config);

// Async acquire: called once with a lease or the error. Must not throw.
using AcquireCallback = std::function<void(Result<VmLease>)>;
// Identifies a queued async acquire; kNoWait when the callback already ran.
using WaitTicket = std::uint64_t;
inline constexpr WaitTicket kNoWait = 0;

class VmPool : public std::enable_shared_from_this<VmPool> {
  struct Passkey {};

 public:
  // Pools live in shared_ptr: leases keep theirs alive.
  static std::shared_ptr<VmPool> create(PoolOptions options, VmFactory factory);
  VmPool(Passkey, PoolOptions options, VmFactory factory);
  ~VmPool();  // destroys idle VMs; queued async acquirers get an Internal error
  VmPool(const VmPool&) = delete;
  VmPool& operator=(const VmPool&) = delete;

  // A VM for the caller: an idle one (most recently used first), else a new one if below the cap (created on
  // this thread), else waits in FIFO order until one is released or `deadline` passes. A deadline in the past
  // means "do not wait". Errors: the factory's error when creating failed (the slot is freed);
  // PluginTimeout "plugin <id>: all <n> VMs busy for <ms> ms" when the wait ran out.
  Result<VmLease> acquire(TimePoint deadline);

  // Same without blocking. `callback` runs exactly once:
  // - before acquire_async returns, on this thread, when a VM is free, can be created (on this thread), or
  //   the deadline has passed;
  // - otherwise later, on the thread that frees a VM (a lease's release, in its destructor; it may first
  // create
  //   the VM there), or on the thread of expire_wait() / clean() once the deadline passed. Callers on an I/O
  //   thread that need their own thread post from the callback.
  // Nothing here arms a timer: arm one for the deadline and call expire_wait(ticket) when it fires (clean()
  // also expires overdue waiters, as a backstop). Returns the ticket, or kNoWait if the callback already ran.
  WaitTicket acquire_async(TimePoint deadline, AcquireCallback callback);

  // Ends a queued async acquire with the "all VMs busy" error, running its callback on this thread. False if
  // it is no longer queued (its callback ran or is running elsewhere).
  bool expire_wait(WaitTicket ticket);

  // The cleaner (spec §8 trigger 2, minus the [quirk]): at `now`, idle VMs over a kill limit are destroyed,
  // busy ones are marked and destroyed when their lease returns; async waiters past their deadline are
  // failed. Immortal pools keep their VMs. Destroys VMs and may run callbacks on this thread.
  void clean(TimePoint now);

  // Hot reload: this pool's config is gone. Idle VMs are destroyed now; acquires still succeed (a request
  // that looked the pool up just before keeps working); a returned VM goes to a queued waiter or is
  // destroyed.
  void retire();

  bool retired() const;
  // No VM alive, being created or waited for: a retired pool in this state can be forgotten.
  bool empty() const;
  PoolStats stats() const;
  const PoolOptions& options() const { return options_; }

 private:
  friend class VmLease;

  struct IdleVm {
    std::uint64_t id;
    PooledVmPtr vm;
    VmUsage usage;
  };
  struct BusyVm {
    VmUsage usage;                   // as of the start of the lease
    std::optional<KillReason> doom;  // set by clean(): destroy at release
  };
  // What a waiter is handed: a VM (taken from idle), or a reserved creation slot (vm == nullptr).
  struct Grant {
    std::uint64_t id = 0;
    PooledVmPtr vm;
  };
  struct Waiter {
    WaitTicket ticket = kNoWait;
    TimePoint queued_at;
    TimePoint deadline;
    AcquireCallback callback;  // empty for a blocking waiter
    std::condition_variable woken;
    std::optional<Grant> grant;
  };
  // Work decided under the mutex and done after it is released (by run()).
  struct Deferred {
    std::vector<PooledVmPtr> doomed;
    std::vector<std::pair<AcquireCallback, Error>> failures;
    std::vector<std::pair<AcquireCallback, Grant>> grants;
  };

  // Called by VmLease::release with the VM it held.
  void give_back(std::uint64_t id, PooledVmPtr vm, bool discard) noexcept;

  std::size_t alive_locked() const { return idle_.size() + busy_.size() + creating_ + dying_; }
  // Who will use the VM taken: the calling thread, or a queued waiter (dispatch_locked, on the releasing
  // thread). nullopt: nothing idle, or (for the caller, below the cap) only VMs other threads hold.
  enum class Taker { Caller, Waiter };
  std::optional<Grant> take_idle_locked(Taker taker);
  // Hands free VMs / creation slots to queued waiters, in order; fails async waiters past their deadline.
  void dispatch_locked(Deferred& deferred);
  // Destroys doomed VMs, then frees their slots (hand-offs follow), then runs waiters' callbacks.
  void run(Deferred&& deferred);
  void doom_locked(Deferred& deferred, PooledVmPtr vm, KillReason reason);
  // Builds the lease for a grant: wraps its VM, or runs the factory for its reserved slot.
  Result<VmLease> fulfil(Grant grant);
  Result<VmLease> create_reserved();
  Error busy_error(std::chrono::steady_clock::duration waited) const;
  TimePoint now() const { return clock_ ? clock_() : std::chrono::steady_clock::now(); }

  const PoolOptions options_;
  const VmFactory factory_;
  const KillPolicy policy_;
  const std::size_t instances_;
  const PoolClock clock_;

  mutable std::mutex mutex_;
  std::vector<IdleVm> idle_;  // back = most recently returned: reused first, so spare VMs age out
  // By VM id. A vector (at most `instances` entries, reserved up front): a lease then costs no allocation.
  std::vector<std::pair<std::uint64_t, BusyVm>> busy_;
  std::size_t creating_ = 0;
  std::size_t dying_ = 0;  // doomed, destroyed after the mutex is released; still count against the cap
  std::deque<std::shared_ptr<Waiter>> waiters_;
  bool retired_ = false;
  std::uint64_t next_vm_id_ = 1;
  WaitTicket next_ticket_ = 1;
  PoolStats counters_;  // only the counter fields are kept here; gauges are computed in stats()
};

}  // namespace wasmgate::wasm
