// The Extism call convention through Vm: input in, output out, `() -> i32` and `() -> ()`, initialisers,
// kernel reset between calls, vars that persist for the VM's life.
#include <gtest/gtest.h>

#include "vm_test_support.h"

namespace wasmgate::wasm {
namespace {

using testing::call_ok;
using testing::make_vm;
using testing::spec_for;

TEST(VmCall, EchoReturnsTheInputBytesForEverySize) {
  auto vm = make_vm("echo");
  ASSERT_TRUE(vm);
  for (std::size_t size : {0, 1, 7, 8, 9, 1024, 65537, 1 << 20}) {
    std::string input(size, '\0');
    for (std::size_t i = 0; i < size; ++i) input[i] = static_cast<char>(i * 31 + 7);
    EXPECT_EQ(call_ok(*vm, "echo", input), input) << size;
  }
  EXPECT_FALSE(vm->failed());
}

TEST(VmCall, InputBlockCanBeReturnedAsTheOutput) {
  auto vm = make_vm("echo");
  EXPECT_EQ(call_ok(*vm, "echo_zero_copy", "{\"a\":1}"), "{\"a\":1}");
}

TEST(VmCall, NoOutputIsAnEmptyString) {
  auto vm = make_vm("echo");
  EXPECT_EQ(call_ok(*vm, "noop", "ignored"), "");
}

TEST(VmCall, VoidExportIsAcceptedWithReturnCodeZero) {
  auto vm = make_vm("echo");
  EXPECT_EQ(call_ok(*vm, "echo_void", "void"), "void");
}

TEST(VmCall, ManyCallsReuseTheKernelMemory) {
  auto vm = make_vm("echo");
  const std::string input(256 * 1024, 'x');
  ASSERT_EQ(call_ok(*vm, "echo", input), input);
  const std::uint64_t after_first = vm->stats().memory_bytes;
  for (int i = 0; i < 200; ++i) ASSERT_EQ(call_ok(*vm, "echo", input).size(), input.size());
  EXPECT_EQ(vm->stats().memory_bytes, after_first);  // reset before each call: nothing accumulates
  EXPECT_EQ(vm->stats().calls, 201u);
}

TEST(VmCall, PreviousInputDoesNotLeakIntoTheNextCall) {
  auto vm = make_vm("echo");
  EXPECT_EQ(call_ok(*vm, "input_size", std::string(1000, 'a')), "1000");
  EXPECT_EQ(call_ok(*vm, "input_size", ""), "0");
  EXPECT_EQ(call_ok(*vm, "echo", ""), "");
}

TEST(VmCall, MissingExportIsAPluginLoadErrorListingTheExports) {
  auto vm = make_vm("echo");
  auto result = vm->call("execute", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginLoad);
  EXPECT_EQ(
      result.error().message,
      "plugin wasm-plugin_echo: export \"execute\" not found (exports: memory, echo, echo_zero_copy, noop, "
      "echo_void, add_one, input_size)");
  EXPECT_FALSE(vm->failed());
  EXPECT_EQ(call_ok(*vm, "echo", "still fine"), "still fine");
}

TEST(VmCall, ExportWithAnotherSignatureIsRefusedWithoutFailingTheVm) {
  auto vm = make_vm("echo");
  auto result = vm->call("add_one", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginLoad);
  EXPECT_EQ(
      result.error().message,
      "plugin wasm-plugin_echo: export \"add_one\" is func (i32) -> i32, expected () -> i32 or () -> ()");
  EXPECT_FALSE(vm->failed());
}

TEST(VmCall, CountVowelsReadsConfigAndKeepsItsVarAcrossCalls) {
  auto vm = make_vm("count_vowels");
  EXPECT_EQ(call_ok(*vm, "count_vowels", "Hello World"), R"({"count":3,"total":3,"vowels":"aeiouAEIOU"})");
  EXPECT_EQ(call_ok(*vm, "count_vowels", "aaa"), R"({"count":3,"total":6,"vowels":"aeiouAEIOU"})");

  auto spec = spec_for("count_vowels");
  spec.config = {{"vowels", "lo"}};
  auto configured = make_vm(std::move(spec));
  EXPECT_EQ(call_ok(*configured, "count_vowels", "Hello World"), R"({"count":5,"total":5,"vowels":"lo"})");
  // Vars belong to one VM: the first one is unaffected.
  EXPECT_EQ(call_ok(*vm, "count_vowels", ""), R"({"count":0,"total":6,"vowels":"aeiouAEIOU"})");
}

TEST(VmCall, ReactorInitializeRunsOnceBeforeTheFirstCall) {
  auto vm = make_vm("init_reactor");
  EXPECT_EQ(call_ok(*vm, "report"), "I");
  EXPECT_EQ(call_ok(*vm, "report"), "I");
}

TEST(VmCall, WasmCallCtorsRunsInsteadOfInitialize) {
  auto vm = make_vm("init_ctors");
  EXPECT_EQ(call_ok(*vm, "report"), "C");
}

TEST(VmCall, HaskellGuestGetsInitializeThenHsInit) {
  auto vm = make_vm("init_haskell");
  EXPECT_EQ(call_ok(*vm, "report"), "IH");
}

TEST(VmCall, StatsCountCallsTimeAndFailures) {
  auto vm = make_vm("errors");
  const auto created = vm->stats();
  EXPECT_EQ(created.calls, 0u);
  EXPECT_EQ(created.last_used, created.created_at);
  EXPECT_EQ(created.memory_budget_bytes, 100u * 65536);
  EXPECT_GT(created.memory_bytes, 0u);
  call_ok(*vm, "ok");
  EXPECT_FALSE(vm->call("fail", "").ok());
  const auto after = vm->stats();
  EXPECT_EQ(after.calls, 2u);
  EXPECT_EQ(after.failed_calls, 1u);
  EXPECT_GT(after.total_call_time.count(), 0);
  EXPECT_GE(after.last_used, created.last_used);
}

TEST(VmCall, PinnedStoreServesManyCalls) {
  auto vm = make_vm("echo");
  auto pin = vm->pin();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(call_ok(*vm, "echo", "pinned"), "pinned");
}

TEST(VmCall, PrecompiledModulesAreSharedByVms) {
  auto modules =
      compile_vm_modules(testing::shared_engine(), testing::fixture("count_vowels"), 20, "plugin p");
  ASSERT_TRUE(modules.ok()) << modules.error().message;
  VmSpec a, b;
  a.modules = b.modules = *modules;
  a.log_level = b.log_level = abi::PluginLogLevel::Off;
  auto first = make_vm(std::move(a));
  auto second = make_vm(std::move(b));
  EXPECT_EQ(call_ok(*first, "count_vowels", "aa"), R"({"count":2,"total":2,"vowels":"aeiouAEIOU"})");
  EXPECT_EQ(call_ok(*second, "count_vowels", "a"), R"({"count":1,"total":1,"vowels":"aeiouAEIOU"})");
  EXPECT_EQ(first->stats().memory_budget_bytes, 20u * 65536);
}

}  // namespace
}  // namespace wasmgate::wasm
