// The two modules of a VM — the guest and wasmgate's Extism kernel — compiled with their share of the
// memoryPages budget written into their memory limits. Compiled once per (bytes, memoryPages) and shared by
// every VM of a pool.
//
// memoryPages is, as in Extism 1.x, one budget for the whole plugin: kernel memory and guest memory together,
// initial sizes included (spec §1.2). V8 cannot refuse a memory.grow against a shared byte budget, so:
//   - at load, guest initial + kernel initial must fit ("module needs 36 pages but memoryPages=4 …");
//   - each memory's max is capped so that, with the other at its initial size, the pair fits: guest max =
//     budget − kernel initial, kernel max = budget − guest initial. A guest memory.grow past its cap returns
//     -1, a kernel alloc past its cap returns 0 — the same failures Extism's limiter produces;
//   - both may grow in one call, so after each call the VM checks the sum and fails the call (PluginMemory)
//     when it exceeds the budget. Within one call the overshoot is bounded by budget − both initial sizes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/error.h"
#include "wasm/engine/engine.h"
#include "wasm/engine/wasm_binary.h"

namespace wasmgate::wasm {

struct MemorySplit {
  std::uint32_t budget_pages = 0;  // memoryPages
  std::uint32_t guest_initial_pages = 0;
  std::uint32_t kernel_initial_pages = 0;
  std::uint32_t guest_max_pages = 0;   // cap written into the guest module
  std::uint32_t kernel_max_pages = 0;  // cap written into the kernel module

  std::uint64_t budget_bytes() const { return std::uint64_t{budget_pages} * engine::kWasmPageBytes; }
};

// The pages the kernel module starts with (read from its bytes once).
std::uint32_t kernel_initial_pages();

// PluginLoad "module needs 36 pages but memoryPages=4 (35 initial pages of its memory + 1 for the Extism
// kernel)" when the initial memories do not fit.
Result<MemorySplit> split_memory_budget(const engine::ModuleInfo& guest, std::uint32_t memory_pages);

struct VmModules {
  engine::ModulePtr guest;
  engine::ModulePtr kernel;
  MemorySplit split;
};
using VmModulesPtr = std::shared_ptr<const VmModules>;

// Parses and compiles `wasm` and the kernel with their caps. PluginLoad naming the problem: "invalid wasm:
// bad magic …", the memory budget, an engine compile error; each prefixed with `name` ("plugin x: …").
Result<VmModulesPtr> compile_vm_modules(engine::Engine& engine, std::span<const std::uint8_t> wasm,
                                        std::uint32_t memory_pages, std::string_view name);

}  // namespace wasmgate::wasm
