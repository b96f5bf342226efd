// The on-disk code cache: written once optimized code exists, read back by a fresh engine, ignored when bad.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::fixture_bytes;

class EngineCodeCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wasmgate-code-cache-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Engine> engine_with_cache() {
    EngineOptions options;
    options.code_cache_dir = dir_.string();
    return create_v8_engine(options);
  }
  std::size_t cache_files() const {
    if (!fs::exists(dir_)) return 0;
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }

  fs::path dir_;
};

// Distinct bytes per test (a custom section with the test name): V8 also shares compiled modules process-wide
// by bytes, and another test's live module would make a "cold" compile warm.
std::vector<std::uint8_t> unique_module(const std::string& fixture, const std::string& salt) {
  auto bytes = fixture_bytes(fixture);
  const std::string name = "wasmgate-test";
  std::vector<std::uint8_t> section = {static_cast<std::uint8_t>(name.size())};
  section.insert(section.end(), name.begin(), name.end());
  section.insert(section.end(), salt.begin(), salt.end());
  bytes.push_back(0);  // custom section id
  bytes.push_back(static_cast<std::uint8_t>(section.size()));
  bytes.insert(bytes.end(), section.begin(), section.end());
  return bytes;
}

TEST_F(EngineCodeCache, SecondEngineLoadsWhatTheFirstWrote) {
  const auto bytes = unique_module("features", "round-trip");
  {
    auto first = engine_with_cache();
    auto module = first->compile(bytes);
    ASSERT_TRUE(module.ok()) << module.error().message;
    EXPECT_FALSE((*module)->from_code_cache());
    ASSERT_TRUE(first->wait_for_code_cache_writes(30s));
    EXPECT_EQ(first->stats().code_cache_writes, 1u);
  }
  EXPECT_EQ(cache_files(), 1u);

  auto second = engine_with_cache();
  auto module = second->compile(bytes);
  ASSERT_TRUE(module.ok()) << module.error().message;
  EXPECT_TRUE((*module)->from_code_cache());
  EXPECT_EQ(second->stats().code_cache_loads, 1u);

  auto store = second->new_store();
  auto instance = testing::instantiate(*store, *module);
  EXPECT_EQ(instance->call("refs", {})->at(0), Value::i32(14));
  const Value pair[] = {Value::i32(1), Value::i32(2)};
  EXPECT_EQ(instance->call("swap", pair)->at(0), Value::i32(2));
}

TEST_F(EngineCodeCache, FreshCacheDirCompilesAndWrites) {
  auto engine = engine_with_cache();
  auto module = engine->compile(unique_module("loop", "fresh-dir"));
  ASSERT_TRUE(module.ok());
  EXPECT_FALSE((*module)->from_code_cache());
  ASSERT_TRUE(engine->wait_for_code_cache_writes(30s));
  EXPECT_EQ(cache_files(), 1u);
  EXPECT_EQ(engine->stats().code_cache_loads, 0u);
}

TEST_F(EngineCodeCache, CorruptCacheFileIsRejectedAndReplaced) {
  const auto bytes = unique_module("trap", "corrupt");
  {
    auto first = engine_with_cache();
    ASSERT_TRUE(first->compile(bytes).ok());
    ASSERT_TRUE(first->wait_for_code_cache_writes(30s));
  }
  ASSERT_EQ(cache_files(), 1u);
  const fs::path file = fs::directory_iterator(dir_)->path();
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "this is not V8 code";

  auto second = engine_with_cache();
  auto module = second->compile(bytes);
  ASSERT_TRUE(module.ok()) << module.error().message;
  EXPECT_FALSE((*module)->from_code_cache());
  EXPECT_EQ(second->stats().code_cache_rejects, 1u);
  auto store = second->new_store();
  EXPECT_EQ(testing::instantiate(*store, *module)->call("answer", {})->at(0), Value::i32(42));
  ASSERT_TRUE(second->wait_for_code_cache_writes(30s));
  EXPECT_GT(fs::file_size(file), 100u);  // rewritten with real code
}

TEST_F(EngineCodeCache, CompileErrorsAreStillReportedWithACacheDir) {
  auto engine = engine_with_cache();
  const std::vector<std::uint8_t> bytes = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                           0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
                                           0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
  auto module = engine->compile(bytes);
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.error().message.rfind("invalid wasm: CompileError", 0), 0u) << module.error().message;
  EXPECT_TRUE(engine->wait_for_code_cache_writes(5s));
}

}  // namespace
}  // namespace wasmgate::engine
