// VmPool basics on one thread: lazy creation, reuse, the cap, the bounded wait, recycling at release.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "pool_test_support.h"

namespace wasmgate::wasm::testing {
namespace {

TEST(PoolAcquire, CreatesNoVmUntilTheFirstAcquire) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(2), factory.make());
  EXPECT_EQ(factory.counters->created, 0);
  EXPECT_EQ(pool->stats().alive, 0u);
  EXPECT_TRUE(pool->empty());
}

TEST(PoolAcquire, ReusesAReturnedVm) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(2), factory.make());
  int first_serial = 0;
  {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    first_serial = fake(*lease).serial();
    fake(*lease).call();
  }
  auto again = pool->acquire(far_future());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(fake(*again).serial(), first_serial);
  EXPECT_EQ(factory.counters->created, 1);
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.leases, 2u);
  EXPECT_EQ(stats.calls, 1u);
  EXPECT_EQ(stats.creations, 1u);
  EXPECT_EQ(stats.busy, 1u);
}

// Using a VM whose engine lock another thread keeps waits for that thread: the pool hands out the VMs this
// thread holds first, then free ones, the others last; within each group the most recent first.
TEST(PoolAcquire, PrefersVmsThisThreadHoldsThenFreeOnes) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(4), factory.make());
  {
    auto one = pool->acquire(far_future());
    auto two = pool->acquire(far_future());
    auto three = pool->acquire(far_future());
    auto four = pool->acquire(far_future());
    ASSERT_TRUE(one.ok() && two.ok() && three.ok() && four.ok());
    fake(*one).set_holder(engine::StoreHolder::OtherThread);
    fake(*four).set_holder(engine::StoreHolder::ThisThread);
  }  // returned in reverse order of declaration: four, three, two, then one, the most recent
  std::vector<int> order;
  std::vector<VmLease> held;
  for (int i = 0; i < 4; ++i) {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    order.push_back(fake(*lease).serial());
    held.push_back(std::move(*lease));
  }
  EXPECT_EQ(order, (std::vector<int>{4, 2, 3, 1}));  // without the preference: 1, 2, 3, 4
  EXPECT_TRUE(fake(held[3]).stopped_keeping());      // at the cap, handed out though another thread held it
  EXPECT_FALSE(fake(held[0]).stopped_keeping());
}

TEST(PoolAcquire, AVmHeldElsewhereIsStillHandedOutWhenNoOtherIsFree) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    fake(*lease).set_holder(engine::StoreHolder::OtherThread);
  }
  auto again = pool->acquire(far_future());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(fake(*again).serial(), 1);
  EXPECT_TRUE(fake(*again).stopped_keeping());
  EXPECT_EQ(factory.counters->created, 1);
}

// Below the cap, a caller whose only idle choices are VMs another thread holds makes its own instead of
// waiting for that thread (and does not mark them contended: that is a start-up race, not a pool too small).
TEST(PoolAcquire, BelowTheCapAVmHeldElsewhereIsLeftForItsHolder) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(2), factory.make());
  {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    fake(*lease).set_holder(engine::StoreHolder::OtherThread);
  }
  auto mine = pool->acquire(far_future());
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(fake(*mine).serial(), 2);
  auto held = pool->acquire(far_future());  // now at the cap: the held one after all
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(fake(*held).serial(), 1);
  EXPECT_TRUE(fake(*held).stopped_keeping());
}

// A queued waiter's VM is chosen on the thread releasing one, which may keep its engine lock: it lets go at
// once, so the waiter does not wait for that keep to end; keeping stays allowed (no contention verdict).
TEST(PoolAcquire, AVmGoingToAWaiterIsLetGoOfByItsReleaser) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  std::optional<Result<VmLease>> granted;
  ASSERT_NE(pool->acquire_async(far_future(), [&](Result<VmLease> r) { granted.emplace(std::move(r)); }),
            kNoWait);
  fake(*held).set_holder(engine::StoreHolder::ThisThread);
  held->release();
  ASSERT_TRUE(granted.has_value() && granted->ok());
  EXPECT_EQ(fake(**granted).releases_of_kept_lock(), 1);
  EXPECT_FALSE(fake(**granted).stopped_keeping());
}

TEST(PoolAcquire, CreatesUpToInstancesVmsForConcurrentLeases) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(2), factory.make());
  auto a = pool->acquire(far_future());
  auto b = pool->acquire(far_future());
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(fake(*a).serial(), fake(*b).serial());
  EXPECT_EQ(pool->stats().alive, 2u);
  EXPECT_EQ(pool->stats().busy, 2u);
}

TEST(PoolAcquire, FullPoolWithPassedDeadlineFailsAtOnceNamingThePlugin) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  auto second = pool->acquire(already_passed());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::PluginTimeout);
  EXPECT_EQ(second.error().message.rfind("plugin p1: all 1 VMs busy for 0 ms", 0), 0u)
      << second.error().message;
  EXPECT_EQ(pool->stats().wait_timeouts, 1u);
  EXPECT_EQ(pool->stats().waiting, 0u);
}

TEST(PoolAcquire, BoundedWaitEndsWithTheBusyErrorAndLeavesTheQueue) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  auto waited = pool->acquire(std::chrono::steady_clock::now() + 20ms);
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, Errc::PluginTimeout);
  EXPECT_NE(waited.error().message.find("all 1 VMs busy for"), std::string::npos);
  EXPECT_EQ(pool->stats().waiting, 0u);
  held->release();
  EXPECT_TRUE(pool->acquire(already_passed()).ok());
}

TEST(PoolAcquire, AFreeVmIsHandedOutEvenWhenTheDeadlineHasPassed) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  EXPECT_TRUE(pool->acquire(already_passed()).ok());
}

TEST(PoolAcquire, FailedVmIsDiscardedAndReplacedLazily) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    fake(*lease).call();
    fake(*lease).fail();
  }
  EXPECT_EQ(factory.counters->alive, 0);  // destroyed at release, not at the next acquire
  EXPECT_EQ(pool->stats().alive, 0u);
  EXPECT_EQ(pool->stats().killed(KillReason::Failed), 1u);
  EXPECT_EQ(pool->stats().errors, 1u);
  auto next = pool->acquire(far_future());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(fake(*next).serial(), 2);
  EXPECT_FALSE((*next)->failed());
}

TEST(PoolAcquire, DiscardedLeaseDestroysAHealthyVm) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    lease->discard();
  }
  EXPECT_EQ(factory.counters->alive, 0);
  EXPECT_EQ(pool->stats().killed(KillReason::Failed), 1u);
  EXPECT_EQ(pool->stats().errors, 1u);
}

TEST(PoolAcquire, MaxCallsRecyclesTheVmAtRelease) {
  FakeFactory factory;
  model::WasmKillOptions kill;
  kill.max_calls = 2;
  auto pool = VmPool::create(pool_options(1, kill), factory.make());
  std::vector<int> serials;
  for (int i = 0; i < 4; ++i) {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    serials.push_back(fake(*lease).serial());
    fake(*lease).call();
  }
  EXPECT_EQ(serials, (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(pool->stats().killed(KillReason::MaxCalls), 2u);
  EXPECT_EQ(pool->stats().calls, 4u);
  EXPECT_EQ(factory.counters->alive, 0);
}

TEST(PoolAcquire, CreationFailureIsTheAcquireErrorAndFreesTheSlot) {
  FakeFactory factory;
  *factory.fail_next = 1;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto failed = pool->acquire(far_future());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::PluginLoad);
  EXPECT_EQ(failed.error().message, "plugin p1: cannot compile module: bad magic");
  EXPECT_EQ(pool->stats().creation_failures, 1u);
  EXPECT_EQ(pool->stats().alive, 0u);
  // The only slot is usable again, without waiting.
  auto next = pool->acquire(already_passed());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(pool->stats().creations, 1u);
}

TEST(PoolAcquire, FactoryReturningNoVmIsAnInternalError) {
  auto pool = VmPool::create(pool_options(1), [] { return Result<PooledVmPtr>(PooledVmPtr()); });
  auto lease = pool->acquire(far_future());
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.error().code, Errc::Internal);
  EXPECT_EQ(pool->stats().alive, 0u);
}

TEST(PoolAcquire, ThrowingFactoryDoesNotLeakTheSlot) {
  auto pool =
      VmPool::create(pool_options(1), []() -> Result<PooledVmPtr> { throw std::runtime_error("boom"); });
  auto lease = pool->acquire(far_future());
  ASSERT_FALSE(lease.ok());
  EXPECT_NE(lease.error().message.find("boom"), std::string::npos);
  EXPECT_EQ(pool->stats().alive, 0u);
}

TEST(PoolAcquire, MovedLeaseReturnsTheVmOnce) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    VmLease moved = std::move(*lease);
    EXPECT_FALSE(*lease);
    EXPECT_TRUE(moved);
    VmLease assigned;
    assigned = std::move(moved);
    EXPECT_EQ(pool->stats().busy, 1u);
  }
  EXPECT_EQ(pool->stats().busy, 0u);
  EXPECT_EQ(pool->stats().idle, 1u);
}

TEST(PoolAcquire, EarlyReleaseReturnsTheVmAndEmptiesTheLease) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto lease = pool->acquire(far_future());
  ASSERT_TRUE(lease.ok());
  lease->release();
  EXPECT_FALSE(*lease);
  EXPECT_EQ(pool->stats().idle, 1u);
  lease->release();  // no-op
  EXPECT_EQ(pool->stats().idle, 1u);
}

TEST(PoolAcquire, InstancesBelowOneCountAsOne) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(0), factory.make());
  auto a = pool->acquire(far_future());
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(pool->acquire(already_passed()).ok());
}

TEST(PoolAcquire, StatsJsonUsesSnakeCaseKillReasons) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(2), factory.make());
  { auto lease = pool->acquire(far_future()); }
  const auto json = pool_stats_json(pool->stats());
  EXPECT_EQ(json.at("instances").as_uint64(), 2u);
  EXPECT_EQ(json.at("idle").as_uint64(), 1u);
  EXPECT_EQ(json.at("kills").as_object().at("max_calls").as_uint64(), 0u);
  EXPECT_TRUE(json.at("kills").as_object().contains("avg_duration"));
}

TEST(PoolAcquire, OptionsForAConfigTakeInstancesPagesAndKillOptions) {
  model::WasmConfig config;
  config.instances = 4;
  config.memory_pages = 20;
  config.kill_options.max_calls = 7;
  const PoolOptions options = pool_options_for("wasm-plugin_x", config);
  EXPECT_EQ(options.plugin_id, "wasm-plugin_x");
  EXPECT_EQ(options.instances, 4);
  EXPECT_EQ(options.memory_pages, 20);
  EXPECT_EQ(options.kill_options.max_calls, 7);
}

}  // namespace
}  // namespace wasmgate::wasm::testing
