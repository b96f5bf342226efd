#include "wasm/engine/wasm_binary.h"

#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace wasmgate::engine {
namespace {

using testing::fixture_bytes;

TEST(WasmBinary, ReadsImportsAndExportsWithTypes) {
  auto info = parse_module(fixture_bytes("host_add"));
  ASSERT_TRUE(info.ok()) << info.error().message;
  ASSERT_EQ(info->imports.size(), 2u);
  EXPECT_EQ(info->imports[0].qualified_name(), "env.host_add");
  EXPECT_EQ(info->imports[0].type.kind, ExternKind::Func);
  EXPECT_EQ(info->imports[0].type.func.to_string(), "(i32, i32) -> i32");

  const ExportDesc* run = info->find_export("run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->type.func.to_string(), "(i32) -> i32");
  const ExportDesc* memory = info->find_export("memory");
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->type.kind, ExternKind::Memory);
  EXPECT_EQ(memory->type.limits, (Limits{1, 4}));
  EXPECT_EQ(info->find_export("nop_void")->type.func.to_string(), "() -> ()");
}

TEST(WasmBinary, ReadsImportedMemoryGlobalsAndTables) {
  auto linked = parse_module(fixture_bytes("linked"));
  ASSERT_TRUE(linked.ok());
  EXPECT_EQ(linked->imports[0].type.kind, ExternKind::Memory);
  EXPECT_EQ(linked->imports[0].type.limits.min, 1u);
  EXPECT_EQ(linked->imports[1].type.func.to_string(), "(i64) -> i64");

  auto features = parse_module(fixture_bytes("features"));
  ASSERT_TRUE(features.ok()) << features.error().message;
  EXPECT_EQ(features->find_export("counter")->type.global, (GlobalType{ValType::I32, true}));
  EXPECT_EQ(features->find_export("half")->type.global, (GlobalType{ValType::F64, false}));
  EXPECT_EQ(features->find_export("table")->type.table.element, ValType::FuncRef);
  EXPECT_EQ(features->find_export("swap")->type.func.to_string(), "(i32, i32) -> (i32, i32)");
  EXPECT_EQ(features->find_export("keep_ref")->type.func.to_string(), "(externref) -> externref");
}

TEST(WasmBinary, RejectsBadMagicWithClearMessage) {
  std::vector<std::uint8_t> bytes = {'n', 'o', 'p', 'e', 1, 0, 0, 0};
  auto info = parse_module(bytes);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, Errc::PluginLoad);
  EXPECT_EQ(info.error().message, "invalid wasm: bad magic (expected \\0asm)");
}

TEST(WasmBinary, RejectsShortInputWrongVersionAndTruncatedSections) {
  EXPECT_NE(parse_module(std::vector<std::uint8_t>{0, 'a', 's'}).error().message.find("too short"),
            std::string::npos);
  auto v2 = parse_module(std::vector<std::uint8_t>{0, 'a', 's', 'm', 2, 0, 0, 0});
  EXPECT_EQ(v2.error().message, "invalid wasm: unsupported version 2 (expected 1)");

  auto bytes = fixture_bytes("host_add");
  bytes.resize(bytes.size() - 3);
  auto truncated = parse_module(bytes);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("truncated at offset"), std::string::npos)
      << truncated.error().message;
}

TEST(WasmBinary, RequireExportListsWhatExists) {
  auto info = parse_module(fixture_bytes("trap"));
  ASSERT_TRUE(info.ok());
  auto missing = require_export(*info, "execute", ExternKind::Func);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "export \"execute\" not found (exports: unreachable, div0, answer)");
  EXPECT_TRUE(require_export(*info, "answer", ExternKind::Func).ok());

  auto with_memory = parse_module(fixture_bytes("oob"));
  auto wrong_kind = require_export(*with_memory, "memory", ExternKind::Func);
  EXPECT_EQ(wrong_kind.error().message, "export \"memory\" is a memory, expected a func");
}

TEST(WasmBinary, MemoryNeedsReportsInitialAndMax) {
  auto bomb = memory_needs(*parse_module(fixture_bytes("bomb")));
  EXPECT_TRUE(bomb.has_memory);
  EXPECT_FALSE(bomb.imported);
  EXPECT_EQ(bomb.initial_pages, 1u);
  EXPECT_FALSE(bomb.declared_max_pages);

  auto linked = memory_needs(*parse_module(fixture_bytes("linked")));
  EXPECT_TRUE(linked.imported);
  EXPECT_FALSE(memory_needs(*parse_module(fixture_bytes("loop"))).has_memory);
}

TEST(WasmBinary, CapMemoryMaxRewritesTheMemorySection) {
  auto capped = cap_memory_max(fixture_bytes("bomb"), 8);
  ASSERT_TRUE(capped.ok()) << capped.error().message;
  EXPECT_TRUE(capped->changed);
  EXPECT_FALSE(capped->before.declared_max_pages);
  auto info = parse_module(capped->bytes);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->memories[0], (Limits{1, 8}));
  EXPECT_EQ(info->export_names(), parse_module(fixture_bytes("bomb"))->export_names());
}

TEST(WasmBinary, CapMemoryMaxKeepsASmallerDeclaredMax) {
  auto capped = cap_memory_max(fixture_bytes("host_add"), 100);  // declares max 4
  ASSERT_TRUE(capped.ok());
  EXPECT_FALSE(capped->changed);
  EXPECT_EQ(capped->bytes, fixture_bytes("host_add"));
}

TEST(WasmBinary, CapMemoryMaxRefusesWhenInitialPagesExceedTheCap) {
  auto capped = cap_memory_max(fixture_bytes("c_guest"), 1);  // clang's data + stack need 2 pages
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().message, "memory 0 needs 2 pages but the cap is 1 pages");
}

}  // namespace
}  // namespace wasmgate::engine
