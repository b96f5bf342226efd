// env.proxy_state / proxy_state_value / proxy_global_config (authorizations.proxyStateAccess) and
// env.proxy_config / proxy_cluster_state / proxy_cluster_state_value (authorizations.configurationAccess):
// read-only views of the gateway, served by HostServices. [quirk] Otoroshi's code for all of them but
// proxy_state_value throws before answering (spec §4.3); these are the intended answers.
#include <boost/json/serialize.hpp>

#include "wasm/abi/otoroshi/host_call.h"

namespace wasmgate::abi::otoroshi {
namespace {

Result<void> return_json(engine::HostCall& call, VmHostContext& context, const boost::json::value& value) {
  return return_bytes(call, context, boost::json::serialize(value));
}

// proxy_state: (i64 unused) -> i64 — {"routes": [...], "wasmPlugins": [...], "apikeys": [], ...}.
Result<void> proxy_state(engine::HostCall& call, VmHostContext& context, VmState& state) {
  return return_json(call, context, state.options.services->state());
}

// proxy_state_value: (i64 offset, i64 length) -> i64
//   Input {"entity": <a list of proxy_state>, "id"?: string}: the list, or the entity with that id, or null
//   (no such entity or id, an unknown list name).
Result<void> proxy_state_value(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto input = read_json_object(call, context, "proxy_state_value");
  if (!input) return input.take_error();
  const boost::json::string* entity = string_field(*input, "entity");
  if (entity == nullptr) {
    return make_error(Errc::BadRequest, "env.proxy_state_value: the argument needs \"entity\" (string)");
  }
  std::optional<std::string_view> id;
  if (const boost::json::string* s = string_field(*input, "id")) id = *s;
  auto value = state.options.services->state_value(*entity, id);
  return return_json(call, context, value ? *value : boost::json::value());
}

// proxy_global_config: (i64 unused) -> i64 — the global config entity.
Result<void> proxy_global_config(engine::HostCall& call, VmHostContext& context, VmState& state) {
  return return_json(call, context, state.options.services->global_config());
}

// proxy_config: (i64 unused) -> i64 — the static configuration, secrets redacted.
Result<void> proxy_config(engine::HostCall& call, VmHostContext& context, VmState& state) {
  return return_json(call, context, state.options.services->static_config());
}

// proxy_cluster_state: (i64 unused) -> i64 — the cluster description.
Result<void> proxy_cluster_state(engine::HostCall& call, VmHostContext& context, VmState& state) {
  return return_json(call, context, state.options.services->cluster_state());
}

// proxy_cluster_state_value: (i64 offset, i64 length) -> i64
//   Input: a path in the cluster description, dot-separated ("leader.urls", "mode") or a JSON pointer
//   ("/leader/urls"); array items by index. The value there as JSON, or null.
Result<void> proxy_cluster_state_value(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto path = read_range(call, context, 0, "proxy_cluster_state_value");
  if (!path) return path.take_error();
  std::string pointer(*path);
  if (!pointer.empty() && pointer.front() != '/') {
    // dots → JSON pointer segments ('~' and '/' escaped per RFC 6901)
    std::string converted = "/";
    for (const char c : pointer) {
      if (c == '.')
        converted += '/';
      else if (c == '~')
        converted += "~0";
      else if (c == '/')
        converted += "~1";
      else
        converted += c;
    }
    pointer = std::move(converted);
  }
  const boost::json::value root = state.options.services->cluster_state();
  boost::system::error_code ec;
  const boost::json::value* found = pointer.empty() ? &root : root.find_pointer(pointer, ec);
  return return_json(call, context, found != nullptr ? *found : boost::json::value());
}

}  // namespace

void add_state_functions(std::vector<Function>& table) {
  table.push_back(make_function("proxy_state", Gate::ProxyState, unused_type(), proxy_state));
  table.push_back(make_function("proxy_state_value", Gate::ProxyState, context_type(), proxy_state_value));
  table.push_back(make_function("proxy_global_config", Gate::ProxyState, unused_type(), proxy_global_config));
  table.push_back(make_function("proxy_config", Gate::Configuration, unused_type(), proxy_config));
  table.push_back(
      make_function("proxy_cluster_state", Gate::Configuration, unused_type(), proxy_cluster_state));
  table.push_back(make_function("proxy_cluster_state_value", Gate::Configuration, context_type(),
                                proxy_cluster_state_value));
}

}  // namespace wasmgate::abi::otoroshi
