// memoryPages as one budget for guest + kernel memory (spec §1.2), and the size limits of a call.
#include <gtest/gtest.h>

#include "vm_test_support.h"

namespace wasmgate::wasm {
namespace {

using testing::call_ok;
using testing::make_vm;
using testing::spec_for;

VmSpec with_pages(const std::string& name, std::uint32_t pages) {
  auto spec = spec_for(name);
  spec.memory_pages = pages;
  return spec;
}

TEST(VmMemory, ModuleWhoseInitialMemoryExceedsTheBudgetFailsToLoad) {
  auto vm = Vm::create(testing::shared_engine(), with_pages("big_memory", 4));
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.error().code, Errc::PluginLoad);
  EXPECT_EQ(vm.error().message,
            "plugin wasm-plugin_big_memory: module needs 36 pages but memoryPages=4 (35 initial pages of its "
            "memory + 1 for the Extism kernel; raise memoryPages)");
  EXPECT_TRUE(Vm::create(testing::shared_engine(), with_pages("big_memory", 36)).ok());
}

TEST(VmMemory, BudgetSplitsBetweenGuestAndKernel) {
  auto info = engine::parse_module(testing::fixture("echo"));
  ASSERT_TRUE(info.ok());
  auto split = split_memory_budget(*info, 10);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->guest_initial_pages, 2u);
  EXPECT_EQ(split->kernel_initial_pages, 1u);
  EXPECT_EQ(split->guest_max_pages, 9u);
  EXPECT_EQ(split->kernel_max_pages, 8u);
}

TEST(VmMemory, GuestGrowingPastItsCapIsAMemoryError) {
  auto vm = make_vm(with_pages("memory_bomb", 20));
  auto result = vm->call("grow_guest", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginMemory);
  EXPECT_NE(result.error().message.find("out of memory (memoryPages=20)"), std::string::npos)
      << result.error().message;
  EXPECT_TRUE(vm->failed());
  EXPECT_LE(vm->memory_bytes(), 20u * 65536 + 19u * 65536);  // each memory stayed under its cap
}

TEST(VmMemory, KernelAllocationsPastTheCapAreAMemoryError) {
  auto vm = make_vm(with_pages("memory_bomb", 20));
  auto result = vm->call("alloc_kernel", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginMemory);
  EXPECT_TRUE(vm->failed());
}

TEST(VmMemory, BothMemoriesTogetherAboveTheBudgetFailTheCall) {
  auto vm = make_vm(with_pages("memory_bomb", 20));
  auto result = vm->call("grow_both", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginMemory);
  EXPECT_NE(result.error().message.find("memory budget exceeded"), std::string::npos)
      << result.error().message;
  EXPECT_TRUE(vm->failed());

  auto roomy = make_vm(with_pages("memory_bomb", 40));
  EXPECT_EQ(call_ok(*roomy, "grow_both"), "grew");
}

TEST(VmMemory, OutputAboveTheLimitIsRefused) {
  auto spec = spec_for("memory_bomb");
  spec.max_output_bytes = 1000;
  auto vm = make_vm(std::move(spec));
  EXPECT_EQ(call_ok(*vm, "big_output", "1000").size(), 1000u);
  auto result = vm->call("big_output", "1001");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginMemory);
  EXPECT_EQ(
      result.error().message,
      "plugin wasm-plugin_memory_bomb: big_output returned 1001 bytes of output, above the limit of 1000 "
      "bytes");
  EXPECT_FALSE(vm->failed());
}

TEST(VmMemory, InputThatCannotFitIsAMemoryErrorBeforeTheGuestRuns) {
  auto vm = make_vm(with_pages("echo", 4));  // kernel may grow to 2 pages
  auto result = vm->call("echo", std::string(3 * 65536, 'x'));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginMemory);
  EXPECT_NE(result.error().message.find("does not fit"), std::string::npos) << result.error().message;
  EXPECT_EQ(call_ok(*vm, "echo", "small"), "small");
}

}  // namespace
}  // namespace wasmgate::wasm
