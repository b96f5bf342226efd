#include "wasm/abi/extism/pdk.h"

#include <memory>
#include <string>
#include <utility>

#include "wasm/abi/extism/kernel_module.h"

namespace wasmgate::abi {

PdkFunction make_pdk_function(std::string_view name, engine::FuncType type, PdkCallback callback) {
  auto function = std::make_shared<const engine::HostFunction>(
      engine::HostFunction{std::string(kExtismHostModule) + "." + std::string(name), std::move(type),
                           [callback](engine::HostCall& call) -> Result<void> {
                             auto context = host_context(call);
                             if (!context) return context.take_error();
                             return callback(call, **context);
                           }});
  return PdkFunction{name, std::move(function)};
}

std::span<const PdkFunction> pdk_host_functions() {
  static const std::vector<PdkFunction> table = [] {
    std::vector<PdkFunction> t;
    add_pdk_config_functions(t);
    add_pdk_var_functions(t);
    add_pdk_http_functions(t);
    add_pdk_log_functions(t);
    return t;
  }();
  return table;
}

const PdkFunction* find_pdk_host_function(std::string_view name) {
  for (const auto& entry : pdk_host_functions()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

void add_pdk_host_functions(engine::Imports& imports, std::string_view module) {
  for (const auto& entry : pdk_host_functions()) {
    imports.add(std::string(module), std::string(entry.name), entry.function);
  }
}

}  // namespace wasmgate::abi
