// The table of Otoroshi's host functions (one list, built once, in spec §4.3's order) and how a VM links it.
#include "wasm/abi/otoroshi/otoroshi_functions.h"

#include <fmt/format.h>

#include <memory>
#include <span>
#include <utility>

#include "wasm/abi/otoroshi/host_call.h"

namespace wasmgate::abi::otoroshi {
namespace {

std::span<const Function> table() {
  static const std::vector<Function> functions = [] {
    std::vector<Function> t;
    add_log_functions(t);
    add_http_functions(t);
    add_attrs_functions(t);
    add_state_functions(t);
    add_map_functions(t);
    add_datastore_functions(t);
    return t;
  }();
  return functions;
}

}  // namespace

Result<void> add_host_functions(engine::Imports& imports, VmHostContext& context, LinkOptions options) {
  if (!options.services) return make_error(Errc::BadRequest, "Otoroshi host functions need host services");
  const std::string module(options.is_js ? kJsModule : kModule);
  for (const Function& entry : table()) {
    if (gate_open(entry.gate, options.grants)) {
      imports.add(module, std::string(entry.name), entry.function);
    } else {
      // Not linked (§4.1): the guest cannot call it, and an import of it fails the load naming the flag.
      context.refused_imports[module + "." + std::string(entry.name)] =
          fmt::format("requires {}", gate_flag(entry.gate));
    }
  }
  auto state = std::make_shared<VmState>();
  state->options = std::move(options);
  context.extensions[std::string(kExtensionName)] = std::move(state);
  return {};
}

VmState* vm_state(VmHostContext& context) {
  const auto it = context.extensions.find(kExtensionName);
  if (it == context.extensions.end()) return nullptr;
  return static_cast<VmState*>(it->second.get());  // the entry add_host_functions made (no RTTI here)
}

AttrsScope::AttrsScope(VmHostContext& context, CallAttrs* attrs)
    : state_(attrs ? vm_state(context) : nullptr) {
  if (state_ != nullptr) state_->attrs = attrs;
}

AttrsScope::~AttrsScope() {
  if (state_ != nullptr) state_->attrs = nullptr;
}

std::vector<FunctionGate> function_gates() {
  std::vector<FunctionGate> out;
  for (const Function& entry : table()) out.push_back({entry.name, gate_flag(entry.gate)});
  return out;
}

}  // namespace wasmgate::abi::otoroshi
