#include "wasm/abi/extism/legacy.h"

#include <array>
#include <string>

#include "wasm/abi/extism/pdk.h"

namespace wasmgate::abi {
namespace {

// Every Extism 1.x function under its legacy name; pre-1.0 PDKs use a subset (spec §5.3 lists the
// tutorial's).
constexpr std::array kAliases = {
    LegacyAlias{"extism_alloc", "alloc", LegacyTarget::Kernel},
    LegacyAlias{"extism_free", "free", LegacyTarget::Kernel},
    LegacyAlias{"extism_length", "length", LegacyTarget::Kernel},
    LegacyAlias{"extism_length_unsafe", "length_unsafe", LegacyTarget::Kernel},
    LegacyAlias{"extism_load_u8", "load_u8", LegacyTarget::Kernel},
    LegacyAlias{"extism_load_u64", "load_u64", LegacyTarget::Kernel},
    LegacyAlias{"extism_store_u8", "store_u8", LegacyTarget::Kernel},
    LegacyAlias{"extism_store_u64", "store_u64", LegacyTarget::Kernel},
    LegacyAlias{"extism_input_length", "input_length", LegacyTarget::Kernel},
    LegacyAlias{"extism_input_offset", "input_offset", LegacyTarget::Kernel},
    LegacyAlias{"extism_input_load_u8", "input_load_u8", LegacyTarget::Kernel},
    LegacyAlias{"extism_input_load_u64", "input_load_u64", LegacyTarget::Kernel},
    LegacyAlias{"extism_input_set", "input_set", LegacyTarget::Kernel},
    LegacyAlias{"extism_output_set", "output_set", LegacyTarget::Kernel},
    LegacyAlias{"extism_output_length", "output_length", LegacyTarget::Kernel},
    LegacyAlias{"extism_output_offset", "output_offset", LegacyTarget::Kernel},
    LegacyAlias{"extism_error_set", "error_set", LegacyTarget::Kernel},
    LegacyAlias{"extism_error_get", "error_get", LegacyTarget::Kernel},
    LegacyAlias{"extism_reset", "reset", LegacyTarget::Kernel},
    LegacyAlias{"extism_memory_bytes", "memory_bytes", LegacyTarget::Kernel},
    LegacyAlias{"extism_config_get", "config_get", LegacyTarget::Host},
    LegacyAlias{"extism_var_get", "var_get", LegacyTarget::Host},
    LegacyAlias{"extism_var_set", "var_set", LegacyTarget::Host},
    LegacyAlias{"extism_http_request", "http_request", LegacyTarget::Host},
    LegacyAlias{"extism_http_status_code", "http_status_code", LegacyTarget::Host},
    LegacyAlias{"extism_http_headers", "http_headers", LegacyTarget::Host},
    LegacyAlias{"extism_log_trace", "log_trace", LegacyTarget::Host},
    LegacyAlias{"extism_log_debug", "log_debug", LegacyTarget::Host},
    LegacyAlias{"extism_log_info", "log_info", LegacyTarget::Host},
    LegacyAlias{"extism_log_warn", "log_warn", LegacyTarget::Host},
    LegacyAlias{"extism_log_error", "log_error", LegacyTarget::Host},
    LegacyAlias{"extism_get_log_level", "get_log_level", LegacyTarget::Host},
};

}  // namespace

std::span<const LegacyAlias> legacy_aliases() {
  return kAliases;
}

const LegacyAlias* find_legacy_alias(std::string_view legacy_name) {
  for (const auto& alias : kAliases) {
    if (alias.legacy_name == legacy_name) return &alias;
  }
  return nullptr;
}

void add_legacy_imports(engine::Imports& imports, const engine::ModuleInfo& guest, engine::Instance& kernel) {
  for (const auto& import : guest.imports) {
    if (import.module != kLegacyModule) continue;
    const LegacyAlias* alias = find_legacy_alias(import.name);
    if (alias == nullptr) continue;
    if (alias->target == LegacyTarget::Kernel) {
      if (auto ext = kernel.export_extern(alias->target_name)) imports.add(import.module, import.name, *ext);
    } else if (const PdkFunction* fn = find_pdk_host_function(alias->target_name)) {
      imports.add(import.module, import.name, fn->function);
    }
  }
}

}  // namespace wasmgate::abi
