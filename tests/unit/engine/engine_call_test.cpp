#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using testing::compile_fixture;
using testing::instantiate;
using testing::shared_engine;

class EngineCall : public ::testing::Test {
 protected:
  StorePtr store_ = shared_engine().new_store();
};

TEST_F(EngineCall, HostImportIsCalledWithArgumentsAndItsResultUsed) {
  auto instance = instantiate(*store_, compile_fixture("host_add"), testing::host_add_imports());
  const Value args[] = {Value::i32(20)};
  auto result = instance->call("run", args);
  ASSERT_TRUE(result.ok()) << result.message();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0], Value::i32(240));  // 2 * (20 + 100)
}

TEST_F(EngineCall, HostFunctionReadsAndWritesTheCallersMemory) {
  Imports imports = testing::host_add_imports();
  std::string seen;
  imports.add("env", "host_echo", testing::host_i32x2("env.host_echo", [&](HostCall& call) -> Result<void> {
                Memory* memory = call.memory();
                if (memory == nullptr) return make_error(Errc::Internal, "no memory");
                std::string text(static_cast<std::size_t>(call.arg(1).as_i32()), '\0');
                auto read = memory->read(static_cast<std::uint32_t>(call.arg(0).as_i32()),
                                         {reinterpret_cast<std::uint8_t*>(text.data()), text.size()});
                if (!read) return read.take_error();
                seen = text;
                const std::uint8_t upper[] = {'H', 'E', 'L', 'L', 'O'};
                if (auto wrote = memory->write(100, upper); !wrote) return wrote.take_error();
                call.results()[0] = Value::i32(static_cast<std::int32_t>(text.size()));
                return {};
              }));
  auto instance = instantiate(*store_, compile_fixture("host_add"), imports);
  const Value args[] = {Value::i32(16), Value::i32(5)};
  auto result = instance->call("echo", args);
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ((*result)[0], Value::i32(5));
  EXPECT_EQ(seen, "hello");
  auto word = instance->memory()->view().slice(100, 5);
  ASSERT_TRUE(word);
  EXPECT_EQ(std::string(word->begin(), word->end()), "HELLO");
}

TEST_F(EngineCall, HostCallSeesUserDataAndDeadline) {
  int marker = 7;
  void* seen_user_data = nullptr;
  Deadline seen_deadline{};
  Imports imports = testing::host_add_imports();
  imports.add("env", "host_add", testing::host_i32x2("env.host_add", [&](HostCall& call) {
                seen_user_data = call.user_data();
                seen_deadline = call.deadline();
                call.results()[0] = Value::i32(0);
                return Result<void>();
              }));
  auto instance = store_->instantiate(compile_fixture("host_add"), imports, InstantiateOptions{&marker});
  ASSERT_TRUE(instance.ok());
  const Deadline deadline = deadline_after(std::chrono::seconds(30));
  const Value args[] = {Value::i32(1)};
  ASSERT_TRUE((*instance)->call("run", args, deadline).ok());
  EXPECT_EQ(seen_user_data, &marker);
  EXPECT_EQ(seen_deadline, deadline);
}

TEST_F(EngineCall, FastPathsCallExtismShapedExports) {
  auto instance = instantiate(*store_, compile_fixture("host_add"), testing::host_add_imports());
  auto execute = instance->func("execute");
  auto nop_void = instance->func("nop_void");
  ASSERT_TRUE(execute && nop_void);
  auto rc = instance->call_i32(*execute);
  ASSERT_TRUE(rc.ok()) << rc.message();
  EXPECT_EQ(*rc, 7);
  EXPECT_TRUE(instance->call_void(*nop_void).ok());
  EXPECT_EQ(instance->call_i32(*nop_void).outcome(), Outcome::BadArgument);

  // (i32) -> i32: run(x) = 2 * host_add(x, 100); negative values round-trip (the kernel passes u32 as i32).
  auto run = instance->func("run");
  ASSERT_TRUE(run);
  auto doubled = instance->call_i32_i32(*run, 5);
  ASSERT_TRUE(doubled.ok()) << doubled.message();
  EXPECT_EQ(*doubled, 210);
  EXPECT_EQ(*instance->call_i32_i32(*run, -150), -100);
  EXPECT_EQ(instance->call_i32_i32(*execute, 1).outcome(), Outcome::BadArgument);
}

TEST_F(EngineCall, WrongArgumentsAndUnknownExportsAreBadArguments) {
  auto instance = instantiate(*store_, compile_fixture("host_add"), testing::host_add_imports());
  const Value wrong[] = {Value::i64(1)};
  auto bad_type = instance->call("run", wrong);
  EXPECT_EQ(bad_type.outcome(), Outcome::BadArgument);
  EXPECT_EQ(bad_type.message(), "arguments (i64) do not match (i32) -> i32");
  auto missing = instance->call("execute_me", {});
  EXPECT_EQ(missing.outcome(), Outcome::BadArgument);
  EXPECT_NE(missing.message().find("exports: memory, run, echo"), std::string::npos) << missing.message();
  EXPECT_FALSE(instance->func("memory"));
}

TEST_F(EngineCall, MultiValueSignExtensionBulkMemoryAndReferenceTypesWork) {
  auto instance = instantiate(*store_, compile_fixture("features"));
  const Value pair[] = {Value::i32(1), Value::i32(2)};
  auto swapped = instance->call("swap", pair);
  ASSERT_TRUE(swapped.ok()) << swapped.message();
  EXPECT_EQ(*swapped, (std::vector<Value>{Value::i32(2), Value::i32(1)}));

  const Value division[] = {Value::i64(-7), Value::i64(2)};
  auto divmod = instance->call("divmod", division);
  ASSERT_TRUE(divmod.ok()) << divmod.message();
  EXPECT_EQ(*divmod, (std::vector<Value>{Value::i64(-3), Value::i64(-1)}));

  const Value byte[] = {Value::i32(0x80)};
  EXPECT_EQ(instance->call("sext8", byte)->at(0), Value::i32(-128));
  const Value word[] = {Value::i64(0xffffffffLL)};
  EXPECT_EQ(instance->call("sext32", word)->at(0), Value::i64(-1));

  EXPECT_EQ(instance->call("bulk", {})->at(0), Value::i32(290));
  EXPECT_EQ(instance->call("refs", {})->at(0), Value::i32(14));

  const Value mixed[] = {Value::i64(1LL << 40), Value::f32(0.25f), Value::f64(0.5)};
  EXPECT_EQ(instance->call("mix", mixed)->at(0), Value::f64(static_cast<double>(1LL << 40) + 0.75));
}

TEST_F(EngineCall, ExternrefTokensRoundTripAndNullStaysNull) {
  auto instance = instantiate(*store_, compile_fixture("features"));
  const Value token[] = {Value::externref(0xfeedbeefcafeULL)};
  auto kept = instance->call("keep_ref", token);
  ASSERT_TRUE(kept.ok()) << kept.message();
  EXPECT_EQ(kept->at(0), Value::externref(0xfeedbeefcafeULL));
  const Value null[] = {Value::externref(0)};
  EXPECT_EQ(instance->call("is_null", null)->at(0), Value::i32(1));
  EXPECT_EQ(instance->call("is_null", token)->at(0), Value::i32(0));
}

TEST_F(EngineCall, ExportedGlobalsCanBeReadAndMutableOnesWritten) {
  auto instance = instantiate(*store_, compile_fixture("features"));
  ASSERT_TRUE(instance->call("bump", {}).ok());
  EXPECT_EQ(*instance->global_get("counter"), Value::i32(1));
  ASSERT_TRUE(instance->global_set("counter", Value::i32(41)).ok());
  EXPECT_EQ(instance->call("bump", {})->at(0), Value::i32(42));

  EXPECT_EQ(*instance->global_get("big"), Value::i64(-5));
  ASSERT_TRUE(instance->global_set("big", Value::i64(1LL << 50)).ok());
  EXPECT_EQ(*instance->global_get("big"), Value::i64(1LL << 50));
  EXPECT_EQ(*instance->global_get("half"), Value::f64(0.5));

  EXPECT_EQ(instance->global_set("half", Value::f64(1)).message(), "global \"half\" is immutable");
  EXPECT_EQ(instance->global_set("counter", Value::i64(1)).outcome(), Outcome::BadArgument);
  EXPECT_EQ(instance->global_get("nope").outcome(), Outcome::BadArgument);
}

TEST_F(EngineCall, CompiledCGuestRunsAndCallsTheHost) {
  std::string logged;
  Imports imports;
  imports.add("env", "host_log",
              HostFunction{
                  "env.host_log", testing::func_type({ValType::I32, ValType::I32}, {}), [&](HostCall& call) {
                    auto text = call.memory()->view().slice(static_cast<std::uint32_t>(call.arg(0).as_i32()),
                                                            static_cast<std::uint32_t>(call.arg(1).as_i32()));
                    if (!text) return Result<void>(make_error(Errc::BadRequest, "bad pointer"));
                    logged.assign(text->begin(), text->end());
                    return Result<void>();
                  }});
  auto instance = instantiate(*store_, compile_fixture("c_guest"), imports);
  const Value twenty[] = {Value::i32(20)};
  EXPECT_EQ(instance->call("fib", twenty)->at(0), Value::i32(6765));
  const Value fill[] = {Value::i32(3), Value::i32(100)};
  EXPECT_EQ(instance->call("fill_sum", fill)->at(0), Value::i32(300));
  EXPECT_EQ(instance->call("greet", {})->at(0), Value::i32(12));
  EXPECT_EQ(logged, "hello from C");
}

TEST_F(EngineCall, StoreCountsInstancesAndCalls) {
  auto a = instantiate(*store_, compile_fixture("loop"));
  auto b = instantiate(*store_, compile_fixture("loop"));
  ASSERT_TRUE(a->call("answer", {}).ok());
  StoreStats stats = store_->stats();
  EXPECT_EQ(stats.instances, 2u);
  EXPECT_EQ(stats.calls, 1u);
  EXPECT_GT(stats.heap.used_bytes, 0u);
  b.reset();
  EXPECT_EQ(store_->stats().instances, 1u);
}

TEST_F(EngineCall, InstanceOutlivingItsStoreFailsCleanly) {
  auto instance = instantiate(*store_, compile_fixture("loop"));
  store_.reset();
  auto result = instance->call("answer", {});
  EXPECT_EQ(result.outcome(), Outcome::Internal);
  EXPECT_EQ(instance->memory(), nullptr);
}

}  // namespace
}  // namespace wasmgate::engine
