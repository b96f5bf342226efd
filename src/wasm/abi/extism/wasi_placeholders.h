// `wasi_snapshot_preview1` for `wasi: true` plugins until abi/wasi/preview1 exists: every preview1 function
// with its exact signature, each trapping with "WASI not enabled: wasi_snapshot_preview1.<name> ...". A
// module that imports WASI thus loads (and runs as long as it does not call WASI), instead of failing to
// link. With `wasi: false` nothing is linked and the load check names the import.
// TODO(wasi-preview1): replace by the real implementation; the signature table moves with it.
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

// Adds a trapping placeholder for every preview1 function under kWasiModule.
void add_wasi_placeholders(engine::Imports& imports);

}  // namespace wasmgate::abi
