// extism:host/env var_get / var_set — per-VM variables that persist across calls of one VM (not across VMs
// of a pool, as in Extism where they live in the plugin instance).
#include <fmt/format.h>

#include "wasm/abi/extism/pdk.h"

namespace wasmgate::abi {
namespace {

using engine::ValType;

// var_get: (i64 key_handle) -> i64 value_handle
//   key_handle stays the guest's. Result: a new block with a copy of the value, owned by the guest, or 0 when
//   the var is not set. Fails on an invalid key handle or exhausted kernel memory.
Result<void> var_get(engine::HostCall& call, VmHostContext& context) {
  auto key = context.read_block(handle_arg(call, 0), "var key");
  if (!key) return key.take_error();
  const auto it = context.vars.find(*key);
  if (it == context.vars.end()) {
    call.results()[0] = handle_value(0);
    return {};
  }
  auto value = context.alloc_bytes(it->second);
  if (!value) return value.take_error();
  call.results()[0] = handle_value(*value);
  return {};
}

// var_set: (i64 key_handle, i64 value_handle) -> ()
//   Copies key and value out of kernel memory; both handles stay the guest's. value_handle 0 deletes the var.
//   Fails with "Variable store is full" when the keys and values of all vars would exceed max_var_bytes
//   (Extism: manifest memory.max_var_bytes, default 1 MiB), "Vars are disabled by this host" when it is 0.
Result<void> var_set(engine::HostCall& call, VmHostContext& context) {
  if (context.max_var_bytes == 0) return make_error(Errc::Forbidden, "Vars are disabled by this host");
  auto key = context.read_block(handle_arg(call, 0), "var key");
  if (!key) return key.take_error();
  const std::uint64_t value_handle = handle_arg(call, 1);
  auto it = context.vars.find(*key);
  const std::uint64_t old_bytes = it == context.vars.end() ? 0 : it->first.size() + it->second.size();
  if (value_handle == 0) {
    if (it != context.vars.end()) {
      context.var_bytes -= old_bytes;
      context.vars.erase(it);
    }
    return {};
  }
  auto value = context.read_block(value_handle, "var value");
  if (!value) return value.take_error();
  const std::uint64_t new_total = context.var_bytes - old_bytes + key->size() + value->size();
  if (new_total > context.max_var_bytes) {
    return make_error(Errc::PluginMemory,
                      fmt::format("Variable store is full ({} bytes would exceed the limit of {} bytes)",
                                  new_total, context.max_var_bytes));
  }
  if (it == context.vars.end()) {
    context.vars.emplace(std::string(*key), std::string(*value));
  } else {
    it->second.assign(value->data(), value->size());
  }
  context.var_bytes = new_total;
  return {};
}

}  // namespace

void add_pdk_var_functions(std::vector<PdkFunction>& table) {
  table.push_back(make_pdk_function("var_get", {{ValType::I64}, {ValType::I64}}, var_get));
  table.push_back(make_pdk_function("var_set", {{ValType::I64, ValType::I64}, {}}, var_set));
}

}  // namespace wasmgate::abi
