// Linking: host functions, another instance's exports (kernel-style), store memories, and what a failed link
// says.
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using testing::compile_fixture;
using testing::instantiate;
using testing::shared_engine;

class EngineLink : public ::testing::Test {
 protected:
  StorePtr store_ = shared_engine().new_store();
};

TEST_F(EngineLink, MissingImportNamesItAndWhatIsAvailable) {
  Imports imports;
  imports.add("env", "host_add", testing::host_add());
  imports.add("env", "log", HostFunction{"env.log", testing::func_type({ValType::I64}, {}), [](HostCall&) {
                                           return Result<void>();
                                         }});
  auto result = store_->instantiate(compile_fixture("missing_import"), imports);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.outcome(), Outcome::LinkError);
  EXPECT_EQ(result.message(),
            "missing import env.does_not_exist (func (i32) -> i32); available under \"env\": host_add, log");
  EXPECT_EQ(result.failure().to_error().code, Errc::PluginLoad);
}

TEST_F(EngineLink, HostFunctionWithTheWrongTypeIsRefused) {
  Imports imports = testing::host_add_imports();
  imports.add("env", "host_add",
              HostFunction{"env.host_add", testing::func_type({ValType::I32}, {ValType::I32}),
                           [](HostCall&) { return Result<void>(); }});
  auto result = store_->instantiate(compile_fixture("host_add"), imports);
  EXPECT_EQ(result.outcome(), Outcome::LinkError);
  EXPECT_EQ(
      result.message(),
      "import env.host_add: the module expects func (i32, i32) -> i32 but host function env.host_add is func "
      "(i32) -> i32");
}

TEST_F(EngineLink, GuestLinksAgainstAKernelInstanceMemoryAndFunctions) {
  auto kernel = instantiate(*store_, compile_fixture("kernel"));
  Imports imports;
  imports.add_instance("kernel", *kernel);
  auto guest = instantiate(*store_, compile_fixture("linked"), imports);
  ASSERT_TRUE(guest);

  auto ptr = guest->call("write_hi", {});
  ASSERT_TRUE(ptr.ok()) << ptr.message();
  const Value at[] = {ptr->at(0)};
  EXPECT_EQ(guest->call("read_direct", at)->at(0), Value::i32('h'));
  const Value next[] = {Value::i32(ptr->at(0).as_i32() + 1)};
  EXPECT_EQ(guest->call("read_via_kernel", next)->at(0), Value::i32('i'));

  // The host sees the same bytes through the kernel's memory.
  auto bytes = kernel->memory()->view().slice(static_cast<std::uint32_t>(ptr->at(0).as_i32()), 2);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), "hi");

  const Value n[] = {Value::i32(1000)};
  EXPECT_EQ(guest->call("call_kernel_n", n)->at(0), Value::i32(0));
  EXPECT_EQ(store_->stats().memories, 1u);  // one memory, seen through one exporter
}

TEST_F(EngineLink, HostFunctionsOverrideInstanceExportsAddedBefore) {
  auto kernel = instantiate(*store_, compile_fixture("kernel"));
  Imports imports;
  imports.add_instance("kernel", *kernel);
  imports.add("kernel", "nop",
              HostFunction{"kernel.nop", testing::func_type({}, {ValType::I32}), [](HostCall& call) {
                             call.results()[0] = Value::i32(1);
                             return Result<void>();
                           }});
  auto guest = instantiate(*store_, compile_fixture("linked"), imports);
  const Value n[] = {Value::i32(3)};
  EXPECT_EQ(guest->call("call_kernel_n", n)->at(0), Value::i32(3));
}

TEST_F(EngineLink, ExternOfTheWrongKindIsRefused) {
  auto kernel = instantiate(*store_, compile_fixture("kernel"));
  Imports imports;
  imports.add_instance("kernel", *kernel);
  imports.add("kernel", "memory", *kernel->export_extern("nop"));
  auto result = store_->instantiate(compile_fixture("linked"), imports);
  EXPECT_EQ(result.outcome(), Outcome::LinkError);
  EXPECT_EQ(result.message(),
            "import kernel.memory: the module expects a memory but the provided extern is a func");
}

TEST_F(EngineLink, ExternFromAnotherStoreIsRefused) {
  auto other_store = shared_engine().new_store();
  auto kernel = instantiate(*other_store, compile_fixture("kernel"));
  Imports imports;
  imports.add_instance("kernel", *kernel);
  auto result = store_->instantiate(compile_fixture("linked"), imports);
  EXPECT_EQ(result.outcome(), Outcome::LinkError);
  EXPECT_NE(result.message().find("belongs to another store"), std::string::npos) << result.message();
}

TEST_F(EngineLink, StoreMemoryCanBeImported) {
  auto memory = store_->new_memory(Limits{1, 2});
  ASSERT_TRUE(memory.ok()) << memory.message();
  auto kernel = instantiate(*store_, compile_fixture("kernel"));
  Imports imports;
  imports.add_instance("kernel", *kernel);
  imports.add("kernel", "memory", *memory);
  auto guest = instantiate(*store_, compile_fixture("linked"), imports);
  ASSERT_TRUE(guest);

  Memory* view = store_->memory(*memory);
  ASSERT_NE(view, nullptr);
  ASSERT_TRUE(view->view().store<std::uint8_t>(40, 'z'));
  const Value at[] = {Value::i32(40)};
  EXPECT_EQ(guest->call("read_direct", at)->at(0), Value::i32('z'));
  EXPECT_EQ(*view->grow(1), 1u);
  EXPECT_EQ(view->grow(1).outcome(), Outcome::OutOfMemory);  // max 2
}

TEST_F(EngineLink, InvalidMemoryLimitsAreABadArgument) {
  auto memory = store_->new_memory(Limits{4, 2});
  EXPECT_EQ(memory.outcome(), Outcome::BadArgument);
  EXPECT_NE(memory.message().find("RangeError"), std::string::npos) << memory.message();
}

}  // namespace
}  // namespace wasmgate::engine

namespace wasmgate::engine {
namespace {

TEST(EngineStart, StartFunctionMayCallTheHostBeforeExportsExist) {
  auto store = testing::shared_engine().new_store();
  bool had_memory = true;
  Imports imports;
  imports.add("env", "on_start", testing::host_i32x2("env.on_start", [&](HostCall& call) {
                had_memory = call.memory() != nullptr;
                call.results()[0] = Value::i32(call.arg(0).as_i32() + call.arg(1).as_i32());
                return Result<void>();
              }));
  auto instance = testing::instantiate(*store, testing::compile_fixture("start"), imports);
  ASSERT_TRUE(instance);
  EXPECT_FALSE(had_memory);
  EXPECT_EQ(instance->call("seen", {})->at(0), Value::i32(3));
  EXPECT_NE(instance->memory(), nullptr);
}

TEST(EngineStart, FailingStartFunctionFailsTheInstantiation) {
  auto store = testing::shared_engine().new_store();
  Imports imports;
  imports.add("env", "on_start", testing::host_i32x2("env.on_start", [](HostCall&) {
                return Result<void>(make_error(Errc::Internal, "not today"));
              }));
  auto instance = store->instantiate(testing::compile_fixture("start"), imports);
  EXPECT_EQ(instance.outcome(), Outcome::HostError);
  EXPECT_EQ(instance.message(), "host function env.on_start failed: not today");
  EXPECT_EQ(store->stats().instances, 0u);
}

}  // namespace
}  // namespace wasmgate::engine
