// The pre-1.0 Extism ABI: guests built with old PDKs import `env.extism_<name>` (Otoroshi's tutorial files
// first-validator.wasm and wasm-target.wasm do, spec §5.3). Each legacy name maps to the same function as its
// Extism 1.x name — a kernel export (wasm→wasm) or a PDK host function — through one explicit table.
#pragma once

#include <span>
#include <string_view>

#include "core/error.h"
#include "wasm/engine/imports.h"
#include "wasm/engine/instance.h"
#include "wasm/engine/wasm_binary.h"

namespace wasmgate::abi {

inline constexpr std::string_view kLegacyModule = "env";
inline constexpr std::string_view kLegacyPrefix = "extism_";

enum class LegacyTarget { Kernel, Host };

struct LegacyAlias {
  std::string_view legacy_name;  // import name under env, e.g. "extism_alloc"
  std::string_view target_name;  // Extism 1.x name, e.g. "alloc"
  LegacyTarget target;
};

std::span<const LegacyAlias> legacy_aliases();
// The alias for an import name under env, or nullptr (not a legacy Extism name).
const LegacyAlias* find_legacy_alias(std::string_view legacy_name);

// Adds, under env, the legacy aliases that `guest` imports, resolved against `kernel` (its exports) and the
// PDK host functions. Imports with an unknown extism_ name are left unresolved (the load check names them).
void add_legacy_imports(engine::Imports& imports, const engine::ModuleInfo& guest, engine::Instance& kernel);

}  // namespace wasmgate::abi
