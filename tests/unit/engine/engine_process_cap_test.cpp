// The process-wide memory cap (EngineOptions::process_max_memory_pages → --wasm-max-mem-pages) can only be set
// before V8 starts, so it is checked in a fresh child process (gtest's threadsafe death-test style re-executes
// this test alone).
#include <gtest/gtest.h>

#include <cstdlib>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

void grow_under_process_cap() {
  EngineOptions options;
  options.process_max_memory_pages = 8;
  auto engine = create_v8_engine(options);
  auto module = engine->compile(testing::fixture_bytes("bomb"));  // declares no maximum
  if (!module) std::exit(2);
  auto store = engine->new_store();
  auto instance = store->instantiate(*module, {});
  if (!instance) std::exit(3);
  auto pages = (*instance)->call("grow_until_fail", {});
  std::exit(pages && pages->at(0) == Value::i32(8) ? 0 : 4);
}

TEST(EngineProcessCapDeathTest, ProcessCapStopsAModuleWithoutADeclaredMax) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(grow_under_process_cap(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace wasmgate::engine
