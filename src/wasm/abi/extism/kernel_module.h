// wasmgate's Extism kernel: a small wasm module (extism/kernel/kernel.c, built and embedded at build time)
// that implements the memory half of `extism:host/env` — allocator, input/output/error, load/store. One
// instance lives next to each guest; its exports are linked as the guest's `extism:host/env` imports (DESIGN
// §5), so the accessors guests call in loops are wasm→wasm calls. The host half (config_get, var_*, http_*,
// log_*, get_log_level) is C++ and is linked under the same module name.
//
// Per plugin call the host does one call in and reads the results from memory:
//   1. `wg_prepare_call(len)` (reset + alloc + input_set) → memcpy the input to the returned offset
//      (take a fresh MemoryView after the call: memory may have grown);
//   2. call the guest's export;
//   3. read_kernel_state(view, wg_state address) → output and error ranges, no call.
// The wg_state global is immutable: read it once per instance.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "wasm/engine/memory.h"

namespace wasmgate::abi {

// The kernel module's bytes (no imports, one growable memory exported as "memory", initially 1 page).
std::span<const std::uint8_t> extism_kernel_wasm();

// The import module guests link against (Extism 1.x).
inline constexpr std::string_view kExtismHostModule = "extism:host/env";

// The Extism ABI exports of the kernel (wasm types in the comment; i64 handles are offsets into the kernel's
// memory, 0 = null or failure).
inline constexpr std::array<std::string_view, 20> kKernelExtismExports = {
    "alloc",           // (i64 n) -> i64 handle; 0 when n == 0 or out of memory
    "free",            // (i64 h); invalid handles and the current input/output/error block are ignored
    "length",          // (i64 h) -> i64; 0 unless h is a live block
    "length_unsafe",   // (i64 h) -> i64; cheaper check, same answer for live blocks
    "load_u8",         // (i64 p) -> i32; traps outside [heap_start, memory end)
    "load_u64",        // (i64 p) -> i64; idem, unaligned
    "store_u8",        // (i64 p, i32 v); idem
    "store_u64",       // (i64 p, i64 v); idem
    "input_length",    // () -> i64
    "input_offset",    // () -> i64
    "input_load_u8",   // (i64 off) -> i32; relative to the input, 0 past its end
    "input_load_u64",  // (i64 off) -> i64; 0 unless all 8 bytes are inside the input
    "input_set",       // (i64 h, i64 len); ignored unless the range is inside the heap
    "output_set",      // (i64 p, i64 len); idem
    "output_length",   // () -> i64
    "output_offset",   // () -> i64
    "error_set",       // (i64 h); 0 clears
    "error_get",       // () -> i64
    "reset",           // (); frees every block, clears input/output/error
    "memory_bytes",    // () -> i64; heap bytes handed out since the last reset
};
inline constexpr std::string_view kKernelMemoryExport = "memory";

// wasmgate additions.
// (i32 input_len) -> i32, both unsigned: reset, allocate the input block, input_set; returns where to copy the
// input (0 when input_len is 0 or memory is exhausted). i32 so the host→wasm crossing boxes no BigInt.
inline constexpr std::string_view kKernelPrepareCall = "wg_prepare_call";
// Immutable i32 global: the address of the state struct below.
inline constexpr std::string_view kKernelStateGlobal = "wg_state";

// wg_state layout: byte offsets from the address in the wg_state global, little-endian.
inline constexpr std::uint32_t kKernelStateInputOffset = 0;    // u64
inline constexpr std::uint32_t kKernelStateInputLength = 8;    // u64
inline constexpr std::uint32_t kKernelStateOutputOffset = 16;  // u64
inline constexpr std::uint32_t kKernelStateOutputLength = 24;  // u64
inline constexpr std::uint32_t kKernelStateErrorOffset = 32;   // u64, 0 = no error
inline constexpr std::uint32_t kKernelStateErrorLength = 40;   // u64, length of the error block at error_set
inline constexpr std::uint32_t kKernelStateMagic = 48;         // u32, kKernelStateMagicValue
inline constexpr std::uint32_t kKernelStateLiveTag = 52;       // u32, tag of live block headers right now
inline constexpr std::uint32_t kKernelStateHeapStart = 56;     // u32, first block header
inline constexpr std::uint32_t kKernelStateHeapTop = 60;       // u32, end of the blocks handed out
inline constexpr std::uint32_t kKernelStateBytes = 64;  // the public part (the kernel keeps more after)
// The private part, written only by prepare_call_in_memory (it mirrors k_reset).
inline constexpr std::uint32_t kKernelStateGeneration = 64;  // u32
inline constexpr std::uint32_t kKernelStateFreeTag = 68;     // u32
inline constexpr std::uint32_t kKernelStateDirtyTop = 72;    // u32
inline constexpr std::uint32_t kKernelStateNonEmpty = 80;    // u64[2], free-list bitmap
inline constexpr std::uint32_t kKernelStateFullBytes = 96;
inline constexpr std::uint32_t kKernelStateMagicValue = 0x314B4757;  // "WGK1": layout version 1

// Block header, right before the data a handle points at. Handles are 16-byte aligned.
inline constexpr std::uint32_t kKernelBlockHeaderBytes = 16;
inline constexpr std::uint32_t kKernelBlockLength = 0;    // u32, bytes the guest asked for (what length says)
inline constexpr std::uint32_t kKernelBlockCapacity = 4;  // u32, bytes usable, a multiple of 16
inline constexpr std::uint32_t kKernelBlockTag = 8;       // u32, == live tag while the block is live
inline constexpr std::uint32_t kKernelBlockAlignBytes = 16;

struct KernelState {
  std::uint64_t input_offset = 0;
  std::uint64_t input_length = 0;
  std::uint64_t output_offset = 0;
  std::uint64_t output_length = 0;
  std::uint64_t error_offset = 0;
  std::uint64_t error_length = 0;
  std::uint32_t live_tag = 0;
  std::uint32_t heap_start = 0;
  std::uint32_t heap_top = 0;
};

// Decodes wg_state at `state_address` (the value of the wg_state global). nullopt when the struct is outside
// the memory or the magic is not kKernelStateMagicValue (another kernel build, or memory the guest broke).
std::optional<KernelState> read_kernel_state(const engine::MemoryView& view, std::uint32_t state_address);

// The data of live block `handle`, exactly as the kernel's `length` export would judge it, without a call
// (host functions reading a key or message handle). nullopt for 0, a stale, freed or forged handle.
std::optional<std::span<std::uint8_t>> kernel_block(const engine::MemoryView& view, const KernelState& state,
                                                    std::uint64_t handle);

// What wg_prepare_call does — reset, then the input block carved at the bottom of the heap, then input_set —
// done by writing the kernel's memory directly, which saves the host→wasm call before every plugin call
// (~2.7 k instructions in V8 10.2, a sixth of a trivial plugin). Mirrors k_reset + alloc_block(n, 0, 1) in
// kernel.c field by field (a unit test holds the two byte-identical). Returns where to copy the input (0
// for an empty input), or nullopt when this path cannot do it — the block needs more memory than the kernel
// has now (growing is the kernel's business: call wg_prepare_call then), or the state is not the layout this
// build expects.
std::optional<std::uint64_t> prepare_call_in_memory(const engine::MemoryView& view, std::uint32_t state_address,
                                                    std::uint64_t input_length);

}  // namespace wasmgate::abi
