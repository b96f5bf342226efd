// Test doubles for the VM pool: a FakeVm whose counters the test sets, a factory that counts and can fail,
// and a clock the test advances.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "wasm/vm_pool.h"

namespace wasmgate::wasm::testing {

using namespace std::chrono_literals;

// Shared by every FakeVm of one factory.
struct FakeVmCounters {
  std::atomic<int> alive{0};
  std::atomic<int> max_alive{0};
  std::atomic<int> created{0};
  std::atomic<int> overlapping_calls{0};  // a call started on a VM while another was running on it
};

class FakeVm : public PooledVm {
 public:
  FakeVm(std::shared_ptr<FakeVmCounters> counters, int serial)
      : counters_(std::move(counters)), serial_(serial) {
    const int now_alive = ++counters_->alive;
    int seen = counters_->max_alive.load();
    while (now_alive > seen && !counters_->max_alive.compare_exchange_weak(seen, now_alive)) {
    }
  }
  ~FakeVm() override { --counters_->alive; }

  // PooledVm
  bool failed() const override { return failed_; }
  std::uint64_t calls() const override { return calls_; }
  std::chrono::nanoseconds total_call_time() const override { return total_; }
  std::size_t memory_bytes() const override {
    ++memory_reads_;
    return memory_bytes_;
  }
  engine::StoreHolder holder() const override { return holder_; }
  void stop_keeping_lock() override { stopped_keeping_ = true; }
  void release_kept_lock() override { ++releases_of_kept_lock_; }

  // A guest call that "took" `duration`; yields inside so overlapping use would be seen.
  void call(std::chrono::nanoseconds duration = 1ms) {
    if (in_call_.exchange(true)) ++counters_->overlapping_calls;
    std::this_thread::yield();
    ++calls_;
    total_ += duration;
    in_call_.store(false);
  }
  void fail() { failed_ = true; }
  void set_memory_bytes(std::size_t bytes) { memory_bytes_ = bytes; }
  // As if a thread kept this VM's engine lock (PooledVm::holder).
  void set_holder(engine::StoreHolder holder) { holder_ = holder; }
  // Whether the pool told this VM to stop keeping its lock (PooledVm::stop_keeping_lock), and how often it
  // told it to let go of a kept lock now (release_kept_lock).
  bool stopped_keeping() const { return stopped_keeping_; }
  int releases_of_kept_lock() const { return releases_of_kept_lock_; }
  int serial() const { return serial_; }
  // How often the pool read memory_bytes() (a real VM takes its store for that).
  int memory_reads() const { return memory_reads_; }

 private:
  std::shared_ptr<FakeVmCounters> counters_;
  int serial_;
  std::atomic<bool> in_call_{false};
  bool failed_ = false;
  std::uint64_t calls_ = 0;
  std::chrono::nanoseconds total_{0};
  std::size_t memory_bytes_ = 0;
  mutable int memory_reads_ = 0;
  engine::StoreHolder holder_ = engine::StoreHolder::Nobody;
  bool stopped_keeping_ = false;
  int releases_of_kept_lock_ = 0;
};

// Makes FakeVms numbered 1, 2, …; fails the next `fail_next` creations with PluginLoad.
struct FakeFactory {
  std::shared_ptr<FakeVmCounters> counters = std::make_shared<FakeVmCounters>();
  std::shared_ptr<std::atomic<int>> fail_next = std::make_shared<std::atomic<int>>(0);

  VmFactory make() const {
    return [counters = counters, fail_next = fail_next]() -> Result<PooledVmPtr> {
      int left = fail_next->load();
      while (left > 0 && !fail_next->compare_exchange_weak(left, left - 1)) {
      }
      if (left > 0) {
        return make_error(Errc::PluginLoad, "plugin p1: cannot compile module: bad magic");
      }
      const int serial = ++counters->created;
      return PooledVmPtr(std::make_unique<FakeVm>(counters, serial));
    };
  }
};

// Starts at the real now (so blocking waits derived from it are short) and moves only when told.
class FakeClock {
 public:
  TimePoint now() const { return TimePoint(std::chrono::nanoseconds(ns_->load())); }
  void advance(std::chrono::nanoseconds by) { *ns_ += by.count(); }
  PoolClock clock() const {
    return [ns = ns_] { return TimePoint(std::chrono::nanoseconds(ns->load())); };
  }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> ns_ =
      std::make_shared<std::atomic<std::int64_t>>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                      std::chrono::steady_clock::now().time_since_epoch())
                                                      .count());
};

inline PoolOptions pool_options(int instances, model::WasmKillOptions kill = {}) {
  PoolOptions options;
  options.plugin_id = "p1";
  options.instances = instances;
  options.memory_pages = 10;  // 655 360 bytes
  options.kill_options = kill;
  return options;
}

inline TimePoint far_future() {
  return std::chrono::steady_clock::now() + 1h;
}
inline TimePoint already_passed() {
  return std::chrono::steady_clock::now() - 1s;
}

inline FakeVm& fake(const VmLease& lease) {
  return lease.as<FakeVm>();
}

// Spins (yielding) until `done()`; for waiting on another thread's state change, not on time.
template <typename Pred>
void wait_until(Pred done) {
  while (!done()) std::this_thread::yield();
}

}  // namespace wasmgate::wasm::testing
