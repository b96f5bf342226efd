// extism:host/env config_get — the manifest `config` map (WasmConfig.config), read-only for the guest.
#include "wasm/abi/extism/pdk.h"

namespace wasmgate::abi {
namespace {

using engine::ValType;

// config_get: (i64 key_handle) -> i64 value_handle
//   key_handle: a live kernel block holding the key (UTF-8 bytes, not NUL-terminated); still the guest's
//     afterwards. [Extism's spec notes say the host frees the key; Extism 1.x does not, and PDKs free it
//     themselves — freeing it here would let the value block reuse the key's and a later free(key) drop the
//     value. We never free.]
//   result: a new block with the value, owned by the guest (freed at the next call's reset at the latest), or
//     0 when the key is absent. Fails (trap) on an invalid key handle or when kernel memory is exhausted.
Result<void> config_get(engine::HostCall& call, VmHostContext& context) {
  auto key = context.read_block(handle_arg(call, 0), "config key");
  if (!key) return key.take_error();
  const auto it = context.config.find(*key);
  if (it == context.config.end()) {
    call.results()[0] = handle_value(0);
    return {};
  }
  auto value = context.alloc_bytes(it->second);  // key is not used past this point: memory may grow
  if (!value) return value.take_error();
  call.results()[0] = handle_value(*value);
  return {};
}

}  // namespace

void add_pdk_config_functions(std::vector<PdkFunction>& table) {
  table.push_back(make_pdk_function("config_get", {{ValType::I64}, {ValType::I64}}, config_get));
}

}  // namespace wasmgate::abi
