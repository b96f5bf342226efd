// The C++ host functions of extism:host/env through a real guest: config_get, var_get/var_set, log_*,
// get_log_level.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "vm_test_support.h"

namespace wasmgate::wasm {
namespace {

using testing::call_ok;
using testing::make_vm;
using testing::spec_for;

TEST(VmPdk, ConfigGetReturnsValuesAndZeroForMissingKeys) {
  auto spec = spec_for("pdk_calls");
  spec.config = {{"name", "wasmgate"}, {"empty", ""}, {"utf8", "h\xc3\xa9llo"}};
  auto vm = make_vm(std::move(spec));
  EXPECT_EQ(call_ok(*vm, "config", "name"), "wasmgate");
  EXPECT_EQ(call_ok(*vm, "config", "utf8"), "h\xc3\xa9llo");
  EXPECT_EQ(call_ok(*vm, "config", "nope"), "<none>");
  EXPECT_EQ(call_ok(*vm, "config", "empty"), "<none>");  // an empty value is a 0 handle, as alloc(0)
}

TEST(VmPdk, ForgedHandleFailsTheCall) {
  auto vm = make_vm("pdk_calls");
  auto result = vm->call("config_bad_handle", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_NE(result.error().message.find("invalid handle offset for config key: 12345"), std::string::npos)
      << result.error().message;
}

TEST(VmPdk, VarsPersistAcrossCallsAndCanBeDeleted) {
  auto vm = make_vm("pdk_calls");
  EXPECT_EQ(call_ok(*vm, "var_get", "k"), "<none>");
  call_ok(*vm, "var_set", "k=first");
  EXPECT_EQ(call_ok(*vm, "var_get", "k"), "first");
  call_ok(*vm, "var_set", "k=second value");
  EXPECT_EQ(call_ok(*vm, "var_get", "k"), "second value");
  EXPECT_EQ(vm->host_context().var_bytes, 1u + 12u);
  call_ok(*vm, "var_delete", "k");
  EXPECT_EQ(call_ok(*vm, "var_get", "k"), "<none>");
  EXPECT_EQ(vm->host_context().var_bytes, 0u);
}

TEST(VmPdk, VarStoreIsLimited) {
  auto spec = spec_for("pdk_calls");
  spec.max_var_bytes = 20;
  auto vm = make_vm(std::move(spec));
  call_ok(*vm, "var_set", "a=0123456789");       // 11 bytes
  call_ok(*vm, "var_set", "a=012345678901234");  // replacing counts only the new value: 16
  auto result = vm->call("var_set", "b=0123");   // 16 + 5 > 20
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("Variable store is full"), std::string::npos)
      << result.error().message;
}

TEST(VmPdk, VarsCanBeDisabled) {
  auto spec = spec_for("pdk_calls");
  spec.max_var_bytes = 0;
  auto vm = make_vm(std::move(spec));
  auto result = vm->call("var_set", "a=1");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("Vars are disabled by this host"), std::string::npos);
}

class VmPdkLog : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_);
    auto logger = std::make_shared<spdlog::logger>("vm-pdk-log-test", sink);
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  std::ostringstream lines_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(VmPdkLog, LogsAtAndAboveTheVmLevelTaggedWithThePlugin) {
  auto spec = spec_for("pdk_calls");
  spec.log_level = abi::PluginLogLevel::Warn;
  auto vm = make_vm(std::move(spec));
  EXPECT_EQ(call_ok(*vm, "log", "hello"), "3");
  EXPECT_EQ(lines_.str(),
            "warning [plugin wasm-plugin_pdk_calls] hello\nerror [plugin wasm-plugin_pdk_calls] hello\n");
}

TEST_F(VmPdkLog, TraceLevelLogsEverythingAndOffNothing) {
  auto spec = spec_for("pdk_calls");
  spec.log_level = abi::PluginLogLevel::Trace;
  auto vm = make_vm(std::move(spec));
  EXPECT_EQ(call_ok(*vm, "log", "x"), "0");
  EXPECT_EQ(lines_.str().find("trace [plugin wasm-plugin_pdk_calls] x\ndebug"), 0u) << lines_.str();

  lines_.str("");
  auto quiet = spec_for("pdk_calls");
  quiet.log_level = abi::PluginLogLevel::Off;
  auto off = make_vm(std::move(quiet));
  EXPECT_EQ(call_ok(*off, "log", "x"), "2147483647");
  EXPECT_EQ(lines_.str(), "");
}

TEST_F(VmPdkLog, DefaultLevelFollowsSpdlog) {
  spdlog::default_logger()->set_level(spdlog::level::err);
  spdlog::set_level(spdlog::level::err);
  auto spec = spec_for("pdk_calls");
  spec.log_level.reset();
  auto vm = make_vm(std::move(spec));
  EXPECT_EQ(call_ok(*vm, "log", "x"), "4");
}

}  // namespace
}  // namespace wasmgate::wasm
