// Guest errors and faults: each ends one call with a defined Errc and message; faults mark the VM failed for
// good while the process (and the next VM) carry on.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "vm_test_support.h"

namespace wasmgate::wasm {
namespace {

using namespace std::chrono_literals;
using testing::call_ok;
using testing::make_vm;
using testing::spec_for;

TEST(VmGuestError, ErrorSetMessageIsReturnedVerbatimAndTheVmStaysUsable) {
  auto vm = make_vm("errors");
  auto result = vm->call("fail", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_EQ(result.error().message, "something bad happened: d\xc3\xa9j\xc3\xa0 vu");
  EXPECT_FALSE(vm->failed());
  EXPECT_EQ(call_ok(*vm, "ok"), "ok");
}

TEST(VmGuestError, NonZeroReturnWithoutMessageNamesTheCode) {
  auto vm = make_vm("errors");
  auto result = vm->call("fail_rc_only", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_EQ(result.error().message, "plugin wasm-plugin_errors: fail_rc_only returned 3");
  EXPECT_FALSE(vm->failed());
}

TEST(VmGuestError, ErrorSetIsAnErrorEvenWithReturnCodeZero) {
  auto vm = make_vm("errors");
  auto result = vm->call("error_without_rc", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "set but returned 0");
  // The next call starts clean: the error slot was reset.
  EXPECT_EQ(call_ok(*vm, "ok"), "ok");
}

TEST(VmFault, TrapFailsTheCallAndTheVmForGood) {
  auto vm = make_vm("errors");
  auto result = vm->call("trap", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_EQ(result.error().message, "plugin wasm-plugin_errors: trap trapped: RuntimeError: unreachable");
  EXPECT_TRUE(vm->failed());

  auto next = vm->call("ok", "");
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, Errc::Internal);
  EXPECT_NE(next.error().message.find("failed earlier"), std::string::npos) << next.error().message;
  EXPECT_EQ(vm->failure()->message, result.error().message);  // the first failure is kept
}

TEST(VmFault, TrapAfterErrorSetCarriesBothMessages) {
  auto vm = make_vm("errors");
  auto result = vm->call("trap_after_error", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(
      result.error().message,
      "plugin wasm-plugin_errors: trap_after_error trapped: RuntimeError: unreachable (guest error: partial "
      "failure)");
}

TEST(VmFault, OutOfBoundsAccessIsATrap) {
  auto vm = make_vm("errors");
  auto guest = vm->call("oob", "");
  EXPECT_EQ(guest.error().code, Errc::PluginTrap);
  EXPECT_NE(guest.error().message.find("memory access out of bounds"), std::string::npos)
      << guest.error().message;

  auto other = make_vm("errors");
  auto kernel = other->call("oob_kernel", "");
  EXPECT_EQ(kernel.error().code, Errc::PluginTrap);
  EXPECT_TRUE(other->failed());
}

TEST(VmFault, StackOverflowIsATrap) {
  auto vm = make_vm("recursion");
  auto result = vm->call("recurse", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_NE(result.error().message.find("Maximum call stack size exceeded"), std::string::npos)
      << result.error().message;
  EXPECT_TRUE(vm->failed());
  EXPECT_EQ(call_ok(*make_vm("recursion"), "ok"), "ok");
}

TEST(VmFault, EndlessLoopTimesOutAndTheNextVmWorks) {
  auto spec = spec_for("loop");
  spec.call_timeout = 100ms;
  auto vm = make_vm(std::move(spec));
  auto result = vm->call("spin", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTimeout);
  EXPECT_EQ(result.error().message,
            "plugin wasm-plugin_loop: timeout: spin ran past its deadline (call timeout 100 ms)");
  EXPECT_TRUE(vm->failed());
  EXPECT_EQ(call_ok(*make_vm("loop"), "ok"), "ok");
}

TEST(VmFault, LoopThroughKernelCallsTimesOutToo) {
  auto spec = spec_for("loop");
  spec.call_timeout = 100ms;
  auto vm = make_vm(std::move(spec));
  EXPECT_EQ(vm->call("spin_in_kernel", "x").error().code, Errc::PluginTimeout);
}

TEST(VmFault, CallerDeadlineShorterThanTheTimeoutWins) {
  auto vm = make_vm("loop");  // 10 s call timeout
  const auto start = std::chrono::steady_clock::now();
  auto result = vm->call("spin", "", engine::deadline_after(50ms));
  EXPECT_EQ(result.error().code, Errc::PluginTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(VmFault, CancelFromAnotherThreadEndsTheCall) {
  auto vm = make_vm("loop");
  std::thread canceller([&] {
    while (!vm->cancel()) std::this_thread::sleep_for(5ms);
  });
  auto result = vm->call("spin", "");
  canceller.join();
  EXPECT_EQ(result.error().code, Errc::PluginTimeout);
  EXPECT_NE(result.error().message.find("was cancelled"), std::string::npos) << result.error().message;
}

// A host function added through the imports hook that throws: a failed call, not a crashed process.
TEST(VmFault, ExceptionInAHostFunctionFailsTheCall) {
  auto spec = spec_for("unknown_import");
  spec.import_hooks.push_back([](engine::Imports& imports, abi::VmHostContext&,
                                 engine::Store&) -> Result<void> {
    imports.add(
        "extism:host/env", "does_not_exist",
        engine::HostFunction{"extism:host/env.does_not_exist",
                             engine::FuncType{{engine::ValType::I64}, {engine::ValType::I64}},
                             [](engine::HostCall&) -> Result<void> { throw std::runtime_error("boom"); }});
    return {};
  });
  auto vm = make_vm(std::move(spec));
  ASSERT_TRUE(vm);
  auto result = vm->call("run", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_EQ(
      result.error().message,
      "plugin wasm-plugin_unknown_import: run failed: host function extism:host/env.does_not_exist failed: "
      "boom");
  EXPECT_TRUE(vm->failed());
}

}  // namespace
}  // namespace wasmgate::wasm
