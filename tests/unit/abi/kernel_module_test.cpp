// The embedded kernel module's shape: the Extism ABI exports with their exact wasm types, no imports, one
// growable memory, and the wg_state global the host reads.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel_test_support.h"
#include "wasm/engine/wasm_binary.h"

namespace wasmgate::abi {
namespace {

using engine::ExternKind;
using engine::FuncType;
using engine::ValType;
using testing::KernelVm;

constexpr ValType I32 = ValType::I32;
constexpr ValType I64 = ValType::I64;

struct ExpectedExport {
  std::string name;
  FuncType type;
};

// Extism 1.x `extism:host/env` kernel functions (spec otoroshi-wasm.md §5.2), written out independently of
// kernel_module.h so a change on either side shows here.
const std::vector<ExpectedExport>& expected_exports() {
  static const std::vector<ExpectedExport> table = {
      {"alloc", {{I64}, {I64}}},
      {"free", {{I64}, {}}},
      {"length", {{I64}, {I64}}},
      {"length_unsafe", {{I64}, {I64}}},
      {"load_u8", {{I64}, {I32}}},
      {"load_u64", {{I64}, {I64}}},
      {"store_u8", {{I64, I32}, {}}},
      {"store_u64", {{I64, I64}, {}}},
      {"input_length", {{}, {I64}}},
      {"input_offset", {{}, {I64}}},
      {"input_load_u8", {{I64}, {I32}}},
      {"input_load_u64", {{I64}, {I64}}},
      {"input_set", {{I64, I64}, {}}},
      {"output_set", {{I64, I64}, {}}},
      {"output_length", {{}, {I64}}},
      {"output_offset", {{}, {I64}}},
      {"error_set", {{I64}, {}}},
      {"error_get", {{}, {I64}}},
      {"reset", {{}, {}}},
      {"memory_bytes", {{}, {I64}}},
      {"wg_prepare_call", {{I32}, {I32}}},
  };
  return table;
}

engine::ModuleInfo kernel_info() {
  auto info = engine::parse_module(extism_kernel_wasm());
  EXPECT_TRUE(info.ok()) << (info ? "" : info.error().message);
  return info ? *info : engine::ModuleInfo{};
}

TEST(KernelModule, ExportsEveryExtismKernelFunctionWithItsExactType) {
  const engine::ModuleInfo info = kernel_info();
  for (const ExpectedExport& want : expected_exports()) {
    const engine::ExportDesc* got = info.find_export(want.name);
    ASSERT_NE(got, nullptr) << "missing export " << want.name << " (exports: " << info.export_names() << ")";
    EXPECT_EQ(got->type.kind, ExternKind::Func) << want.name;
    EXPECT_EQ(got->type.func, want.type) << want.name << " is " << got->type.func.to_string();
  }
}

TEST(KernelModule, HeaderListsTheSameExtismExports) {
  std::vector<std::string> from_header(kKernelExtismExports.begin(), kKernelExtismExports.end());
  std::vector<std::string> from_table;
  for (const ExpectedExport& e : expected_exports()) {
    if (e.name != kKernelPrepareCall) from_table.push_back(e.name);
  }
  EXPECT_EQ(from_header, from_table);
}

TEST(KernelModule, HasNoImportsAndOneGrowableMemoryOfOnePage) {
  const engine::ModuleInfo info = kernel_info();
  EXPECT_TRUE(info.imports.empty());
  EXPECT_FALSE(info.start_function.has_value());
  ASSERT_EQ(info.memories.size(), 1u);
  EXPECT_EQ(info.memories[0].min, 1u);
  EXPECT_FALSE(info.memories[0].max.has_value());  // the runtime caps it per plugin
  const engine::ExportDesc* memory = info.find_export(kKernelMemoryExport);
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->type.kind, ExternKind::Memory);
}

TEST(KernelModule, ExportsTheStateAddressAsAnImmutableI32Global) {
  const engine::ModuleInfo info = kernel_info();
  const engine::ExportDesc* state = info.find_export(kKernelStateGlobal);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->type.kind, ExternKind::Global);
  EXPECT_EQ(state->type.global, (engine::GlobalType{I32, false}));
}

TEST(KernelModule, FreshInstanceHasAnEmptyStateWithTheExpectedMagic) {
  KernelVm vm;
  auto state = read_kernel_state(vm.view(), vm.state_address());
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->input_offset, 0u);
  EXPECT_EQ(state->input_length, 0u);
  EXPECT_EQ(state->output_offset, 0u);
  EXPECT_EQ(state->output_length, 0u);
  EXPECT_EQ(state->error_offset, 0u);
  EXPECT_EQ(state->heap_start % kKernelBlockAlignBytes, 0u);
  EXPECT_EQ(state->heap_top, state->heap_start);
  EXPECT_GT(state->heap_start, vm.state_address());  // the state sits below the heap, out of guests' reach
  EXPECT_EQ(vm.memory_bytes(), 0u);
}

TEST(KernelModule, StateReaderRefusesAWrongMagicOrAnAddressOutsideMemory) {
  KernelVm vm;
  EXPECT_FALSE(read_kernel_state(vm.view(), vm.state_address() + 8).has_value());
  EXPECT_FALSE(read_kernel_state(vm.view(), static_cast<std::uint32_t>(vm.view().size - 8)).has_value());
}

}  // namespace
}  // namespace wasmgate::abi
