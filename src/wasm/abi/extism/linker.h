// What an Extism guest is linked against: the kernel instance's exports and the PDK host functions under
// `extism:host/env`, legacy `env.extism_*` aliases, and `wasi_snapshot_preview1` when WASI is on. The VM adds
// these, then its imports hook (Otoroshi host functions), then checks that every import of the guest is
// resolved, so a load error names the import instead of the engine's generic link failure.
#pragma once

#include <map>
#include <string>

#include "core/error.h"
#include "wasm/engine/imports.h"
#include "wasm/engine/instance.h"
#include "wasm/engine/wasm_binary.h"

namespace wasmgate::abi {

struct ExtismLinkOptions {
  bool wasi = false;  // WasmConfig.wasi
  // Imports withheld on purpose (VmHostContext::refused_imports: qualified name → why), or null.
  const std::map<std::string, std::string, std::less<>>* refused = nullptr;
};

// Adds the kernel's Extism exports (kKernelExtismExports only: wasmgate's own wg_* exports and the kernel
// memory are not importable) and every PDK host function under extism:host/env; the legacy aliases the guest
// imports under env; WASI preview1 (abi/wasi) when options.wasi — its per-VM state comes from install_wasi.
void add_extism_imports(engine::Imports& imports, const engine::ModuleInfo& guest, engine::Instance& kernel,
                        const ExtismLinkOptions& options);

// Ok when every import of `guest` has an entry in `imports` (type checks are the engine's). Otherwise
// PluginLoad naming each missing one: "unknown import extism:host/env.foo (func (i64) -> i64)",
// "import wasi_snapshot_preview1.fd_write needs WASI (wasi is false)", "unknown import env.extism_foo (not an
// Extism function)", "import env.proxy_http_call requires authorizations.httpAccess" (options.refused);
// several are joined with "; ".
Result<void> check_imports_resolved(const engine::ModuleInfo& guest, const engine::Imports& imports,
                                    const ExtismLinkOptions& options);

}  // namespace wasmgate::abi
