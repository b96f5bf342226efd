// VmPool::clean: each kill option on idle VMs (destroyed at once) and busy ones (destroyed at release).
#include <gtest/gtest.h>

#include "pool_test_support.h"

namespace wasmgate::wasm::testing {
namespace {

class PoolKill : public ::testing::Test {
 protected:
  std::shared_ptr<VmPool> make_pool(model::WasmKillOptions kill, int instances = 1) {
    PoolOptions options = pool_options(instances, kill);  // memoryPages 10 = 655 360 bytes
    options.clock = clock.clock();
    return VmPool::create(options, factory.make());
  }
  // Leases one VM, lets `use` act on it, returns it to the pool.
  template <typename Use>
  void use_once(VmPool& pool, Use use) {
    auto lease = pool.acquire(far_future());
    ASSERT_TRUE(lease.ok());
    use(fake(*lease));
  }

  FakeFactory factory;
  FakeClock clock;
};

model::WasmKillOptions no_unused_limit() {
  model::WasmKillOptions kill;
  kill.max_unused_duration_ms = 0;
  return kill;
}

TEST_F(PoolKill, IdleVmUnusedForTooLongIsDestroyedByTheCleaner) {
  model::WasmKillOptions kill;
  kill.max_unused_duration_ms = 60000;
  auto pool = make_pool(kill);
  use_once(*pool, [](FakeVm& vm) { vm.call(); });
  clock.advance(60s);
  pool->clean(clock.now());
  EXPECT_EQ(pool->stats().idle, 1u);  // not more than the limit yet
  clock.advance(1ms);
  pool->clean(clock.now());
  EXPECT_EQ(factory.counters->alive, 0);
  EXPECT_EQ(pool->stats().alive, 0u);
  EXPECT_EQ(pool->stats().killed(KillReason::Unused), 1u);
  EXPECT_TRUE(pool->empty());
}

TEST_F(PoolKill, IdleTimeCountsFromTheLastReturnNotFromCreation) {
  model::WasmKillOptions kill;
  kill.max_unused_duration_ms = 1000;
  auto pool = make_pool(kill);
  use_once(*pool, [](FakeVm& vm) { vm.call(); });
  clock.advance(900ms);
  use_once(*pool, [](FakeVm& vm) { vm.call(); });
  clock.advance(900ms);
  pool->clean(clock.now());
  EXPECT_EQ(pool->stats().idle, 1u);
}

TEST_F(PoolKill, BusyVmIsNeverKilledForBeingUnused) {
  model::WasmKillOptions kill;
  kill.max_unused_duration_ms = 1000;
  auto pool = make_pool(kill);
  {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    clock.advance(1h);
    pool->clean(clock.now());
  }
  EXPECT_EQ(pool->stats().idle, 1u);
  EXPECT_EQ(pool->stats().killed(KillReason::Unused), 0u);
}

TEST_F(PoolKill, IdleVmOverMemoryUsageIsDestroyed) {
  model::WasmKillOptions kill = no_unused_limit();
  kill.max_memory_usage = 0.5;  // 327 680 bytes
  auto pool = make_pool(kill);
  use_once(*pool, [](FakeVm& vm) { vm.set_memory_bytes(400000); });
  pool->clean(clock.now());
  EXPECT_EQ(factory.counters->alive, 0);
  EXPECT_EQ(pool->stats().killed(KillReason::Memory), 1u);
}

TEST_F(PoolKill, MemoryIsReadOnlyWhenAMemoryLimitIsSet) {
  auto unlimited = make_pool(no_unused_limit());
  int reads = -1;
  use_once(*unlimited, [](FakeVm& vm) { vm.call(); });
  use_once(*unlimited, [&](FakeVm& vm) { reads = vm.memory_reads(); });
  EXPECT_EQ(reads, 0);  // neither at creation nor at the first release

  model::WasmKillOptions kill = no_unused_limit();
  kill.max_memory_usage = 0.5;
  auto limited = make_pool(kill);
  use_once(*limited, [](FakeVm& vm) { vm.call(); });
  use_once(*limited, [&](FakeVm& vm) { reads = vm.memory_reads(); });
  EXPECT_EQ(reads, 2);  // at creation and at the first release

  kill.immortal = true;  // the cleaner kills nothing: no reason to read it either
  auto immortal = make_pool(kill);
  use_once(*immortal, [](FakeVm& vm) { vm.call(); });
  use_once(*immortal, [&](FakeVm& vm) { reads = vm.memory_reads(); });
  EXPECT_EQ(reads, 0);
}

TEST_F(PoolKill, BusyVmOverMemoryUsageIsDestroyedAtReleaseNotBefore) {
  model::WasmKillOptions kill = no_unused_limit();
  kill.max_memory_usage = 0.5;
  auto pool = make_pool(kill);
  use_once(*pool, [](FakeVm& vm) { vm.set_memory_bytes(400000); });  // snapshot taken at this return
  auto lease = pool->acquire(far_future());
  ASSERT_TRUE(lease.ok());
  pool->clean(clock.now());
  EXPECT_EQ(factory.counters->alive, 1);  // still in use by the lease
  fake(*lease).call();
  lease->release();
  EXPECT_EQ(factory.counters->alive, 0);
  EXPECT_EQ(pool->stats().killed(KillReason::Memory), 1u);
  EXPECT_EQ(pool->stats().idle, 0u);
}

TEST_F(PoolKill, IdleVmWithSlowCallsOnAverageIsDestroyed) {
  model::WasmKillOptions kill = no_unused_limit();
  kill.max_avg_call_duration_ms = 10;
  auto pool = make_pool(kill);
  use_once(*pool, [](FakeVm& vm) {
    vm.call(5ms);
    vm.call(25ms);  // mean 15 ms
  });
  pool->clean(clock.now());
  EXPECT_EQ(factory.counters->alive, 0);
  EXPECT_EQ(pool->stats().killed(KillReason::AvgDuration), 1u);
}

TEST_F(PoolKill, BusyVmWithSlowCallsOnAverageIsDestroyedAtRelease) {
  model::WasmKillOptions kill = no_unused_limit();
  kill.max_avg_call_duration_ms = 10;
  auto pool = make_pool(kill);
  use_once(*pool, [](FakeVm& vm) { vm.call(50ms); });
  {
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    pool->clean(clock.now());
    EXPECT_EQ(pool->stats().busy, 1u);
  }
  EXPECT_EQ(factory.counters->alive, 0);
  EXPECT_EQ(pool->stats().killed(KillReason::AvgDuration), 1u);
}

TEST_F(PoolKill, FastVmIsKept) {
  model::WasmKillOptions kill = no_unused_limit();
  kill.max_avg_call_duration_ms = 10;
  kill.max_memory_usage = 0.5;
  auto pool = make_pool(kill);
  use_once(*pool, [](FakeVm& vm) {
    vm.call(2ms);
    vm.set_memory_bytes(65536);
  });
  clock.advance(24h);
  pool->clean(clock.now());
  EXPECT_EQ(pool->stats().idle, 1u);
}

TEST_F(PoolKill, ImmortalPoolKeepsIdleAndBusyVms) {
  model::WasmKillOptions kill;
  kill.immortal = true;
  kill.max_unused_duration_ms = 1;
  kill.max_memory_usage = 0.1;
  kill.max_avg_call_duration_ms = 1;
  auto pool = make_pool(kill, 2);
  use_once(*pool, [](FakeVm& vm) {
    vm.call(1s);
    vm.set_memory_bytes(600000);
  });
  auto busy = pool->acquire(far_future());
  auto other = pool->acquire(far_future());
  ASSERT_TRUE(busy.ok());
  ASSERT_TRUE(other.ok());
  other->release();
  clock.advance(1h);
  pool->clean(clock.now());
  busy->release();
  EXPECT_EQ(pool->stats().idle, 2u);
  EXPECT_EQ(factory.counters->alive, 2);
  const KillCounts none{};
  EXPECT_EQ(pool->stats().kills, none);
}

TEST_F(PoolKill, MarkedBusyVmIsNotHandedToAWaiter) {
  model::WasmKillOptions kill = no_unused_limit();
  kill.max_memory_usage = 0.5;
  auto pool = make_pool(kill);
  use_once(*pool, [](FakeVm& vm) { vm.set_memory_bytes(400000); });
  auto lease = pool->acquire(far_future());
  ASSERT_TRUE(lease.ok());
  pool->clean(clock.now());
  std::optional<Result<VmLease>> served;
  pool->acquire_async(far_future(), [&](Result<VmLease> r) { served.emplace(std::move(r)); });
  lease->release();
  ASSERT_TRUE(served.has_value());
  ASSERT_TRUE(served->ok());
  EXPECT_EQ(fake(**served).serial(), 2);  // a fresh VM, created for the waiter
}

TEST_F(PoolKill, CleanerFreesCapacityForLaterAcquires) {
  model::WasmKillOptions kill;
  kill.max_unused_duration_ms = 1000;
  auto pool = make_pool(kill, 2);
  {
    auto a = pool->acquire(far_future());
    auto b = pool->acquire(far_future());
    ASSERT_TRUE(a.ok() && b.ok());
  }
  clock.advance(2s);
  pool->clean(clock.now());
  EXPECT_EQ(pool->stats().killed(KillReason::Unused), 2u);
  auto c = pool->acquire(already_passed());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(fake(*c).serial(), 3);
}

}  // namespace
}  // namespace wasmgate::wasm::testing
