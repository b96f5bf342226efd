#include "plugins/plugin_binding.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <set>

namespace wasmgate::plugins {

namespace {

// Local chains are followed this deep at most (a chain longer than this is almost surely a mistake).
constexpr int kMaxLocalDepth = 8;

// The pool identity: the whole normalized config except what does not change a VM (functionName picks the
// export per call). Two routes referencing one entity produce the same key, so they share its pool.
std::string pool_key_for(const std::string& plugin_id, const model::WasmConfig& config) {
  boost::json::object identity = config.json;
  identity.erase("functionName");
  return fmt::format("{}|{}", plugin_id, boost::json::serialize(identity));
}

}  // namespace

Result<BoundPlugin> bind_plugin(const model::WasmConfig& slot_config, WasmPluginKind kind,
                                const PluginLookup& lookup, std::string slot_name) {
  BoundPlugin bound;
  const model::WasmConfig* config = &slot_config;
  std::string plugin_id = std::move(slot_name);
  std::set<std::string, std::less<>> seen;
  std::string entity_function;
  for (int depth = 0; config->source.kind == model::WasmSourceKind::Local; ++depth) {
    const std::string& ref = config->source.path;
    if (!seen.insert(ref).second) {
      return make_error(Errc::BadRequest, fmt::format("plugin {}: Local sources form a cycle through {}",
                                                      plugin_id, ref));
    }
    if (depth >= kMaxLocalDepth) {
      return make_error(Errc::BadRequest,
                        fmt::format("plugin {}: more than {} chained Local sources", plugin_id, kMaxLocalDepth));
    }
    const model::WasmPlugin* entity = lookup ? lookup(ref) : nullptr;
    if (entity == nullptr) return make_error(Errc::NotFound, fmt::format("plugin not found: {}", ref));
    plugin_id = entity->id;
    if (entity_function.empty()) entity_function = entity->config.function_name;
    config = &entity->config;
  }
  bound.config = *config;
  bound.plugin_id = std::move(plugin_id);
  // Otoroshi: route functionName -> entity functionName -> the step's default (§2.2). The first entity of a
  // Local chain is the one the route names.
  if (!slot_config.function_name.empty()) bound.function = slot_config.function_name;
  else if (!entity_function.empty()) bound.function = entity_function;
  else if (!config->function_name.empty()) bound.function = config->function_name;
  else bound.function = std::string(default_function(kind));
  bound.pool_key = pool_key_for(bound.plugin_id, bound.config);
  return bound;
}

}  // namespace wasmgate::plugins
