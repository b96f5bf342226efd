// PoolRegistry: one pool per key, hot reload by replace/retire while leases are out, the cleaner's sweep,
// and lifetimes (registry or pool gone while a lease is out).
#include "wasm/vm_pool_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "pool_test_support.h"

namespace wasmgate::wasm::testing {
namespace {

TEST(PoolRegistry, SameKeyGivesTheSamePool) {
  PoolRegistry registry;
  FakeFactory factory;
  auto a = registry.get_or_create("local://p1?sha=1&cfg=2", pool_options(1), factory.make());
  auto b = registry.get_or_create("local://p1?sha=1&cfg=2", pool_options(5), factory.make());
  auto c = registry.get_or_create("local://p1?sha=1&cfg=3", pool_options(1), factory.make());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a->stats().instances, 1u);  // the second call's options were ignored
  EXPECT_EQ(registry.find("local://p1?sha=1&cfg=2"), a);
  EXPECT_EQ(registry.find("nope"), nullptr);
  EXPECT_EQ(registry.size(), 2u);
}

TEST(PoolRegistry, ReplaceSendsNewAcquiresToTheNewPoolWhileOldLeasesFinish) {
  PoolRegistry registry;
  FakeFactory old_factory;
  FakeFactory new_factory;
  auto old_pool = registry.get_or_create("k", pool_options(2), old_factory.make());
  auto in_flight = old_pool->acquire(far_future());
  auto spare = old_pool->acquire(far_future());
  ASSERT_TRUE(in_flight.ok() && spare.ok());
  spare->release();  // one idle, one busy on the old pool

  auto new_pool = registry.replace("k", pool_options(2), new_factory.make());
  EXPECT_NE(new_pool, old_pool);
  EXPECT_EQ(registry.find("k"), new_pool);
  EXPECT_TRUE(old_pool->retired());
  EXPECT_EQ(old_factory.counters->alive, 1);  // the idle VM went at once
  EXPECT_EQ(registry.retired_count(), 1u);

  auto fresh = registry.find("k")->acquire(far_future());
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(new_factory.counters->created, 1);

  fake(*in_flight).call();  // the in-flight call still works on the old VM
  in_flight->release();
  EXPECT_EQ(old_factory.counters->alive, 0);  // destroyed on return, not pooled
  EXPECT_EQ(old_pool->stats().killed(KillReason::Retired), 2u);
  EXPECT_EQ(old_pool->stats().calls, 1u);

  registry.clean(std::chrono::steady_clock::now());
  EXPECT_EQ(registry.retired_count(), 0u);  // empty retired pool forgotten
}

TEST(PoolRegistry, RetireRemovesTheKeyAndDrainsThePool) {
  PoolRegistry registry;
  FakeFactory factory;
  auto pool = registry.get_or_create("k", pool_options(1), factory.make());
  auto lease = pool->acquire(far_future());
  ASSERT_TRUE(lease.ok());
  EXPECT_TRUE(registry.retire("k"));
  EXPECT_FALSE(registry.retire("k"));
  EXPECT_EQ(registry.find("k"), nullptr);
  registry.clean(std::chrono::steady_clock::now());
  EXPECT_EQ(registry.retired_count(), 1u);  // a lease is still out
  lease->release();
  EXPECT_EQ(factory.counters->alive, 0);
  registry.clean(std::chrono::steady_clock::now());
  EXPECT_EQ(registry.retired_count(), 0u);
}

TEST(PoolRegistry, RetiredPoolStillServesAnAcquirerThatHadFoundIt) {
  PoolRegistry registry;
  FakeFactory factory;
  auto pool = registry.get_or_create("k", pool_options(1), factory.make());
  registry.retire("k");
  auto late = pool->acquire(far_future());
  ASSERT_TRUE(late.ok());
  late->release();
  EXPECT_EQ(factory.counters->alive, 0);
  EXPECT_TRUE(pool->empty());
}

TEST(PoolRegistry, RetiredPoolHandsAReturnedVmToItsQueuedWaiter) {
  PoolRegistry registry;
  FakeFactory factory;
  auto pool = registry.get_or_create("k", pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  std::optional<Result<VmLease>> served;
  pool->acquire_async(far_future(), [&](Result<VmLease> r) { served.emplace(std::move(r)); });
  registry.retire("k");
  held->release();
  ASSERT_TRUE(served.has_value());
  ASSERT_TRUE(served->ok());
  EXPECT_EQ(factory.counters->created, 1);  // the same VM, not a new one
  served.reset();
  EXPECT_EQ(factory.counters->alive, 0);
}

TEST(PoolRegistry, CleanAppliesKillOptionsToEveryPool) {
  PoolRegistry registry;
  FakeFactory factory;
  FakeClock clock;
  model::WasmKillOptions kill;
  kill.max_unused_duration_ms = 1000;
  PoolOptions options = pool_options(1, kill);
  options.clock = clock.clock();
  auto a = registry.get_or_create("a", options, factory.make());
  auto b = registry.get_or_create("b", options, factory.make());
  { auto lease = a->acquire(far_future()); }
  { auto lease = b->acquire(far_future()); }
  clock.advance(2s);
  registry.clean(clock.now());
  EXPECT_EQ(factory.counters->alive, 0);
  EXPECT_EQ(a->stats().killed(KillReason::Unused), 1u);
  EXPECT_EQ(b->stats().killed(KillReason::Unused), 1u);
  EXPECT_EQ(registry.size(), 2u);  // still held by this test: kept
}

TEST(PoolRegistry, CleanForgetsEmptyPoolsNobodyHolds) {
  PoolRegistry registry;
  FakeFactory factory;
  {
    auto pool = registry.get_or_create("idle-and-empty", pool_options(1), factory.make());
    auto with_vm = registry.get_or_create("has-a-vm", pool_options(1), factory.make());
    auto lease = with_vm->acquire(far_future());
  }
  registry.clean(std::chrono::steady_clock::now());
  EXPECT_EQ(registry.find("idle-and-empty"), nullptr);
  EXPECT_NE(registry.find("has-a-vm"), nullptr);
}

TEST(PoolRegistry, StatsListRegisteredThenRetiredPools) {
  PoolRegistry registry;
  FakeFactory factory;
  auto old_pool = registry.get_or_create("k", pool_options(1), factory.make());
  auto lease = old_pool->acquire(far_future());
  ASSERT_TRUE(lease.ok());
  registry.replace("k", pool_options(3), factory.make());
  const auto all = registry.stats();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "k");
  EXPECT_FALSE(all[0].stats.retired);
  EXPECT_EQ(all[0].stats.instances, 3u);
  EXPECT_TRUE(all[1].stats.retired);
  EXPECT_EQ(all[1].stats.busy, 1u);
}

TEST(PoolRegistry, LeaseOutlivesTheRegistryAndItsPool) {
  FakeFactory factory;
  VmLease lease;
  {
    PoolRegistry registry;
    auto result = registry.get_or_create("k", pool_options(1), factory.make())->acquire(far_future());
    ASSERT_TRUE(result.ok());
    lease = std::move(*result);
  }  // registry gone: its pools were retired; only the lease holds this one
  ASSERT_TRUE(lease);
  fake(lease).call();
  lease.release();
  EXPECT_EQ(factory.counters->alive, 0);
}

TEST(PoolRegistry, LeaseOutlivesAnUnregisteredPool) {
  FakeFactory factory;
  VmLease lease;
  {
    auto pool = VmPool::create(pool_options(1), factory.make());
    auto result = pool->acquire(far_future());
    ASSERT_TRUE(result.ok());
    lease = std::move(*result);
  }
  fake(lease).call();
  lease.release();  // back to the pool, which then goes with its idle VM
  EXPECT_EQ(factory.counters->alive, 0);
}

TEST(PoolRegistry, ConcurrentReplaceWhileHammering) {
  PoolRegistry registry;
  FakeFactory factory;
  registry.get_or_create("k", pool_options(2), factory.make());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> users;
  for (int t = 0; t < 4; ++t) {
    users.emplace_back([&] {
      while (!stop) {
        // get_or_create: the cleaner may forget the fresh pool while it is still empty and unheld.
        auto pool = registry.get_or_create("k", pool_options(2), factory.make());
        auto lease = pool->acquire(far_future());
        if (!lease.ok()) {
          ++failures;
          continue;
        }
        fake(*lease).call();
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    registry.replace("k", pool_options(2), factory.make());
    registry.clean(std::chrono::steady_clock::now());
  }
  stop = true;
  for (auto& user : users) user.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(factory.counters->overlapping_calls, 0);
  registry.clean(std::chrono::steady_clock::now());
  EXPECT_EQ(registry.retired_count(), 0u);
  EXPECT_LE(factory.counters->alive, 2);  // only the live pool's VMs remain
}

}  // namespace
}  // namespace wasmgate::wasm::testing
