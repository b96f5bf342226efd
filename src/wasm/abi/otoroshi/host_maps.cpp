// env.proxy_global_map_* (authorizations.globalMapAccess) and env.proxy_plugin_map_*
// (authorizations.pluginMapAccess): process-local in-memory maps (store::MemoryMaps), not persisted, bounded.
// The global functions use the map "global"; a plugin's use "plugin:<WasmPlugin entity id>" (Otoroshi's map
// name is the bare pool id, which a plugin named "global" would share with the global map).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "core/base64.h"
#include "wasm/abi/otoroshi/host_call.h"

namespace wasmgate::abi::otoroshi {
namespace {

enum class Scope { Global, Plugin };

template <Scope kScope>
constexpr std::string_view fn(std::string_view global, std::string_view plugin) {
  return kScope == Scope::Global ? global : plugin;
}

std::string map_name(Scope scope, const VmState& state) {
  return scope == Scope::Global ? std::string("global") : "plugin:" + state.options.plugin_id;
}

// proxy_*_map_set: (i64 offset, i64 length) -> i64
//   Input {"key": string, "value": string} (the value stored as its UTF-8 bytes). StatusOK (0); when the
//   maps are full (--plugin-maps-max-bytes) StatusInternalFailure (5) and nothing changes. Input that is not
//   such an object fails the call.
template <Scope kScope>
Result<void> map_set(engine::HostCall& call, VmHostContext& context, VmState& state) {
  constexpr std::string_view kFn = fn<kScope>("proxy_global_map_set", "proxy_plugin_map_set");
  auto input = read_json_object(call, context, kFn);
  if (!input) return input.take_error();
  const boost::json::string* key = string_field(*input, "key");
  const boost::json::string* value = string_field(*input, "value");
  if (key == nullptr || value == nullptr) {
    return make_error(Errc::BadRequest,
                      fmt::format("env.{}: the argument needs \"key\" and \"value\" (strings)", kFn));
  }
  auto stored = state.options.services->memory_maps().set(map_name(kScope, state), *key, *value);
  if (!stored) {
    spdlog::warn("[{}] {} refused: {}", context.label(), kFn, stored.error().message);
    return_status(call, Status::InternalFailure);
    return {};
  }
  return_status(call, Status::Ok);
  return {};
}

// proxy_*_map_get: (i64 offset, i64 length) -> i64 — input: the key; a new block with the stored bytes, 0
// when absent (or empty).
template <Scope kScope>
Result<void> map_get(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto key = read_range(call, context, 0, fn<kScope>("proxy_global_map_get", "proxy_plugin_map_get"));
  if (!key) return key.take_error();
  const auto value = state.options.services->memory_maps().get(map_name(kScope, state), *key);
  return return_bytes(call, context, value ? std::string_view(*value) : std::string_view());
}

// proxy_*_map_del: (i64 offset, i64 length) -> i64 — input: the key; removes it. [quirk] Otoroshi answers a
// block holding the text "StatusOK" (not a status code); kept, guests written for it may read it.
template <Scope kScope>
Result<void> map_del(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto key = read_range(call, context, 0, fn<kScope>("proxy_global_map_del", "proxy_plugin_map_del"));
  if (!key) return key.take_error();
  state.options.services->memory_maps().del(map_name(kScope, state), *key);
  return return_bytes(call, context, "StatusOK");
}

// proxy_*_map: (i64 unused) -> i64 — a new block with {key: base64(stored bytes)}, or 0 (Otoroshi's empty
// string) when the map never existed.
template <Scope kScope>
Result<void> map_all(engine::HostCall& call, VmHostContext& context, VmState& state) {
  const auto entries = state.options.services->memory_maps().entries(map_name(kScope, state));
  if (!entries) return return_bytes(call, context, "");
  boost::json::object out;
  for (const auto& [key, value] : *entries) out[key] = base64_encode(value);
  return return_bytes(call, context, boost::json::serialize(out));
}

}  // namespace

void add_map_functions(std::vector<Function>& table) {
  table.push_back(
      make_function("proxy_global_map_set", Gate::GlobalMapWrite, context_type(), map_set<Scope::Global>));
  table.push_back(
      make_function("proxy_global_map_get", Gate::GlobalMapRead, context_type(), map_get<Scope::Global>));
  table.push_back(
      make_function("proxy_global_map_del", Gate::GlobalMapWrite, context_type(), map_del<Scope::Global>));
  table.push_back(
      make_function("proxy_global_map", Gate::GlobalMapRead, unused_type(), map_all<Scope::Global>));
  table.push_back(
      make_function("proxy_plugin_map_set", Gate::PluginMapWrite, context_type(), map_set<Scope::Plugin>));
  table.push_back(
      make_function("proxy_plugin_map_get", Gate::PluginMapRead, context_type(), map_get<Scope::Plugin>));
  table.push_back(
      make_function("proxy_plugin_map_del", Gate::PluginMapWrite, context_type(), map_del<Scope::Plugin>));
  table.push_back(
      make_function("proxy_plugin_map", Gate::PluginMapRead, unused_type(), map_all<Scope::Plugin>));
}

}  // namespace wasmgate::abi::otoroshi
