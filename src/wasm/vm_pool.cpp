#include "wasm/vm_pool.h"

#include <fmt/format.h>
#include <algorithm>
#include <cassert>
#include <exception>
#include <iterator>

#include "wasm/engine/store.h"

namespace wasmgate::wasm {

namespace {

// memory_bytes is read only when `read_memory` (a memory kill option is set): it takes the VM's store, as
// much as a small call's own lock. Otherwise it stays 0, which no decision reads.
VmUsage snapshot(const PooledVm& vm, TimePoint now, bool read_memory) {
  return VmUsage{vm.failed(), vm.calls(), vm.total_call_time(), read_memory ? vm.memory_bytes() : 0, now};
}

void count_kill(PoolStats& counters, KillReason reason) {
  ++counters.kills[static_cast<std::size_t>(reason)];
}

}  // namespace

PoolOptions pool_options_for(std::string plugin_id, const model::WasmConfig& config) {
  PoolOptions options;
  options.plugin_id = std::move(plugin_id);
  options.instances = config.instances;
  options.memory_pages = config.memory_pages;
  options.kill_options = config.kill_options;
  return options;
}

std::shared_ptr<VmPool> VmPool::create(PoolOptions options, VmFactory factory) {
  return std::make_shared<VmPool>(Passkey{}, std::move(options), std::move(factory));
}

VmPool::VmPool(Passkey, PoolOptions options, VmFactory factory)
    : options_(std::move(options)),
      factory_(std::move(factory)),
      policy_(options_.kill_options, options_.memory_pages),
      instances_(static_cast<std::size_t>(std::max(options_.instances, 1))),
      clock_(options_.clock) {
  busy_.reserve(instances_);
}

VmPool::~VmPool() {
  // Leases, acquirers and creators hold a shared_ptr, and a waiter is queued only while one of them exists
  // (the pool is full), so no waiter should be left: failing any is a safety net, not a path.
  assert(busy_.empty() && creating_ == 0 && dying_ == 0);
  for (auto& waiter : waiters_) {
    if (waiter->callback) {
      waiter->callback(
          make_error(Errc::Internal,
                     fmt::format("plugin {}: VM pool shut down while waiting for a VM", options_.plugin_id)));
    }
  }
}

Result<VmLease> VmPool::acquire(TimePoint deadline) {
  std::unique_lock lock(mutex_);
  if (waiters_.empty()) {  // nobody queued ahead: FIFO forbids taking a VM a waiter is owed
    if (auto grant = take_idle_locked(Taker::Caller)) {
      lock.unlock();
      return fulfil(std::move(*grant));
    }
    if (alive_locked() < instances_) {
      ++creating_;
      lock.unlock();
      return create_reserved();
    }
  }
  const TimePoint queued_at = now();
  if (deadline <= queued_at) {
    ++counters_.wait_timeouts;
    return busy_error(std::chrono::steady_clock::duration::zero());
  }
  auto waiter = std::make_shared<Waiter>();
  waiter->ticket = next_ticket_++;
  waiter->queued_at = queued_at;
  waiter->deadline = deadline;
  waiters_.push_back(waiter);
  // Engine locks this thread keeps must not be held while it waits: the VM it waits for may need one of them.
  engine::release_kept_store_locks();
  // Sleep in real time for what the pool's clock says is left (the same thing unless a test fakes the clock).
  const auto wake_by = std::chrono::steady_clock::now() + (deadline - queued_at);
  waiter->woken.wait_until(lock, wake_by, [&] { return waiter->grant.has_value(); });
  if (!waiter->grant) {
    // Still queued: only a grant takes a blocking waiter off the queue.
    if (auto it = std::find(waiters_.begin(), waiters_.end(), waiter); it != waiters_.end())
      waiters_.erase(it);
    ++counters_.wait_timeouts;
    return busy_error(deadline - queued_at);
  }
  Grant grant = std::move(*waiter->grant);
  lock.unlock();
  return fulfil(std::move(grant));
}

WaitTicket VmPool::acquire_async(TimePoint deadline, AcquireCallback callback) {
  std::unique_lock lock(mutex_);
  if (waiters_.empty()) {
    if (auto grant = take_idle_locked(Taker::Caller)) {
      lock.unlock();
      callback(fulfil(std::move(*grant)));
      return kNoWait;
    }
    if (alive_locked() < instances_) {
      ++creating_;
      lock.unlock();
      callback(create_reserved());
      return kNoWait;
    }
  }
  const TimePoint queued_at = now();
  if (deadline <= queued_at) {
    ++counters_.wait_timeouts;
    lock.unlock();
    callback(busy_error(std::chrono::steady_clock::duration::zero()));
    return kNoWait;
  }
  auto waiter = std::make_shared<Waiter>();
  waiter->ticket = next_ticket_++;
  waiter->queued_at = queued_at;
  waiter->deadline = deadline;
  waiter->callback = std::move(callback);
  waiters_.push_back(waiter);
  return waiter->ticket;
}

bool VmPool::expire_wait(WaitTicket ticket) {
  std::unique_lock lock(mutex_);
  auto it = std::find_if(waiters_.begin(), waiters_.end(),
                         [&](const auto& w) { return w->ticket == ticket && w->callback; });
  if (it == waiters_.end()) return false;
  std::shared_ptr<Waiter> waiter = std::move(*it);
  waiters_.erase(it);
  ++counters_.wait_timeouts;
  Error error = busy_error(now() - waiter->queued_at);
  lock.unlock();
  waiter->callback(std::move(error));
  return true;
}

void VmPool::clean(TimePoint now) {
  Deferred deferred;
  {
    std::lock_guard lock(mutex_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      const auto reason = retired_ ? KillReason::Retired : policy_.on_clean(it->usage, false, now);
      if (reason) {
        doom_locked(deferred, std::move(it->vm), *reason);
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [id, busy] : busy_) {
      if (!busy.doom) busy.doom = policy_.on_clean(busy.usage, true, now);  // counted when destroyed
    }
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if ((*it)->callback && (*it)->deadline <= now) {
        ++counters_.wait_timeouts;
        deferred.failures.emplace_back(std::move((*it)->callback), busy_error(now - (*it)->queued_at));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    dispatch_locked(deferred);
  }
  run(std::move(deferred));
}

void VmPool::retire() {
  Deferred deferred;
  {
    std::lock_guard lock(mutex_);
    retired_ = true;
    for (auto& idle : idle_) doom_locked(deferred, std::move(idle.vm), KillReason::Retired);
    idle_.clear();
  }
  run(std::move(deferred));
}

bool VmPool::retired() const {
  std::lock_guard lock(mutex_);
  return retired_;
}

bool VmPool::empty() const {
  std::lock_guard lock(mutex_);
  return alive_locked() == 0 && waiters_.empty();
}

PoolStats VmPool::stats() const {
  std::lock_guard lock(mutex_);
  PoolStats stats = counters_;
  stats.instances = instances_;
  stats.alive = alive_locked();
  stats.idle = idle_.size();
  stats.busy = busy_.size();
  stats.creating = creating_;
  stats.waiting = waiters_.size();
  stats.retired = retired_;
  return stats;
}

void VmPool::give_back(std::uint64_t id, PooledVmPtr vm, bool discard) noexcept {
  // The VM is still exclusively ours: read it before taking the lock.
  const VmUsage usage = snapshot(*vm, now(), policy_.reads_memory());
  Deferred deferred;
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find_if(busy_.begin(), busy_.end(), [&](const auto& b) { return b.first == id; });
    assert(it != busy_.end());
    const BusyVm busy = it->second;
    if (it != busy_.end() - 1) *it = std::move(busy_.back());  // order does not matter
    busy_.pop_back();
    if (usage.calls > busy.usage.calls) counters_.calls += usage.calls - busy.usage.calls;
    std::optional<KillReason> reason;
    if (usage.failed || discard) {
      ++counters_.errors;
      reason = KillReason::Failed;
    } else if (busy.doom) {
      reason = busy.doom;
    } else {
      reason = policy_.at_release(usage);
    }
    // A retired pool keeps a VM only for an acquirer already queued for it.
    if (!reason && retired_ && waiters_.empty()) reason = KillReason::Retired;
    if (reason) {
      doom_locked(deferred, std::move(vm), *reason);
    } else {
      idle_.push_back(IdleVm{id, std::move(vm), usage});
    }
    dispatch_locked(deferred);
  }
  run(std::move(deferred));
}

std::optional<VmPool::Grant> VmPool::take_idle_locked(Taker taker) {
  if (idle_.empty()) return std::nullopt;
  // The most recently returned VM whose engine lock the caller holds (a waiter's lock holder is unknown
  // here), else the most recent free one (PooledVm::holder).
  using engine::StoreHolder;
  auto pick = idle_.rend();
  for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
    const StoreHolder holder = it->vm->holder();
    if (holder == StoreHolder::ThisThread && taker == Taker::Caller) {
      pick = it;
      break;
    }
    if (holder == StoreHolder::Nobody && pick == idle_.rend()) {
      pick = it;
      if (taker == Taker::Waiter) break;
    }
  }
  if (pick == idle_.rend()) {
    // Every idle VM is held by some thread. Below the cap the caller makes its own rather than wait for that
    // thread; at the cap it takes the most recent one, and a VM threads contend for stops keeping its lock.
    if (taker == Taker::Caller && alive_locked() < instances_) return std::nullopt;
    pick = idle_.rbegin();
    if (taker == Taker::Caller) pick->vm->stop_keeping_lock();
  }
  // A waiter's VM is chosen on the thread releasing one, which may keep its lock: let go now, so the waiter
  // does not wait for that thread's keep to end.
  if (taker == Taker::Waiter) pick->vm->release_kept_lock();
  std::rotate(std::prev(pick.base()), pick.base(), idle_.end());  // to the back, the others' order kept
  IdleVm idle = std::move(idle_.back());
  idle_.pop_back();
  busy_.emplace_back(idle.id, BusyVm{idle.usage, std::nullopt});
  ++counters_.leases;
  return Grant{idle.id, std::move(idle.vm)};
}

void VmPool::dispatch_locked(Deferred& deferred) {
  std::optional<TimePoint> at;  // read the clock only if someone waits
  while (!waiters_.empty()) {
    std::shared_ptr<Waiter>& waiter = waiters_.front();
    // Async waiters past their deadline are failed here; blocking ones wake by themselves and leave.
    if (waiter->callback) {
      if (!at) at = now();
      if (waiter->deadline <= *at) {
        ++counters_.wait_timeouts;
        deferred.failures.emplace_back(std::move(waiter->callback), busy_error(*at - waiter->queued_at));
        waiters_.pop_front();
        continue;
      }
    }
    Grant grant;
    if (auto idle = take_idle_locked(Taker::Waiter)) {
      grant = std::move(*idle);
    } else if (alive_locked() < instances_) {
      ++creating_;  // the waiter runs the factory after the mutex is released
    } else {
      break;
    }
    if (waiter->callback) {
      deferred.grants.emplace_back(std::move(waiter->callback), std::move(grant));
    } else {
      waiter->grant = std::move(grant);
      waiter->woken.notify_one();  // under the mutex: the waiter cannot leave before it is notified
    }
    waiters_.pop_front();
  }
}

void VmPool::run(Deferred&& deferred) {
  if (!deferred.doomed.empty()) {
    // Doomed VMs still count against the cap (dying_) until they are gone, so a replacement is made only
    // after: never more than `instances` VMs exist, even for a moment.
    const std::size_t count = deferred.doomed.size();
    deferred.doomed.clear();
    std::lock_guard lock(mutex_);
    dying_ -= count;
    dispatch_locked(deferred);
  }
  for (auto& [callback, error] : deferred.failures) callback(std::move(error));
  for (auto& [callback, grant] : deferred.grants) callback(fulfil(std::move(grant)));
}

void VmPool::doom_locked(Deferred& deferred, PooledVmPtr vm, KillReason reason) {
  count_kill(counters_, reason);
  ++dying_;
  deferred.doomed.push_back(std::move(vm));
}

Result<VmLease> VmPool::fulfil(Grant grant) {
  if (!grant.vm) return create_reserved();
  return VmLease(shared_from_this(), grant.id, std::move(grant.vm));
}

Result<VmLease> VmPool::create_reserved() {
  Result<PooledVmPtr> made =
      make_error(Errc::Internal, fmt::format("plugin {}: pool has no VM factory", options_.plugin_id));
  if (factory_) {
    // The factory returns errors; catching here only guarantees the reserved slot is given back.
    try {
      made = factory_();
    } catch (const std::exception& e) {
      made = make_error(Errc::Internal,
                        fmt::format("plugin {}: creating a VM threw: {}", options_.plugin_id, e.what()));
    }
  }
  if (made.ok() && !*made) {
    made =
        make_error(Errc::Internal, fmt::format("plugin {}: VM factory returned no VM", options_.plugin_id));
  }
  std::optional<VmUsage> usage;
  if (made.ok()) usage = snapshot(**made, now(), policy_.reads_memory());

  Deferred deferred;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    --creating_;
    if (usage) {
      id = next_vm_id_++;
      busy_.emplace_back(id, BusyVm{*usage, std::nullopt});
      ++counters_.creations;
      ++counters_.leases;
    } else {
      ++counters_.creation_failures;
      dispatch_locked(deferred);  // the slot is free again: the next waiter may try
    }
  }
  if (!usage) {
    run(std::move(deferred));
    return made.take_error();
  }
  return VmLease(shared_from_this(), id, std::move(*made));
}

Error VmPool::busy_error(std::chrono::steady_clock::duration waited) const {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(waited).count();
  return make_error(
      Errc::PluginTimeout,
      fmt::format("plugin {}: all {} VMs busy for {} ms; raise `instances` to run more calls at "
                  "once, or the deadline to wait longer",
                  options_.plugin_id, instances_, ms));
}

}  // namespace wasmgate::wasm
