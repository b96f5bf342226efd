// Deadlines and termination: a runaway guest is stopped, reported, and the same store and instance serve the
// next call.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using namespace std::chrono_literals;
using testing::compile_fixture;
using testing::instantiate;
using testing::shared_engine;

class EngineDeadline : public ::testing::Test {
 protected:
  StorePtr store_ = shared_engine().new_store();
};

TEST_F(EngineDeadline, EndlessLoopTimesOutThenTheNextCallSucceeds) {
  auto instance = instantiate(*store_, compile_fixture("loop"));
  auto result = instance->call("spin", {}, deadline_after(50ms));
  EXPECT_EQ(result.outcome(), Outcome::Timeout);
  EXPECT_EQ(result.failure().to_error().code, Errc::PluginTimeout);
  auto next = instance->call("answer", {}, deadline_after(5s));
  ASSERT_TRUE(next.ok()) << next.message();
  EXPECT_EQ(next->at(0), Value::i32(42));
}

TEST_F(EngineDeadline, FastPathTimesOutToo) {
  auto instance = instantiate(*store_, compile_fixture("loop"));
  auto spin = instance->func("spin_i32");
  auto spin_void = instance->func("spin");
  EXPECT_EQ(instance->call_i32(*spin, deadline_after(20ms)).outcome(), Outcome::Timeout);
  EXPECT_EQ(instance->call_void(*spin_void, deadline_after(20ms)).outcome(), Outcome::Timeout);
  EXPECT_EQ(*instance->call_i32(*instance->func("answer")), 42);
}

TEST_F(EngineDeadline, RepeatedTimeoutsLeaveNoTerminationPending) {
  auto instance = instantiate(*store_, compile_fixture("loop"));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(instance->call("spin", {}, deadline_after(5ms)).outcome(), Outcome::Timeout);
    EXPECT_TRUE(instance->call("answer", {}).ok());
  }
}

TEST_F(EngineDeadline, DeadlineInThePastFailsWithoutRunning) {
  auto instance = instantiate(*store_, compile_fixture("loop"));
  auto result = instance->call("answer", {}, Clock::now() - 1ms);
  EXPECT_EQ(result.outcome(), Outcome::Timeout);
  EXPECT_EQ(store_->stats().calls, 0u);
}

TEST_F(EngineDeadline, TerminateFromAnotherThreadStopsTheRunningCall) {
  auto instance = instantiate(*store_, compile_fixture("loop"));
  std::atomic<bool> stopped{false};
  std::thread killer([&] {
    while (!stopped.load()) {
      if (store_->terminate()) return;
      std::this_thread::sleep_for(1ms);
    }
  });
  auto result = instance->call("spin", {});
  stopped = true;
  killer.join();
  EXPECT_EQ(result.outcome(), Outcome::Terminated);
  EXPECT_EQ(instance->call("answer", {})->at(0), Value::i32(42));
}

TEST_F(EngineDeadline, TerminateWithNoCallRunningIsANoOp) {
  auto instance = instantiate(*store_, compile_fixture("loop"));
  EXPECT_FALSE(store_->terminate());
  EXPECT_TRUE(instance->call("answer", {}).ok());
}

TEST_F(EngineDeadline, DeadlineReachesTheGuestAfterASlowHostFunctionReturns) {
  Imports imports = testing::host_add_imports();
  imports.add(
      "env", "host_add", testing::host_i32x2("env.host_add", [](HostCall& call) {
        std::this_thread::sleep_until(call.deadline() + 5ms);  // a host call that ignores the deadline
        call.results()[0] = Value::i32(1);
        return Result<void>();
      }));
  auto instance = instantiate(*store_, compile_fixture("host_add"), imports);
  const Value many[] = {Value::i32(1000000)};
  auto result = instance->call("call_host_n", many, deadline_after(20ms));
  EXPECT_EQ(result.outcome(), Outcome::Timeout);
  EXPECT_EQ(instance->call("execute", {})->at(0), Value::i32(7));
}

TEST_F(EngineDeadline, NestedCallFromAHostFunctionSharesTheOuterDeadline) {
  auto loop = instantiate(*store_, compile_fixture("loop"));
  Outcome nested_outcome = Outcome::Ok;
  Imports imports = testing::host_add_imports();
  imports.add("env", "host_add", testing::host_i32x2("env.host_add", [&](HostCall& call) -> Result<void> {
                auto nested = loop->call("spin", {});  // no deadline of its own: the outer one applies
                nested_outcome = nested.outcome();
                if (!nested) return make_error(Errc::PluginTimeout, nested.message());
                call.results()[0] = Value::i32(0);
                return {};
              }));
  auto outer = instantiate(*store_, compile_fixture("host_add"), imports);
  const Value args[] = {Value::i32(1)};
  auto result = outer->call("run", args, deadline_after(30ms));
  EXPECT_EQ(nested_outcome, Outcome::Timeout);
  EXPECT_EQ(result.outcome(), Outcome::Timeout);
  EXPECT_EQ(loop->call("answer", {})->at(0), Value::i32(42));
  EXPECT_EQ(outer->call("execute", {})->at(0), Value::i32(7));
}

TEST_F(EngineDeadline, HostFunctionMayCallBackIntoTheGuest) {
  InstancePtr kernel = instantiate(*store_, compile_fixture("kernel"));
  Imports imports = testing::host_add_imports();
  imports.add("env", "host_add", testing::host_i32x2("env.host_add", [&](HostCall& call) -> Result<void> {
                const Value size[] = {Value::i64(16)};
                auto ptr = kernel->call("alloc", size);  // like Extism's config_get allocating in the kernel
                if (!ptr) return make_error(Errc::Internal, ptr.message());
                call.results()[0] = Value::i32(static_cast<std::int32_t>(ptr->at(0).as_i64()));
                return {};
              }));
  auto guest = instantiate(*store_, compile_fixture("host_add"), imports);
  const Value args[] = {Value::i32(0)};
  EXPECT_EQ(guest->call("run", args, deadline_after(5s))->at(0), Value::i32(16));  // 2 * first pointer (8)
}

}  // namespace
}  // namespace wasmgate::engine
