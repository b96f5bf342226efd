// Guests that fail: each failure is a defined outcome with the engine's message, and the process (and the
// store) survive it.
#include <gtest/gtest.h>

#include <stdexcept>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using testing::compile_fixture;
using testing::instantiate;
using testing::shared_engine;

class EngineFault : public ::testing::Test {
 protected:
  StorePtr store_ = shared_engine().new_store();
};

TEST_F(EngineFault, UnreachableIsATrapWithV8sMessage) {
  auto instance = instantiate(*store_, compile_fixture("trap"));
  auto result = instance->call("unreachable", {});
  EXPECT_EQ(result.outcome(), Outcome::Trap);
  EXPECT_EQ(result.message(), "RuntimeError: unreachable");
  EXPECT_EQ(result.failure().to_error().code, Errc::PluginTrap);
  EXPECT_EQ(instance->call("answer", {})->at(0), Value::i32(42));
}

TEST_F(EngineFault, DivisionByZeroIsATrap) {
  auto instance = instantiate(*store_, compile_fixture("trap"));
  const Value zero[] = {Value::i32(0)};
  auto result = instance->call("div0", zero);
  EXPECT_EQ(result.outcome(), Outcome::Trap);
  EXPECT_EQ(result.message(), "RuntimeError: divide by zero");
}

TEST_F(EngineFault, OutOfBoundsLoadIsATrap) {
  auto instance = instantiate(*store_, compile_fixture("oob"));
  auto far = instance->call("load_far", {});
  EXPECT_EQ(far.outcome(), Outcome::Trap);
  EXPECT_EQ(far.message(), "RuntimeError: memory access out of bounds");
  const Value edge[] = {Value::i32(65534)};  // a 4-byte load straddling the end of the only page
  EXPECT_EQ(instance->call("load_at", edge).outcome(), Outcome::Trap);
  const Value inside[] = {Value::i32(65532)};
  EXPECT_TRUE(instance->call("load_at", inside).ok());
}

TEST_F(EngineFault, DeepRecursionIsATrapAndTheStoreStaysUsable) {
  auto instance = instantiate(*store_, compile_fixture("recursion"));
  const Value zero[] = {Value::i32(0)};
  auto result = instance->call("recurse", zero);
  EXPECT_EQ(result.outcome(), Outcome::Trap);
  EXPECT_EQ(result.message(), "RangeError: Maximum call stack size exceeded");
  EXPECT_EQ(instance->call("answer", {})->at(0), Value::i32(42));
}

TEST_F(EngineFault, HostErrorBecomesATrapNamingTheFunction) {
  Imports imports = testing::host_add_imports();
  imports.add("env", "host_add", testing::host_i32x2("env.host_add", [](HostCall&) {
                return Result<void>(make_error(Errc::Forbidden, "host refuses 999"));
              }));
  auto instance = instantiate(*store_, compile_fixture("host_add"), imports);
  const Value args[] = {Value::i32(999)};
  auto result = instance->call("run", args);
  EXPECT_EQ(result.outcome(), Outcome::HostError);
  EXPECT_EQ(result.message(), "host function env.host_add failed: host refuses 999");
  EXPECT_EQ(instance->call("execute", {})->at(0), Value::i32(7));
}

TEST_F(EngineFault, HostExceptionBecomesATrapAndDoesNotUnwindThroughTheEngine) {
  Imports imports = testing::host_add_imports();
  imports.add("env", "host_add", testing::host_i32x2("env.host_add", [](HostCall&) -> Result<void> {
                throw std::invalid_argument("bad input from guest");
              }));
  auto instance = instantiate(*store_, compile_fixture("host_add"), imports);
  const Value args[] = {Value::i32(1)};
  auto result = instance->call("run", args);
  EXPECT_EQ(result.outcome(), Outcome::HostError);
  EXPECT_EQ(result.message(), "host function env.host_add failed: bad input from guest");

  imports.add("env", "host_add",
              testing::host_i32x2("env.host_add", [](HostCall&) -> Result<void> { throw 42; }));
  auto other = instantiate(*store_, compile_fixture("host_add"), imports);
  EXPECT_EQ(other->call("run", args).message(), "host function env.host_add failed: unknown C++ exception");
}

TEST_F(EngineFault, HostResultOfTheWrongTypeIsAHostError) {
  Imports imports = testing::host_add_imports();
  imports.add("env", "host_add", testing::host_i32x2("env.host_add", [](HostCall& call) {
                call.results()[0] = Value::i64(1);
                return Result<void>();
              }));
  auto instance = instantiate(*store_, compile_fixture("host_add"), imports);
  const Value args[] = {Value::i32(1)};
  auto result = instance->call("run", args);
  EXPECT_EQ(result.outcome(), Outcome::HostError);
  EXPECT_EQ(result.message(), "host function env.host_add failed: result 0 is a i64, expected i32");
}

TEST_F(EngineFault, MemoryBombStopsAtTheCapWrittenAtLoad) {
  auto instance = instantiate(*store_, compile_fixture("bomb", CompileOptions{16, ""}));
  auto pages = instance->call("grow_until_fail", {});
  ASSERT_TRUE(pages.ok()) << pages.message();
  EXPECT_EQ(pages->at(0), Value::i32(16));  // memory.grow returned -1 past the cap; the guest saw it
  const Value one[] = {Value::i32(1)};
  EXPECT_EQ(instance->call("grow", one)->at(0), Value::i32(-1));
  EXPECT_EQ(instance->memory()->size_bytes(), 16 * kWasmPageBytes);

  auto host_grow = instance->memory()->grow(1);
  EXPECT_EQ(host_grow.outcome(), Outcome::OutOfMemory);
  EXPECT_NE(host_grow.message().find("RangeError"), std::string::npos) << host_grow.message();
  EXPECT_EQ(store_->stats().memory_bytes, 16 * kWasmPageBytes);
}

TEST_F(EngineFault, FailedCallDoesNotPoisonTheNextOnAnotherInstance) {
  auto trap = instantiate(*store_, compile_fixture("trap"));
  auto loop = instantiate(*store_, compile_fixture("loop"));
  EXPECT_EQ(trap->call("unreachable", {}).outcome(), Outcome::Trap);
  EXPECT_EQ(loop->call("answer", {})->at(0), Value::i32(42));
}

}  // namespace
}  // namespace wasmgate::engine
