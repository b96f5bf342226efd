// OPA mode on a Vm: env.memory and the OPA imports linked by the hook, the policy loaded once per VM,
// one-shot opa_eval per input, built-ins through opa_builtinN, failures named (spec otoroshi-wasm.md §6). The
// policies are hand-written OPA-ABI modules (tests/fixtures/wasm/opa).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "vm_test_support.h"
#include "wasm/abi/opa/opa_imports.h"
#include "wasm/opa_policy.h"

#ifndef WASMGATE_OPA_FIXTURES_DIR
#error "WASMGATE_OPA_FIXTURES_DIR must point at the built OPA fixtures (tests/fixtures/CMakeLists.txt)"
#endif

namespace wasmgate::wasm {
namespace {

using testing::shared_engine;

std::vector<std::uint8_t> opa_fixture(const std::string& name) {
  const std::string path = std::string(WASMGATE_OPA_FIXTURES_DIR) + "/" + name + ".wasm";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path << " (build target wasm_opa_fixtures)";
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// A VM set up as PluginRuntime does for opa: true.
Result<VmPtr> opa_vm(const std::vector<std::uint8_t>& bytes, std::uint32_t memory_pages = 4) {
  auto modules = compile_vm_modules(shared_engine(), bytes, memory_pages, "plugin opa-test");
  if (!modules) return modules.take_error();
  VmSpec spec;
  spec.modules = *modules;
  spec.plugin_id = "opa-test";
  spec.log_level = abi::PluginLogLevel::Off;
  spec.import_hooks.push_back(opa_imports_hook(**modules, memory_pages));
  return Vm::create(shared_engine(), std::move(spec));
}

VmPtr opa_vm_ok(const std::string& fixture, std::uint32_t memory_pages = 4) {
  auto vm = opa_vm(opa_fixture(fixture), memory_pages);
  EXPECT_TRUE(vm.ok()) << (vm ? "" : vm.error().message);
  return vm ? std::move(*vm) : nullptr;
}

std::string evaluate_ok(Vm& vm, std::string_view input) {
  const Vm::Pin pin(vm);
  auto result = evaluate_opa(vm, input);
  EXPECT_TRUE(result.ok()) << (result ? "" : result.error().message);
  return result ? *result : "<error: " + result.error().message + ">";
}

Result<std::string> evaluate(Vm& vm, std::string_view input) {
  const Vm::Pin pin(vm);
  return evaluate_opa(vm, input);
}

constexpr std::string_view kFooBar = R"({"request":{"headers":{"foo":"bar"}},"apikey":null})";
constexpr std::string_view kFooBaz = R"({"request":{"headers":{"foo":"baz"}},"apikey":null})";

TEST(OpaPolicy, AllowsOnlyWhenTheHeaderFooIsBar) {
  auto vm = opa_vm_ok("allow_foo_bar");
  ASSERT_TRUE(vm);
  EXPECT_EQ(evaluate_ok(*vm, kFooBar), R"([{"result":true}])");
  EXPECT_EQ(evaluate_ok(*vm, kFooBaz), R"([{"result":false}])");
  EXPECT_EQ(evaluate_ok(*vm, "{}"), R"([{"result":false}])");
}

TEST(OpaPolicy, EnvMemoryStartsAtMemoryPages) {
  auto vm = opa_vm_ok("allow_foo_bar", 7);
  ASSERT_TRUE(vm);
  const auto* state = abi::opa::opa_state(vm->host_context());
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->memory->size_bytes(), 7u * engine::kWasmPageBytes);
}

TEST(OpaPolicy, MemoryPagesMayEqualThePolicysOwnMinimum) {
  // The policy imports env.memory with 2 pages; the Extism kernel's page does not come out of them.
  auto vm = opa_vm_ok("allow_foo_bar", 2);
  ASSERT_TRUE(vm);
  EXPECT_EQ(evaluate_ok(*vm, kFooBar), R"([{"result":true}])");
}

TEST(OpaPolicy, LoadsOnceAndEvaluationsDoNotAccumulateHeap) {
  auto vm = opa_vm_ok("allow_foo_bar");
  ASSERT_TRUE(vm);
  EXPECT_EQ(evaluate_ok(*vm, kFooBar), R"([{"result":true}])");
  const auto* state = abi::opa::opa_state(vm->host_context());
  ASSERT_TRUE(state->loaded);
  const std::int32_t data = state->data_address;
  const std::int32_t base = state->base_heap_pointer;
  const std::uint64_t size = state->memory->size_bytes();
  for (int i = 0; i < 500; ++i)
    ASSERT_EQ(evaluate_ok(*vm, i % 2 ? kFooBar : kFooBaz),
              i % 2 ? R"([{"result":true}])" : R"([{"result":false}])");
  EXPECT_EQ(state->data_address, data);
  EXPECT_EQ(state->base_heap_pointer, base);
  EXPECT_EQ(state->memory->size_bytes(), size);
}

TEST(OpaPolicy, AnInputLargerThanTheMemoryGrowsIt) {
  auto vm = opa_vm_ok("allow_foo_bar", 3);  // 192 KiB
  ASSERT_TRUE(vm);
  const std::string big =
      R"({"pad":")" + std::string(300 * 1024, 'x') + R"(","request":{"headers":{"foo":"bar"}}})";
  EXPECT_EQ(evaluate_ok(*vm, big), R"([{"result":true}])");
  EXPECT_GT(abi::opa::opa_state(vm->host_context())->memory->size_bytes(), 300u * 1024);
}

TEST(OpaPolicy, BuiltinsAreCalledThroughOpaBuiltinN) {
  auto vm = opa_vm_ok("builtins_policy");
  ASSERT_TRUE(vm);
  const std::string text = evaluate_ok(*vm, "{}");
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(text, ec);
  ASSERT_FALSE(ec) << text;
  const auto& result = parsed.at(0).at("result").as_object();
  EXPECT_EQ(result.at("sprintf"), boost::json::value("a-7"));
  EXPECT_EQ(result.at("find_n"), boost::json::parse(R"(["1","22"])"));
  EXPECT_EQ(result.at("rfc3339"), boost::json::value(1704164645000000000));
  EXPECT_EQ(result.at("bad_time"), boost::json::value("undefined"));  // a failed built-in is undefined (0)
  EXPECT_EQ(result.at("is_valid"), boost::json::value(false));
  EXPECT_EQ(result.at("prefix"), boost::json::value(true));
  ASSERT_TRUE(result.at("now").is_int64()) << text;
  EXPECT_GT(result.at("now").as_int64(), 1704164645000000000);  // after the fixture's date: the real clock
  // A second evaluation on the same VM reuses the resolved built-ins.
  EXPECT_NE(evaluate_ok(*vm, "{}").find(R"("sprintf":"a-7")"), std::string::npos);
}

TEST(OpaPolicy, OpaAbortFailsTheEvaluationWithItsMessage) {
  auto vm = opa_vm_ok("abort_policy");  // also links Otoroshi's opa_println (i64) -> i64 declaration
  ASSERT_TRUE(vm);
  auto result = evaluate(*vm, kFooBar);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_NE(result.error().message.find(
                "opa_abort: eval_conflict_error: complete rules must not produce multiple outputs"),
            std::string::npos)
      << result.error().message;
  EXPECT_TRUE(vm->failed());  // a trap: the pool recycles this VM
}

TEST(OpaPolicy, ABuiltinCalledWithTheWrongArityFailsTheEvaluation) {
  auto vm = opa_vm_ok("wrong_builtin_arity");
  ASSERT_TRUE(vm);
  auto result = evaluate(*vm, kFooBar);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_NE(result.error().message.find("sprintf takes 2 argument(s) but was called through opa_builtin1"),
            std::string::npos)
      << result.error().message;
}

TEST(OpaPolicy, AnUnknownBuiltinFailsTheLoadNamingIt) {
  auto vm = opa_vm_ok("unknown_builtin");
  ASSERT_TRUE(vm);
  auto result = evaluate(*vm, kFooBar);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginLoad);
  EXPECT_EQ(
      result.error().message,
      "plugin opa-test: the OPA policy calls built-in function(s) wasmgate does not implement: http.send "
      "(README, \"OPA policies\", lists the implemented ones)");
}

TEST(OpaPolicy, AModuleWithoutEnvMemoryIsNotAnOpaPolicy) {
  auto vm = opa_vm(testing::fixture("echo"));
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.error().code, Errc::PluginLoad);
  EXPECT_NE(vm.error().message.find("does not import env.memory: it is not an OPA policy"), std::string::npos)
      << vm.error().message;
}

TEST(OpaPolicy, AVmWithoutTheOpaHookIsRefused) {
  auto vm = testing::make_vm("echo");
  ASSERT_TRUE(vm);
  auto result = evaluate(*vm, "{}");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "plugin wasm-plugin_echo: this plugin is not in OPA mode (set opa: true in its config)");
}

TEST(OpaDecision, AllowedOnlyWhenTheFirstResultIsTrue) {
  EXPECT_TRUE(*opa_result_allows(R"([{"result":true}])"));
  EXPECT_TRUE(*opa_result_allows(R"([{"result":true},{"result":false}])"));
  EXPECT_FALSE(*opa_result_allows(R"([{"result":false}])"));
  EXPECT_FALSE(*opa_result_allows(R"([{"result":"true"}])"));
  EXPECT_FALSE(*opa_result_allows(R"([{"allow":true}])"));
  EXPECT_FALSE(*opa_result_allows("[]"));
  EXPECT_FALSE(*opa_result_allows(""));  // Otoroshi: an empty result is [{"result":false}]
  auto bad = opa_result_allows("not json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::BadRequest);
}

}  // namespace
}  // namespace wasmgate::wasm
