// `wasmgate call` driven in-process: exit codes, outputs, --repeat on one VM, option errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "vm_test_support.h"
#include "wasm/call_tool.h"

namespace wasmgate::wasm {
namespace {

std::string fixture_path(const std::string& name) {
  return std::string(WASMGATE_EXTISM_FIXTURES_DIR) + "/" + name + ".wasm";
}

struct ToolRun {
  int code;
  std::string out;
  std::string err;
};

ToolRun run(const CallToolOptions& options) {
  std::ostringstream out, err;
  const int code = run_call_tool(options, out, err);
  return {code, out.str(), err.str()};
}

CallToolOptions options_for(const std::string& fixture, const std::string& function) {
  CallToolOptions options;
  options.wasm_path = fixture_path(fixture);
  options.function = function;
  options.log_level = "off";
  return options;
}

TEST(CallTool, PrintsTheOutputBytesAndExitsZero) {
  auto options = options_for("echo", "echo");
  options.input = R"({"hello":"world"})";
  const ToolRun r = run(options);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"hello":"world"})");
  EXPECT_EQ(r.err, "");
}

TEST(CallTool, RepeatCallsTheSameVmAndPrintsOneLineEach) {
  auto options = options_for("count_vowels", "count_vowels");
  options.input = "aei";
  options.repeat = 3;
  options.config = {"vowels=ae"};
  const ToolRun r = run(options);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\"count\":2,\"total\":2,\"vowels\":\"ae\"}\n{\"count\":2,\"total\":4,\"vowels\":\"ae\"}\n"
            "{\"count\":2,\"total\":6,\"vowels\":\"ae\"}\n");
}

TEST(CallTool, InputFromAFile) {
  const std::string path = ::testing::TempDir() + "/call_tool_input.json";
  std::ofstream(path) << "from a file";
  auto options = options_for("echo", "echo");
  options.input_file = path;
  EXPECT_EQ(run(options).out, "from a file");
  std::remove(path.c_str());
}

TEST(CallTool, GuestErrorGoesToStderrWithExitOne) {
  const ToolRun r = run(options_for("errors", "fail"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: something bad happened: d\xc3\xa9j\xc3\xa0 vu\n");
}

TEST(CallTool, TimeoutAndMemoryPagesAreApplied) {
  auto loop = options_for("loop", "spin");
  loop.timeout_ms = 50;
  const ToolRun timed_out = run(loop);
  EXPECT_EQ(timed_out.code, 1);
  EXPECT_NE(timed_out.err.find("timeout: spin ran past its deadline (call timeout 50 ms)"), std::string::npos)
      << timed_out.err;

  auto big = options_for("big_memory", "run");
  big.memory_pages = 4;
  const ToolRun refused = run(big);
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("module needs 36 pages but memoryPages=4"), std::string::npos) << refused.err;
}

TEST(CallTool, WasiFlagLetsWasiModulesLoad) {
  auto options = options_for("wasi_import", "ok");
  EXPECT_EQ(run(options).code, 1);
  options.wasi = true;
  const ToolRun r = run(options);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "ok");
}

TEST(CallTool, BadOptionsAreReported) {
  auto both = options_for("echo", "echo");
  both.input = "a";
  both.input_file = "b";
  EXPECT_EQ(run(both).err, "error: give --input or --input-file, not both\n");

  auto config = options_for("echo", "echo");
  config.config = {"novalue"};
  EXPECT_EQ(run(config).err, "error: --config expects key=value, got \"novalue\"\n");

  auto missing = options_for("does_not_exist", "echo");
  const ToolRun r = run(missing);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot read --wasm"), std::string::npos) << r.err;

  auto level = options_for("echo", "echo");
  level.log_level = "loud";
  EXPECT_NE(run(level).err.find("--log-level expects"), std::string::npos);
}

}  // namespace
}  // namespace wasmgate::wasm
