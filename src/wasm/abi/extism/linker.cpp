#include "wasm/abi/extism/linker.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <vector>

#include "wasm/abi/extism/kernel_module.h"
#include "wasm/abi/extism/legacy.h"
#include "wasm/abi/extism/pdk.h"
#include "wasm/abi/wasi/preview1.h"

namespace wasmgate::abi {
namespace {

std::string describe_missing(const engine::ImportDesc& import, const ExtismLinkOptions& options) {
  const std::string name = import.qualified_name();
  const std::string type = import.type.to_string();
  if (options.refused != nullptr) {
    if (const auto it = options.refused->find(name); it != options.refused->end()) {
      return fmt::format("import {} {}", name, it->second);
    }
  }
  if (import.module == kWasiModule && !options.wasi) {
    return fmt::format("import {} ({}) needs WASI (wasi is false)", name, type);
  }
  if (import.module == kLegacyModule && import.name.starts_with(kLegacyPrefix)) {
    return fmt::format("unknown import {} ({}; not an Extism function)", name, type);
  }
  return fmt::format("unknown import {} ({})", name, type);
}

}  // namespace

void add_extism_imports(engine::Imports& imports, const engine::ModuleInfo& guest, engine::Instance& kernel,
                        const ExtismLinkOptions& options) {
  const std::string module(kExtismHostModule);
  for (std::string_view name : kKernelExtismExports) {
    if (auto ext = kernel.export_extern(name)) imports.add(module, std::string(name), *ext);
  }
  add_pdk_host_functions(imports, module);
  add_legacy_imports(imports, guest, kernel);
  if (options.wasi) add_wasi_imports(imports);
}

Result<void> check_imports_resolved(const engine::ModuleInfo& guest, const engine::Imports& imports,
                                    const ExtismLinkOptions& options) {
  std::vector<std::string> missing;
  for (const auto& import : guest.imports) {
    if (imports.find(import.module, import.name) == nullptr)
      missing.push_back(describe_missing(import, options));
  }
  if (missing.empty()) return {};
  return make_error(Errc::PluginLoad, fmt::format("{}", fmt::join(missing, "; ")));
}

}  // namespace wasmgate::abi
