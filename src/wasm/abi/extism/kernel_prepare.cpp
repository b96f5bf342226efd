// prepare_call_in_memory: kernel.c's k_wg_prepare_call (k_reset, then alloc_block(n, zero = 0, exact = 1)) done
// from the host by writing the kernel's memory. Right after a reset every free list is empty, so the block is
// always carved by bump() at heap_start; the only case left to the kernel is a block that needs memory to grow.
#include <cstdint>
#include <optional>

#include "wasm/abi/extism/kernel_module.h"

namespace wasmgate::abi {
namespace {

// kernel.c's constants and tag derivation (WG_TAG, WG_KIND_*, WG_MAX_*, kGranuleBytes).
constexpr std::uint32_t kGranuleBytes = 16;
constexpr std::uint64_t kMaxAllocBytes = 0xC0000000ull;
constexpr std::uint64_t kMaxHeapEnd = 0xFFFF0000ull;
constexpr std::uint32_t kKindLive = 0x4C495645u;
constexpr std::uint32_t kKindFree = 0x46524545u;

constexpr std::uint32_t tag(std::uint32_t generation, std::uint32_t kind) {
  return (generation * 0x9E3779B1u) ^ kind;
}

}  // namespace

std::optional<std::uint64_t> prepare_call_in_memory(const engine::MemoryView& view, std::uint32_t state_address,
                                                    std::uint64_t input_length) {
  if (!view.contains(state_address, kKernelStateFullBytes) || input_length > kMaxAllocBytes) return std::nullopt;
  const std::uint64_t s = state_address;
  if (*view.load<std::uint32_t>(s + kKernelStateMagic) != kKernelStateMagicValue) return std::nullopt;
  const std::uint32_t heap_start = *view.load<std::uint32_t>(s + kKernelStateHeapStart);

  // The input block first, so that nothing is written when the kernel must do it (it needs to grow memory).
  std::uint64_t handle = 0;
  std::uint64_t new_top = heap_start;
  if (input_length != 0) {
    const std::uint64_t capacity = (input_length + kGranuleBytes - 1) / kGranuleBytes * kGranuleBytes;
    handle = std::uint64_t{heap_start} + kKernelBlockHeaderBytes;
    new_top = handle + capacity;
    if (new_top > kMaxHeapEnd || new_top > view.size) return std::nullopt;
  }

  // k_reset.
  const std::uint32_t heap_top = *view.load<std::uint32_t>(s + kKernelStateHeapTop);
  if (heap_top > *view.load<std::uint32_t>(s + kKernelStateDirtyTop)) view.store(s + kKernelStateDirtyTop, heap_top);
  const std::uint32_t generation = *view.load<std::uint32_t>(s + kKernelStateGeneration) + 1;
  const std::uint32_t live_tag = tag(generation, kKindLive);
  view.store(s + kKernelStateGeneration, generation);
  view.store(s + kKernelStateLiveTag, live_tag);
  view.store(s + kKernelStateFreeTag, tag(generation, kKindFree));
  view.store(s + kKernelStateNonEmpty, std::uint64_t{0});
  view.store(s + kKernelStateNonEmpty + 8, std::uint64_t{0});
  for (std::uint32_t field : {kKernelStateOutputOffset, kKernelStateOutputLength, kKernelStateErrorOffset,
                              kKernelStateErrorLength}) {
    view.store(s + field, std::uint64_t{0});
  }

  // bump() + activate() + input_set: header {length, capacity, tag, next_free}; no zeroing (zero = 0: the host
  // overwrites the block with the input).
  if (handle != 0) {
    const std::uint64_t header = handle - kKernelBlockHeaderBytes;
    view.store(header + kKernelBlockLength, static_cast<std::uint32_t>(input_length));
    view.store(header + kKernelBlockCapacity, static_cast<std::uint32_t>(new_top - handle));
    view.store(header + kKernelBlockTag, live_tag);
    view.store(header + kKernelBlockTag + 4, std::uint32_t{0});  // next_free
  }
  view.store(s + kKernelStateHeapTop, static_cast<std::uint32_t>(new_top));
  view.store(s + kKernelStateInputOffset, handle);
  view.store(s + kKernelStateInputLength, handle != 0 ? input_length : 0);
  return handle;
}

}  // namespace wasmgate::abi
