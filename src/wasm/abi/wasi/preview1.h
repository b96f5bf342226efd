// `wasi_snapshot_preview1` for plugins with `wasi: true`: all 46 functions of WASI preview1, linked by the
// Extism linker. Per-VM state (fds, preopens, exit code) is installed by install_wasi (wasi_state.h); the
// functions find it through the VM's host context, so one table serves every VM.
//   args / environ    empty (a plugin sees none of the gateway's)
//   clocks, random    host clocks; OpenSSL RAND_bytes
//   fd_write 1 / 2    gateway log lines "[plugin <id> stdout] …" (info) / "… stderr] …" (warn); stdin is
//   empty proc_exit         ends the call: code 0 = success with the output set so far, else PluginTrap
//   filesystem        only beneath allowedPaths preopens (read-only unless `rw:`), kernel-confined
//   poll_oneoff       clock waits (bounded by the call deadline); files are always ready
//   sockets           none exist: sock_* answer EBADF / ENOTSOCK
#pragma once

#include <span>
#include <string_view>

#include "wasm/engine/imports.h"
#include "wasm/engine/types.h"

namespace wasmgate::abi {

inline constexpr std::string_view kWasiModule = "wasi_snapshot_preview1";

struct WasiSignature {
  std::string_view name;
  engine::FuncType type;
};

// All 46 functions of WASI preview1 (witx `wasi_snapshot_preview1`), in the spec's order.
std::span<const WasiSignature> wasi_preview1_signatures();
const WasiSignature* find_wasi_signature(std::string_view name);

// Adds every preview1 function under kWasiModule. A call from a VM without install_wasi fails the call.
void add_wasi_imports(engine::Imports& imports);

}  // namespace wasmgate::abi
