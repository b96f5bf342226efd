// What makes a VM fail to load, and what the message says; legacy and WASI imports; the imports hook.
#include <gtest/gtest.h>

#include "vm_test_support.h"

namespace wasmgate::wasm {
namespace {

using testing::call_ok;
using testing::make_vm;
using testing::spec_for;

Error load_error(VmSpec spec) {
  auto vm = Vm::create(testing::shared_engine(), std::move(spec));
  EXPECT_FALSE(vm.ok());
  return vm ? Error{} : vm.take_error();
}

TEST(VmLoad, InvalidBytesNameTheProblem) {
  VmSpec spec;
  spec.plugin_id = "p1";
  spec.wasm = {'n', 'o', 'p', 'e'};
  const Error error = load_error(std::move(spec));
  EXPECT_EQ(error.code, Errc::PluginLoad);
  EXPECT_EQ(error.message.rfind("plugin p1: invalid wasm: ", 0), 0u) << error.message;
}

TEST(VmLoad, NoBytesAtAll) {
  VmSpec spec;
  EXPECT_EQ(load_error(std::move(spec)).message, "plugin: no wasm bytes");
}

TEST(VmLoad, UnknownExtismImportIsNamed) {
  const Error error = load_error(spec_for("unknown_import"));
  EXPECT_EQ(error.code, Errc::PluginLoad);
  EXPECT_EQ(
      error.message,
      "plugin wasm-plugin_unknown_import: unknown import extism:host/env.does_not_exist (func (i64) -> i64)");
}

TEST(VmLoad, WasiImportsFailWithoutWasi) {
  const Error error = load_error(spec_for("wasi_import"));
  EXPECT_EQ(error.code, Errc::PluginLoad);
  EXPECT_EQ(
      error.message,
      "plugin wasm-plugin_wasi_import: import wasi_snapshot_preview1.fd_write (func (i32, i32, i32, i32) -> "
      "i32) needs WASI (wasi is false); import wasi_snapshot_preview1.clock_time_get (func (i32, i64, i32) "
      "-> i32) needs WASI (wasi is false)");
}

TEST(VmLoad, WasiImportsLoadAndRunWithWasi) {
  auto spec = spec_for("wasi_import");
  spec.wasi = true;
  auto vm = make_vm(std::move(spec));
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_ok(*vm, "ok"), "ok");
  EXPECT_EQ(call_ok(*vm, "write"), "");  // fd_write of no bytes to stdout: errno 0, the call's rc
  EXPECT_EQ(call_ok(*vm, "clock"), "");
}

TEST(VmLoad, LegacyEnvExtismImportsWork) {
  auto spec = spec_for("legacy_echo");
  spec.config = {{"greeting", "bonjour"}};
  auto vm = make_vm(std::move(spec));
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_ok(*vm, "echo", "legacy input 0123456789"), "legacy input 0123456789");
  EXPECT_EQ(call_ok(*vm, "config", "greeting"), "bonjour");
  EXPECT_EQ(call_ok(*vm, "config", "missing"), "");
  auto failed = vm->call("fail", "");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "legacy failure");
}

TEST(VmLoad, HookAddsHostFunctionsWithTheVmContext) {
  auto spec = spec_for("unknown_import");
  spec.import_hooks.push_back([](engine::Imports& imports, abi::VmHostContext& context,
                                 engine::Store&) -> Result<void> {
    context.extensions["test"] = std::make_shared<int>(41);
    imports.add("extism:host/env", "does_not_exist",
                engine::HostFunction{"extism:host/env.does_not_exist",
                                     engine::FuncType{{engine::ValType::I64}, {engine::ValType::I64}},
                                     [](engine::HostCall& call) -> Result<void> {
                                       auto ctx = abi::host_context(call);
                                       if (!ctx) return ctx.take_error();
                                       const int base =
                                           *static_cast<int*>((*ctx)->extensions.at("test").get());
                                       call.results()[0] = engine::Value::i64(base + call.arg(0).as_i64());
                                       return {};
                                     }});
    return {};
  });
  auto vm = make_vm(std::move(spec));
  ASSERT_TRUE(vm);
  auto result = vm->call("run", "");
  // run returns does_not_exist(1) = 42 as its return code: a non-zero code is an error naming it.
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "plugin wasm-plugin_unknown_import: run returned 42");
}

TEST(VmLoad, CreatedHooksRunOnTheReadyVmAndTheirErrorsFailTheLoad) {
  auto spec = spec_for("echo");
  std::string seen;
  spec.created_hooks.push_back([&seen](Vm& vm) -> Result<void> {
    auto out = vm.call("echo", "from the hook");  // the guest is instantiated and initialised by now
    if (!out) return out.take_error();
    seen = *out;
    return {};
  });
  ASSERT_TRUE(make_vm(spec));
  EXPECT_EQ(seen, "from the hook");

  spec.created_hooks.push_back([](Vm& vm) -> Result<void> {
    return make_error(Errc::PluginTimeout, vm.host_context().label() + ": _start ran past its deadline");
  });
  const Error error = load_error(std::move(spec));
  EXPECT_EQ(error.code, Errc::PluginLoad);  // whatever the hook's code: this VM cannot serve
  EXPECT_EQ(error.message, "plugin wasm-plugin_echo: _start ran past its deadline");
}

TEST(VmLoad, HookErrorFailsTheLoad) {
  auto spec = spec_for("echo");
  spec.import_hooks.push_back([](engine::Imports&, abi::VmHostContext&, engine::Store&) -> Result<void> {
    return make_error(Errc::Forbidden, "import env.proxy_http_call is not authorized (httpAccess=false)");
  });
  const Error error = load_error(std::move(spec));
  EXPECT_EQ(error.code, Errc::PluginLoad);
  EXPECT_EQ(error.message,
            "plugin wasm-plugin_echo: adding host functions: import env.proxy_http_call is not authorized "
            "(httpAccess=false)");
}

TEST(VmLoad, PrecompiledModulesKeepTheirBudget) {
  auto modules = compile_vm_modules(testing::shared_engine(), testing::fixture("big_memory"), 4, "plugin q");
  ASSERT_FALSE(modules.ok());
  EXPECT_EQ(modules.error().message.rfind("plugin q: module needs 36 pages but memoryPages=4", 0), 0u)
      << modules.error().message;
}

}  // namespace
}  // namespace wasmgate::wasm
