// VmPool::acquire_async: immediate grants, queued grants on release, expiry through the ticket and clean().
#include <gtest/gtest.h>

#include <optional>
#include <thread>
#include <vector>

#include "pool_test_support.h"

namespace wasmgate::wasm::testing {
namespace {

// Collects what the callback received.
struct Outcome {
  std::optional<Result<VmLease>> result;
  std::thread::id thread;
  AcquireCallback callback() {
    return [this](Result<VmLease> r) {
      thread = std::this_thread::get_id();
      result.emplace(std::move(r));
    };
  }
};

TEST(PoolAsync, FreePoolRunsTheCallbackBeforeReturning) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  Outcome outcome;
  EXPECT_EQ(pool->acquire_async(far_future(), outcome.callback()), kNoWait);
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_TRUE(outcome.result->ok());
  EXPECT_EQ(pool->stats().busy, 1u);
}

TEST(PoolAsync, QueuedAcquireIsGrantedOnTheReleasingThread) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  const int held_serial = fake(*held).serial();
  Outcome outcome;
  const WaitTicket ticket = pool->acquire_async(far_future(), outcome.callback());
  EXPECT_NE(ticket, kNoWait);
  EXPECT_FALSE(outcome.result.has_value());
  EXPECT_EQ(pool->stats().waiting, 1u);

  std::thread releaser([&] { held->release(); });
  const auto releaser_id = releaser.get_id();
  releaser.join();
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_TRUE(outcome.result->ok());
  EXPECT_EQ(fake(**outcome.result).serial(), held_serial);
  EXPECT_EQ(outcome.thread, releaser_id);
  EXPECT_FALSE(pool->expire_wait(ticket));  // already served
}

TEST(PoolAsync, QueuedAcquiresAreServedInOrder) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  std::vector<int> order;
  for (int i = 0; i < 3; ++i) {
    // Each callback uses its lease and lets it go at once, which serves the next one.
    pool->acquire_async(far_future(), [&order, i](Result<VmLease> lease) {
      ASSERT_TRUE(lease.ok());
      order.push_back(i);
    });
  }
  EXPECT_TRUE(order.empty());
  held->release();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(pool->stats().waiting, 0u);
  EXPECT_EQ(pool->stats().idle, 1u);
}

TEST(PoolAsync, ExpireWaitFailsTheCallbackWithTheBusyError) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  Outcome outcome;
  const WaitTicket ticket = pool->acquire_async(far_future(), outcome.callback());
  EXPECT_TRUE(pool->expire_wait(ticket));
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_FALSE(outcome.result->ok());
  EXPECT_EQ(outcome.result->error().code, Errc::PluginTimeout);
  EXPECT_NE(outcome.result->error().message.find("plugin p1: all 1 VMs busy"), std::string::npos);
  EXPECT_FALSE(pool->expire_wait(ticket));
  EXPECT_EQ(pool->stats().waiting, 0u);
  EXPECT_EQ(pool->stats().wait_timeouts, 1u);
  held->release();
  EXPECT_EQ(pool->stats().idle, 1u);  // nobody is owed the VM any more
}

TEST(PoolAsync, PassedDeadlineOnAFullPoolFailsAtOnce) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  Outcome outcome;
  EXPECT_EQ(pool->acquire_async(already_passed(), outcome.callback()), kNoWait);
  ASSERT_TRUE(outcome.result.has_value());
  EXPECT_EQ(outcome.result->error().code, Errc::PluginTimeout);
}

TEST(PoolAsync, CleanExpiresOverdueWaiters) {
  FakeFactory factory;
  FakeClock clock;
  PoolOptions options = pool_options(1);
  options.clock = clock.clock();
  auto pool = VmPool::create(options, factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  Outcome soon;
  Outcome later;
  pool->acquire_async(clock.now() + 100ms, soon.callback());
  pool->acquire_async(clock.now() + 1h, later.callback());
  clock.advance(150ms);
  pool->clean(clock.now());
  ASSERT_TRUE(soon.result.has_value());
  EXPECT_EQ(soon.result->error().code, Errc::PluginTimeout);
  EXPECT_NE(soon.result->error().message.find("busy for 150 ms"), std::string::npos)
      << soon.result->error().message;
  EXPECT_FALSE(later.result.has_value());
  held->release();
  ASSERT_TRUE(later.result.has_value());
  EXPECT_TRUE(later.result->ok());
}

TEST(PoolAsync, OverdueWaiterIsSkippedWhenAVmIsReleased) {
  FakeFactory factory;
  FakeClock clock;
  PoolOptions options = pool_options(1);
  options.clock = clock.clock();
  auto pool = VmPool::create(options, factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  Outcome overdue;
  Outcome patient;
  pool->acquire_async(clock.now() + 10ms, overdue.callback());
  pool->acquire_async(clock.now() + 1h, patient.callback());
  clock.advance(20ms);
  held->release();
  ASSERT_TRUE(overdue.result.has_value());
  EXPECT_FALSE(overdue.result->ok());
  ASSERT_TRUE(patient.result.has_value());
  EXPECT_TRUE(patient.result->ok());
}

TEST(PoolAsync, ReleaseOfAFailedVmCreatesTheWaitersVmOnTheReleasingThread) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  Outcome outcome;
  pool->acquire_async(far_future(), outcome.callback());
  fake(*held).fail();
  held->release();
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_TRUE(outcome.result->ok());
  EXPECT_EQ(fake(**outcome.result).serial(), 2);
  EXPECT_EQ(factory.counters->max_alive, 1);
}

TEST(PoolAsync, CreationFailureReachesTheAsyncWaiterAndTheNextOneRetries) {
  FakeFactory factory;
  auto pool = VmPool::create(pool_options(1), factory.make());
  auto held = pool->acquire(far_future());
  ASSERT_TRUE(held.ok());
  Outcome first;
  Outcome second;
  pool->acquire_async(far_future(), first.callback());
  pool->acquire_async(far_future(), second.callback());
  *factory.fail_next = 1;
  held->discard();
  held->release();
  ASSERT_TRUE(first.result.has_value());
  EXPECT_EQ(first.result->error().code, Errc::PluginLoad);
  ASSERT_TRUE(second.result.has_value());
  EXPECT_TRUE(second.result->ok());
  EXPECT_EQ(pool->stats().creation_failures, 1u);
  EXPECT_EQ(pool->stats().alive, 1u);
}

TEST(PoolAsync, WaiterIsServedAfterEveryOtherReferenceToThePoolIsGone) {
  FakeFactory factory;
  Outcome outcome;
  VmLease held;
  {
    auto pool = VmPool::create(pool_options(1), factory.make());
    auto lease = pool->acquire(far_future());
    ASSERT_TRUE(lease.ok());
    held = std::move(*lease);
    pool->acquire_async(far_future(), outcome.callback());
  }  // only the lease keeps the pool alive now
  held.release();
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_TRUE(outcome.result->ok());
  outcome.result.reset();  // last reference: the pool and its VM go
  EXPECT_EQ(factory.counters->alive, 0);
}

}  // namespace
}  // namespace wasmgate::wasm::testing
