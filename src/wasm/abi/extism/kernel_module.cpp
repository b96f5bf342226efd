#include "wasm/abi/extism/kernel_module.h"

#include <cstddef>

namespace wasmgate::abi {

// Defined in the .cpp that cmake/Kernel.cmake generates from the built kernel.wasm.
extern const std::uint8_t kExtismKernelWasmBytes[];
extern const std::size_t kExtismKernelWasmSize;

std::span<const std::uint8_t> extism_kernel_wasm() {
  return {kExtismKernelWasmBytes, kExtismKernelWasmSize};
}

std::optional<KernelState> read_kernel_state(const engine::MemoryView& view, std::uint32_t state_address) {
  if (!view.contains(state_address, kKernelStateBytes)) return std::nullopt;
  const auto u64_at = [&](std::uint32_t field) { return *view.load<std::uint64_t>(state_address + field); };
  const auto u32_at = [&](std::uint32_t field) { return *view.load<std::uint32_t>(state_address + field); };
  if (u32_at(kKernelStateMagic) != kKernelStateMagicValue) return std::nullopt;
  KernelState state;
  state.input_offset = u64_at(kKernelStateInputOffset);
  state.input_length = u64_at(kKernelStateInputLength);
  state.output_offset = u64_at(kKernelStateOutputOffset);
  state.output_length = u64_at(kKernelStateOutputLength);
  state.error_offset = u64_at(kKernelStateErrorOffset);
  state.error_length = u64_at(kKernelStateErrorLength);
  state.live_tag = u32_at(kKernelStateLiveTag);
  state.heap_start = u32_at(kKernelStateHeapStart);
  state.heap_top = u32_at(kKernelStateHeapTop);
  return state;
}

// Mirrors is_live_block() in kernel.c; stricter in one way (length <= capacity), since the host hands out the
// span: a forged header can then only point inside the heap the guest could already read.
std::optional<std::span<std::uint8_t>> kernel_block(const engine::MemoryView& view, const KernelState& state,
                                                    std::uint64_t handle) {
  if (handle % kKernelBlockAlignBytes != 0) return std::nullopt;
  if (handle < std::uint64_t{state.heap_start} + kKernelBlockHeaderBytes || handle >= state.heap_top) {
    return std::nullopt;
  }
  const std::uint64_t header = handle - kKernelBlockHeaderBytes;
  const auto tag = view.load<std::uint32_t>(header + kKernelBlockTag);
  const auto capacity = view.load<std::uint32_t>(header + kKernelBlockCapacity);
  const auto length = view.load<std::uint32_t>(header + kKernelBlockLength);
  if (!tag || !capacity || !length || *tag != state.live_tag) return std::nullopt;
  if (*capacity == 0 || *capacity > state.heap_top - handle || *length > *capacity) return std::nullopt;
  return view.slice(handle, *length);
}

}  // namespace wasmgate::abi
