// VmPool under several threads: the cap, one call per VM, FIFO hand-off to blocked waiters.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "pool_test_support.h"

namespace wasmgate::wasm::testing {
namespace {

TEST(PoolConcurrency, EightThreadsNeverExceedTwoVmsNorShareOne) {
  FakeFactory factory;
  model::WasmKillOptions kill;
  kill.max_calls = 7;  // churn: VMs are destroyed and re-created while others wait
  auto pool = VmPool::create(pool_options(2, kill), factory.make());
  constexpr int kThreads = 8;
  constexpr int kLeasesPerThread = 300;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLeasesPerThread; ++i) {
        auto lease = pool->acquire(far_future());
        if (!lease.ok()) {
          ++failures;
          continue;
        }
        fake(*lease).call();
        if ((i + t) % 50 == 0) fake(*lease).fail();
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(failures, 0);
  EXPECT_LE(factory.counters->max_alive, 2);
  EXPECT_EQ(factory.counters->overlapping_calls, 0);
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, static_cast<std::uint64_t>(kThreads * kLeasesPerThread));
  EXPECT_EQ(stats.calls, static_cast<std::uint64_t>(kThreads * kLeasesPerThread));
  EXPECT_LE(stats.alive, 2u);
  EXPECT_EQ(stats.busy, 0u);
  EXPECT_EQ(stats.waiting, 0u);
  EXPECT_GT(stats.killed(KillReason::MaxCalls), 0u);
  EXPECT_GT(stats.killed(KillReason::Failed), 0u);
  EXPECT_EQ(static_cast<std::uint64_t>(factory.counters->created), stats.creations);
}

TEST(PoolConcurrency, CreationFailuresUnderLoadNeverLeakSlots) {
  FakeFactory factory;
  *factory.fail_next = 40;
  model::WasmKillOptions kill;
  kill.max_calls = 3;
  auto pool = VmPool::create(pool_options(2, kill), factory.make());
  std::atomic<int> ok{0};
  std::atomic<int> load_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto lease = pool->acquire(far_future());
        if (lease.ok()) {
          fake(*lease).call();
          ++ok;
        } else if (lease.error().code == Errc::PluginLoad) {
          ++load_errors;
        } else {
          ADD_FAILURE() << lease.error().message;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok + load_errors, 400);
  EXPECT_EQ(load_errors, 40);
  EXPECT_EQ(pool->stats().creation_failures, 40u);
  EXPECT_EQ(pool->stats().busy + pool->stats().creating, 0u);
  EXPECT_LE(factory.counters->max_alive, 2);
}

TEST(PoolConcurrency, BlockedWaitersAreServedInArrivalOrder) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());

  std::mutex order_mutex;
  std::vector<int> order;
  std::vector<std::thread> threads;
  constexpr int kWaiters = 4;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&, i] {
      auto lease = pool->acquire(far_future());
      ASSERT_TRUE(lease.ok());
      std::lock_guard lock(order_mutex);
      order.push_back(i);
    });
    // Queue them one by one so their arrival order is known.
    wait_until([&] { return pool->stats().waiting == static_cast<std::size_t>(i + 1); });
  }
  held->release();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(factory.counters->created, 1);
}

TEST(PoolConcurrency, NewAcquirerDoesNotOvertakeQueuedWaiters) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  std::atomic<bool> waiter_served{false};
  std::promise<void> let_go;
  std::thread waiter([&] {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    waiter_served = true;
    let_go.get_future().wait();
  });
  wait_until([&] { return pool->stats().waiting == 1; });
  held->release();  // handed straight to the waiter, not left idle for anyone
  wait_until([&] { return waiter_served.load(); });
  EXPECT_FALSE(pool->acquire(already_passed()).ok());
  let_go.set_value();
  waiter.join();
}

TEST(PoolConcurrency, WaiterGetsACreationSlotWhenTheReturnedVmIsDestroyed) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  int waiter_serial = 0;
  std::thread waiter([&] {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    waiter_serial = fake(*lease).serial();
  });
  wait_until([&] { return pool->stats().waiting == 1; });
  fake(*held).fail();
  held->release();
  waiter.join();
  EXPECT_EQ(waiter_serial, 2);
  EXPECT_LE(factory.counters->max_alive, 1);
}

}  // namespace
}  // namespace wasmgate::wasm::testing
