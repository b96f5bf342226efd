// What a WASI host function works with: its arguments, the VM's WASI state, and a checked view of the
// guest's own exported linear memory (WASI pointers are into the guest's memory, not the Extism kernel's).
// Helpers shared by the function families: rights checks, iovecs, filestat encoding.
#pragma once

#include <sys/stat.h>
#include <sys/uio.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/abi/wasi/wasi_state.h"
#include "wasm/abi/wasi/wasi_types.h"
#include "wasm/engine/host_function.h"
#include "wasm/engine/memory.h"

namespace wasmgate::abi {

struct WasiCall {
  engine::HostCall& host;
  VmHostContext& context;
  WasiState& state;
  engine::MemoryView memory;  // empty when the guest exports no "memory": every access is then EFAULT

  // Arguments as the witx lowering passes them (u32 pointers, sizes, fds and flags; u64 offsets, rights).
  std::uint32_t u32(std::size_t i) const { return static_cast<std::uint32_t>(host.arg(i).as_i32()); }
  std::uint64_t u64(std::size_t i) const { return static_cast<std::uint64_t>(host.arg(i).as_i64()); }

  // Guest bytes [ptr, ptr+len) as a string, or nullopt when outside memory.
  std::optional<std::string_view> string(std::uint32_t ptr, std::uint32_t len) const;
  // Stores `value` at `ptr`: kSuccess, or EFAULT when outside memory.
  template <typename T>
  WasiErrno store(std::uint32_t ptr, const T& value) const {
    return memory.store(ptr, value) ? wasi_errno::kSuccess : wasi_errno::kFault;
  }

  // The open fd `fd` holding every right in `needed`: EBADF if not open, ENOTCAPABLE if a right is missing.
  WasiErrno lookup(std::uint32_t fd, WasiRights needed, WasiFd*& out);
};

// Every WASI host function: returns the errno the guest gets, or an Error that ends the call (proc_exit).
using WasiCallback = Result<WasiErrno> (*)(WasiCall& call);

// Host iovecs over the guest's iovec array at `iovs` (`count` entries), each buffer checked against memory:
// EFAULT outside memory, EINVAL above IOV_MAX entries.
WasiErrno guest_iovecs(const engine::MemoryView& memory, std::uint32_t iovs, std::uint32_t count,
                       std::vector<iovec>& out);

WasiFiletype wasi_filetype(mode_t mode);
std::uint64_t wasi_timestamp(const timespec& time);
// Writes a preview1 filestat for `st` at `ptr` (EFAULT outside memory).
WasiErrno store_filestat(const WasiCall& call, std::uint32_t ptr, const struct stat& st);
// The two timespecs utimensat/futimens take, from WASI times and fstflags (EINVAL for ATIM with ATIM_NOW).
WasiErrno wasi_times(std::uint64_t atim, std::uint64_t mtim, std::uint16_t fst_flags, timespec out[2]);

}  // namespace wasmgate::abi
