#include <gtest/gtest.h>

#include <thread>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using testing::fixture_bytes;
using testing::shared_engine;

TEST(EngineCompile, SameBytesReturnTheSameModule) {
  auto bytes = fixture_bytes("trap");
  auto first = shared_engine().compile(bytes);
  auto second = shared_engine().compile(bytes);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ((*first)->sha256().size(), 64u);
  EXPECT_EQ((*first)->byte_size(), bytes.size());
  EXPECT_GE(shared_engine().stats().modules.hits, 1u);
}

TEST(EngineCompile, ConcurrentCompilesOfOneModuleShareOneResult) {
  auto engine = create_v8_engine();
  auto bytes = fixture_bytes("features");
  std::vector<ModulePtr> modules(4);
  std::vector<std::thread> threads;
  for (auto& slot : modules) {
    threads.emplace_back([&] { slot = *engine->compile(bytes); });
  }
  for (auto& t : threads) t.join();
  for (const auto& m : modules) EXPECT_EQ(m.get(), modules[0].get());
  EXPECT_EQ(engine->stats().modules.compiles, 1u);
}

TEST(EngineCompile, ModuleIsFreedWhenNobodyHoldsIt) {
  auto engine = create_v8_engine();
  auto bytes = fixture_bytes("loop");
  { ASSERT_TRUE(engine->compile(bytes).ok()); }
  EXPECT_EQ(engine->stats().modules.live, 0u);
  ASSERT_TRUE(engine->compile(bytes).ok());
  EXPECT_EQ(engine->stats().modules.compiles, 2u);
}

TEST(EngineCompile, BadMagicFailsBeforeTheEngine) {
  auto module = shared_engine().compile(std::vector<std::uint8_t>{'n', 'o', 'p', 'e', 1, 0, 0, 0});
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.error().code, Errc::PluginLoad);
  EXPECT_EQ(module.error().message, "invalid wasm: bad magic (expected \\0asm)");
}

TEST(EngineCompile, InvalidCodeReportsV8CompileError) {
  // A well-formed header and sections, but a function body that does not type-check: (func (result i32))
  // empty.
  const std::vector<std::uint8_t> bytes = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
                                           0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,        // type () -> i32
                                           0x03, 0x02, 0x01, 0x00,                          // func 0: type 0
                                           0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};             // body: end
  auto module = shared_engine().compile(bytes, CompileOptions{std::nullopt, "plugin p1"});
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.error().code, Errc::PluginLoad);
  EXPECT_EQ(module.error().message.rfind("plugin p1: invalid wasm: CompileError: ", 0), 0u)
      << module.error().message;
  EXPECT_NE(module.error().message.find("Compiling function #0 failed"), std::string::npos);
}

TEST(EngineCompile, MemoryCapChangesTheBytesAndTheKey) {
  auto plain = testing::compile_fixture("bomb");
  auto capped = testing::compile_fixture("bomb", CompileOptions{8, ""});
  ASSERT_TRUE(plain && capped);
  EXPECT_NE(plain->sha256(), capped->sha256());
  EXPECT_EQ(capped->info().memories[0].max, 8u);
  EXPECT_FALSE(plain->info().memories[0].max);
}

TEST(EngineCompile, MemoryCapBelowInitialPagesFails) {
  auto module = shared_engine().compile(fixture_bytes("c_guest"), CompileOptions{1, "plugin p2"});
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.error().message, "plugin p2: memory 0 needs 2 pages but the cap is 1 pages");
}

TEST(EngineCompile, ReportsItsVersion) {
  EXPECT_EQ(shared_engine().name(), "v8");
  EXPECT_EQ(shared_engine().version().rfind("V8 10.2.", 0), 0u) << shared_engine().version();
}

}  // namespace
}  // namespace wasmgate::engine
