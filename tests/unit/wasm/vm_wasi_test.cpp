// WASI preview1 through a real wasi-libc plugin (tests/fixtures/wasm/wasi/wasi_files.c): files inside an
// allowedPaths preopen, every way out of it refused with ENOTCAPABLE (76), read-only vs `rw:` preopens,
// stdout/stderr into the log, proc_exit, clocks, random, empty args and environ.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "vm_test_support.h"

#ifndef WASMGATE_WASI_FIXTURES_DIR
#error "WASMGATE_WASI_FIXTURES_DIR must point at the built WASI fixtures (tests/fixtures/CMakeLists.txt)"
#endif

namespace wasmgate::wasm {
namespace {

namespace fs = std::filesystem;
using testing::call_ok;

std::vector<std::uint8_t> wasi_fixture(const std::string& name) {
  const std::string path = std::string(WASMGATE_WASI_FIXTURES_DIR) + "/" + name + ".wasm";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path << " (build target wasm_wasi_fixtures)";
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A temporary tree: <root>/data (the preopen, holding hello.txt) beside <root>/secret.txt (outside it).
class VmWasi : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "wasmgate-wasi-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "data" / "sub");
    write_text(root_ / "data" / "hello.txt", "hello from the host\n");
    write_text(root_ / "data" / "sub" / "deep.txt", "deep");
    write_text(root_ / "secret.txt", "secret outside the preopen");
  }
  void TearDown() override { fs::remove_all(root_); }

  VmSpec spec(std::vector<std::pair<std::string, std::string>> allowed_paths) {
    VmSpec s;
    s.wasm = wasi_fixture("wasi_files");
    s.plugin_id = "wasm-plugin_wasi_files";
    s.log_level = abi::PluginLogLevel::Off;
    s.wasi = true;
    s.allowed_paths = std::move(allowed_paths);
    return s;
  }
  VmPtr data_vm() { return testing::make_vm(spec({{(root_ / "data").string(), "/data"}})); }

  // The error message of a call expected to fail.
  static std::string call_error(Vm& vm, std::string_view function, std::string_view input) {
    auto result = vm.call(function, input);
    EXPECT_FALSE(result.ok()) << function << "(" << input << ") returned " << (result ? *result : "");
    return result ? std::string() : result.error().message;
  }

  fs::path root_;
};

constexpr std::string_view kNotCapable = "errno 76 (";

TEST_F(VmWasi, ReadsAFileInsideItsPreopen) {
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_ok(*vm, "read_file", "/data/hello.txt"), "hello from the host\n");
  EXPECT_EQ(call_ok(*vm, "read_file", "/data/sub/deep.txt"), "deep");
  EXPECT_EQ(call_ok(*vm, "read_file", "/data/sub/../hello.txt"), "hello from the host\n");  // stays inside
  const std::string listing = call_ok(*vm, "list_dir", "/data");
  EXPECT_NE(listing.find("hello.txt\n"), std::string::npos) << listing;
  EXPECT_NE(listing.find("sub\n"), std::string::npos) << listing;
}

TEST_F(VmWasi, DotDotOutOfThePreopenIsNotCapable) {
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  const std::string error = call_error(*vm, "read_file", "/data/../secret.txt");
  EXPECT_EQ(error.rfind("open /data/../secret.txt: ", 0), 0u) << error;
  EXPECT_NE(error.find(kNotCapable), std::string::npos) << error;
  EXPECT_NE(call_error(*vm, "read_file", "/data/sub/../../secret.txt").find(kNotCapable), std::string::npos);
  // Straight through the ABI, relative to the preopen fd (3): no libc path handling involved.
  EXPECT_EQ(call_ok(*vm, "raw_open", "3 ../secret.txt"), "76");
  EXPECT_EQ(call_ok(*vm, "raw_open", "3 hello.txt"), "0");
}

TEST_F(VmWasi, AbsolutePathsAreNotCapable) {
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_ok(*vm, "raw_open", "3 /etc/passwd"), "76");
  EXPECT_EQ(call_ok(*vm, "raw_open", "3 " + (root_ / "secret.txt").string()), "76");
  // wasi-libc refuses a path under no preopen itself, with the same errno.
  EXPECT_NE(call_error(*vm, "read_file", (root_ / "secret.txt").string()).find(kNotCapable),
            std::string::npos);
}

TEST_F(VmWasi, SymlinksLeavingThePreopenAreNotCapable) {
  fs::create_symlink("../secret.txt", root_ / "data" / "relative_out");
  fs::create_symlink(root_ / "secret.txt", root_ / "data" / "absolute_out");
  fs::create_symlink("..", root_ / "data" / "parent_dir");
  fs::create_symlink("hello.txt", root_ / "data" / "inside");
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  EXPECT_NE(call_error(*vm, "read_file", "/data/relative_out").find(kNotCapable), std::string::npos);
  EXPECT_NE(call_error(*vm, "read_file", "/data/absolute_out").find(kNotCapable), std::string::npos);
  EXPECT_NE(call_error(*vm, "read_file", "/data/parent_dir/secret.txt").find(kNotCapable), std::string::npos);
  EXPECT_EQ(call_ok(*vm, "raw_open", "3 absolute_out"), "76");
  EXPECT_EQ(call_ok(*vm, "read_file", "/data/inside"), "hello from the host\n");  // a link within is fine
}

TEST_F(VmWasi, ReadOnlyPreopenRefusesWrites) {
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  const std::string created = call_error(*vm, "write_file", "/data/new.txt\nnew");
  EXPECT_NE(created.find(kNotCapable), std::string::npos) << created;
  EXPECT_FALSE(fs::exists(root_ / "data" / "new.txt"));
  const std::string overwritten = call_error(*vm, "write_file", "/data/hello.txt\nreplaced");
  EXPECT_NE(overwritten.find(kNotCapable), std::string::npos) << overwritten;
  EXPECT_EQ(read_text(root_ / "data" / "hello.txt"), "hello from the host\n");
}

TEST_F(VmWasi, ReadWritePreopenAcceptsWrites) {
  auto vm = testing::make_vm(spec({{"rw:" + (root_ / "data").string(), "/data"}}));
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_ok(*vm, "write_file", "/data/new.txt\nwritten by the plugin"), "written 21");
  EXPECT_EQ(read_text(root_ / "data" / "new.txt"), "written by the plugin");
  EXPECT_EQ(call_ok(*vm, "read_file", "/data/new.txt"), "written by the plugin");
  // Writable, but still confined.
  EXPECT_NE(call_error(*vm, "write_file", "/data/../escaped.txt\nx").find(kNotCapable), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "escaped.txt"));
}

TEST_F(VmWasi, StdoutAndStderrLinesGoToTheGatewayLog) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  sink->set_pattern("%l %v");
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("wasi-capture", sink));
  {
    auto s = spec({});
    s.log_level = abi::PluginLogLevel::Info;
    auto vm = testing::make_vm(std::move(s));
    ASSERT_TRUE(vm);
    EXPECT_EQ(call_ok(*vm, "print", "hello log"), "printed");
  }
  spdlog::set_default_logger(previous);
  const std::string log = captured.str();
  EXPECT_NE(log.find("info [plugin wasm-plugin_wasi_files stdout] hello log\n"), std::string::npos) << log;
  EXPECT_NE(log.find("warning [plugin wasm-plugin_wasi_files stderr] err: hello log\n"), std::string::npos)
      << log;
}

TEST_F(VmWasi, ProcExitZeroEndsTheCallWithItsOutput) {
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_ok(*vm, "exit_with", "0"), "before exit");
  // The guest's runtime has ended: the VM is replaced rather than reused.
  EXPECT_TRUE(vm->failed());
}

TEST_F(VmWasi, ProcExitNonZeroFailsTheCall) {
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  auto result = vm->call("exit_with", "3");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_EQ(result.error().message,
            "plugin wasm-plugin_wasi_files: exited with code 3 (proc_exit in exit_with)");
  EXPECT_TRUE(vm->failed());
}

TEST_F(VmWasi, ClocksAndRandomAreSane) {
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  auto parse = [](const std::string& text) {
    long long realtime = 0, monotonic = 0;
    char random[65] = {};
    EXPECT_EQ(
        std::sscanf(text.c_str(), "realtime=%lld monotonic=%lld random=%64s", &realtime, &monotonic, random),
        3)
        << text;
    return std::make_tuple(realtime, monotonic, std::string(random));
  };
  const auto [real1, mono1, random1] = parse(call_ok(*vm, "clock_random"));
  const auto [real2, mono2, random2] = parse(call_ok(*vm, "clock_random"));
  const long long host_now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  constexpr long long kDay = 86'400'000'000'000LL;  // the guest reads the host's wall clock, not a fake one
  EXPECT_LT(std::llabs(host_now - real1), kDay);
  EXPECT_GT(mono1, 0);
  EXPECT_GE(mono2, mono1);
  EXPECT_EQ(random1.size(), 64u);
  EXPECT_NE(random1, random2);
  EXPECT_NE(random1, std::string(64, '0'));
}

TEST_F(VmWasi, ArgsAndEnvironAreEmpty) {
  auto vm = data_vm();
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_ok(*vm, "args_environ"), "args=0/0 environ=0/0 HOME=unset");
}

TEST_F(VmWasi, WithoutPreopensNoPathResolves) {
  auto vm = testing::make_vm(spec({}));
  ASSERT_TRUE(vm);
  EXPECT_NE(call_error(*vm, "read_file", "/data/hello.txt").find(kNotCapable), std::string::npos);
  EXPECT_EQ(call_ok(*vm, "raw_open", "3 hello.txt"), "8");  // EBADF: fd 3 is not open
}

TEST_F(VmWasi, MissingPreopenDirectoryFailsTheLoad) {
  auto vm = Vm::create(testing::shared_engine(), spec({{(root_ / "nope").string(), "/data"}}));
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.error().code, Errc::PluginLoad);
  EXPECT_EQ(vm.error().message, "plugin wasm-plugin_wasi_files: allowedPaths: cannot open host directory \"" +
                                    (root_ / "nope").string() +
                                    "\" (guest \"/data\"): No such file or directory");
}

}  // namespace
}  // namespace wasmgate::wasm
