// How http_handler functions exchange data with the guest: every pointer is into the guest's own exported
// "memory" (not the Extism kernel's), checked through engine::MemoryView, and results follow the ABI's
// buf/buf_limit convention: a value longer than buf_limit is not written at all (the guest learns its length
// and may retry with a larger buffer).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "wasm/engine/host_function.h"
#include "wasm/engine/memory.h"

namespace wasmgate::abi::http_wasm {

// The calling guest's exported memory. PluginTrap "the http-wasm guest exports no memory" when it has none
// (or while a wasm start section runs, before exports exist).
Result<engine::MemoryView> guest_memory(engine::HostCall& call);

// [ptr, ptr+len) as text; an empty view for len 0 (ptr unread). PluginTrap "<what> out of memory: …"
// otherwise.
Result<std::string_view> read_guest(const engine::MemoryView& memory, std::uint32_t ptr, std::uint32_t len,
                                    std::string_view what);

// Writes `value` at buf when it fits in buf_limit and returns its length either way (the ABI's `len`). A
// region outside memory traps (PluginTrap naming `what`).
Result<std::uint32_t> write_if_fits(const engine::MemoryView& memory, std::uint32_t buf,
                                    std::uint32_t buf_limit, std::string_view value, std::string_view what);

// count_len of a NUL-terminated sequence: count << 32 | bytes, bytes counting one NUL per value; 0 when
// empty.
std::uint64_t count_len(std::span<const std::string_view> values);
// Writes "v1\0v2\0…" at buf when the whole sequence fits in buf_limit (nothing otherwise) and returns
// count_len.
Result<std::uint64_t> write_nul_terminated(const engine::MemoryView& memory, std::uint32_t buf,
                                           std::uint32_t buf_limit, std::span<const std::string_view> values,
                                           std::string_view what);

// Host-function arguments are i32 on the wire; buffers, lengths and limits are unsigned (u32) in the ABI.
inline std::uint32_t u32_arg(const engine::HostCall& call, std::size_t i) {
  return static_cast<std::uint32_t>(call.arg(i).as_i32());
}

}  // namespace wasmgate::abi::http_wasm
