// abi/wasi below the guest: allowedPaths parsing (rw:/ro:), kernel-confined lookups beneath a directory fd
// (every escape ENOTCAPABLE), the fd table's limits, and stdout/stderr line splitting with its cap.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "wasm/abi/wasi/allowed_paths.h"
#include "wasm/abi/wasi/path_resolve.h"
#include "wasm/abi/wasi/wasi_state.h"

namespace wasmgate::abi {
namespace {

namespace fs = std::filesystem;

TEST(WasiAllowedPaths, PlainEntriesAreReadOnlyAndRwPrefixMakesThemWritable) {
  auto parsed = parse_allowed_paths({{"/srv/a", "/a"}, {"rw:/srv/b", "/b"}, {"ro:/srv/c", "/c"}});
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].host, "/srv/a");
  EXPECT_FALSE((*parsed)[0].writable);
  EXPECT_EQ((*parsed)[1].host, "/srv/b");
  EXPECT_EQ((*parsed)[1].guest, "/b");
  EXPECT_TRUE((*parsed)[1].writable);
  EXPECT_EQ((*parsed)[2].host, "/srv/c");
  EXPECT_FALSE((*parsed)[2].writable);
}

TEST(WasiAllowedPaths, EmptyPathsAreRefusedNamingTheEntry) {
  auto empty_host = parse_allowed_paths({{"rw:", "/data"}});
  ASSERT_FALSE(empty_host.ok());
  EXPECT_EQ(empty_host.error().code, Errc::PluginLoad);
  EXPECT_EQ(empty_host.error().message,
            "allowedPaths entry \"rw:\": \"/data\" needs a host path and a guest path");
  EXPECT_FALSE(parse_allowed_paths({{"/srv", ""}}).ok());
}

class WasiBeneath : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "wasmgate-beneath-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "jail" / "sub");
    std::ofstream(root_ / "jail" / "in.txt") << "in";
    std::ofstream(root_ / "out.txt") << "out";
    fs::create_symlink("../out.txt", root_ / "jail" / "rel_out");
    fs::create_symlink(root_ / "out.txt", root_ / "jail" / "abs_out");
    fs::create_symlink("/proc/self/root", root_ / "jail" / "magic");
    fs::create_symlink("sub/../in.txt", root_ / "jail" / "rel_in");
    jail_ = UniqueFd(::open((root_ / "jail").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(jail_.valid());
  }
  void TearDown() override { fs::remove_all(root_); }

  WasiErrno open_read(std::string_view path) {
    UniqueFd fd;
    return open_beneath(jail_.get(), path, O_RDONLY, 0, true, fd);
  }

  fs::path root_;
  UniqueFd jail_;
};

TEST_F(WasiBeneath, PathsInsideResolve) {
  EXPECT_EQ(open_read("in.txt"), wasi_errno::kSuccess);
  EXPECT_EQ(open_read("sub/../in.txt"), wasi_errno::kSuccess);
  EXPECT_EQ(open_read("rel_in"), wasi_errno::kSuccess);
  EXPECT_EQ(open_read("."), wasi_errno::kSuccess);
  EXPECT_EQ(open_read("missing"), wasi_errno::kNoent);
}

TEST_F(WasiBeneath, EveryWayOutIsNotCapable) {
  EXPECT_EQ(open_read(".."), wasi_errno::kNotcapable);
  EXPECT_EQ(open_read("../out.txt"), wasi_errno::kNotcapable);
  EXPECT_EQ(open_read("sub/../../out.txt"), wasi_errno::kNotcapable);
  EXPECT_EQ(open_read((root_ / "out.txt").string()), wasi_errno::kNotcapable);  // absolute
  EXPECT_EQ(open_read("/etc/passwd"), wasi_errno::kNotcapable);
  EXPECT_EQ(open_read("rel_out"), wasi_errno::kNotcapable);
  EXPECT_EQ(open_read("abs_out"), wasi_errno::kNotcapable);
  EXPECT_EQ(open_read("magic/etc/passwd"), wasi_errno::kNotcapable);
}

TEST_F(WasiBeneath, MalformedPathsAreRefusedBeforeAnyLookup) {
  EXPECT_EQ(open_read(""), wasi_errno::kNoent);
  EXPECT_EQ(open_read(std::string_view("in.txt\0../x", 11)), wasi_errno::kIlseq);
  EXPECT_EQ(open_read(std::string(5000, 'a')), wasi_errno::kNametoolong);
}

TEST_F(WasiBeneath, ParentLookupsAreConfinedToo) {
  ParentDir parent;
  EXPECT_EQ(open_parent_beneath(jail_.get(), "sub/new.txt", parent), wasi_errno::kSuccess);
  EXPECT_EQ(parent.name, "new.txt");
  ParentDir top;
  EXPECT_EQ(open_parent_beneath(jail_.get(), "file/", top), wasi_errno::kSuccess);
  EXPECT_EQ(top.name, "file");
  EXPECT_EQ(top.fd, jail_.get());
  ParentDir escape;
  EXPECT_EQ(open_parent_beneath(jail_.get(), "../x", escape), wasi_errno::kNotcapable);
  EXPECT_EQ(open_parent_beneath(jail_.get(), "..", escape), wasi_errno::kNotcapable);
  EXPECT_EQ(open_parent_beneath(jail_.get(), "sub/..", escape), wasi_errno::kInval);
  EXPECT_EQ(open_parent_beneath(jail_.get(), "abs_out/x", escape), wasi_errno::kNotcapable);
}

TEST_F(WasiBeneath, PreopensBecomeFdsFromThreeWithTheirRights) {
  auto state = WasiState::create(
      "plugin t", {{(root_ / "jail").string(), "/ro", false}, {(root_ / "jail").string(), "/rw", true}});
  ASSERT_TRUE(state.ok());
  const WasiFd* ro = (*state)->get(3);
  const WasiFd* rw = (*state)->get(4);
  ASSERT_TRUE(ro && rw);
  EXPECT_EQ(ro->preopen_name, "/ro");
  EXPECT_EQ(ro->base & wasi_rights::kMutating, 0u);
  EXPECT_EQ(ro->inheriting & wasi_rights::kMutating, 0u);
  EXPECT_NE(rw->base & wasi_rights::kPathCreateFile, 0u);
  EXPECT_EQ((*state)->get(5), nullptr);
  // The guest cannot hold more than kMaxWasiOpenFiles host fds.
  for (std::size_t i = 0; i < kMaxWasiOpenFiles; ++i) ASSERT_TRUE((*state)->add(WasiFd{}).has_value());
  EXPECT_FALSE((*state)->add(WasiFd{}).has_value());
  EXPECT_TRUE((*state)->close(7));
  EXPECT_EQ((*state)->add(WasiFd{}), 7u);
}

TEST(WasiStdioLog, LinesAreSplitAndCapped) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  sink->set_pattern("%v");
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("stdio-capture", sink));
  {
    WasiStdioLog log("plugin p stdout", spdlog::level::info);
    log.write("one\ntw");
    log.write("o\r\nthree");
    log.write(std::string(kMaxStdioLineBytes + 10, 'x'));  // "three" + x… overflows the cap: cut
  }                                                        // flushes the tail
  spdlog::set_default_logger(previous);
  std::istringstream lines(captured.str());
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  ASSERT_EQ(got.size(), 4u) << captured.str();
  EXPECT_EQ(got[0], "[plugin p stdout] one");
  EXPECT_EQ(got[1], "[plugin p stdout] two");
  EXPECT_EQ(got[2], "[plugin p stdout] three" + std::string(kMaxStdioLineBytes - 5, 'x'));
  EXPECT_EQ(got[3], "[plugin p stdout] " + std::string(15, 'x'));
}

}  // namespace
}  // namespace wasmgate::abi
