#include "plugins/otoroshi_host_services.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "wasm/abi/otoroshi/otoroshi_functions.h"

namespace wasmgate::plugins {
namespace {

// The list `name` of the entities, or nullopt for a name the gateway has no entities for.
std::optional<boost::json::array> entity_list(const EntitiesView& view, std::string_view name) {
  boost::json::array out;
  if (name == "routes" || name == "raw_routes") {
    for (const auto& route : view.routes) out.emplace_back(route->json);
  } else if (name == "wasmPlugins") {
    for (const auto& plugin : view.wasm_plugins) out.emplace_back(plugin->json);
  } else {
    return std::nullopt;
  }
  return out;
}

bool known_entity(std::string_view name) {
  return std::find(std::begin(kStateEntityNames), std::end(kStateEntityNames), name) !=
         std::end(kStateEntityNames);
}

}  // namespace

GatewayHostServices::GatewayHostServices(HostServicesOptions options) : options_(std::move(options)) {
  if (!options_.maps) options_.maps = std::make_shared<store::MemoryMaps>();
}

boost::json::object GatewayHostServices::state() {
  const EntitiesView view = options_.entities();
  boost::json::object out;
  for (const std::string_view name : kStateEntityNames) {
    out[name] = entity_list(view, name).value_or(boost::json::array());
  }
  return out;
}

std::optional<boost::json::value> GatewayHostServices::state_value(std::string_view entity,
                                                                   std::optional<std::string_view> id) {
  if (!known_entity(entity)) return std::nullopt;
  const EntitiesView view = options_.entities();
  boost::json::array list = entity_list(view, entity).value_or(boost::json::array());
  if (!id) return boost::json::value(std::move(list));
  for (auto& item : list) {
    const auto* object = item.if_object();
    const auto* item_id = object ? object->if_contains("id") : nullptr;
    if (item_id && item_id->is_string() && item_id->get_string() == *id) return std::move(item);
  }
  return boost::json::value();  // null: no entity with that id
}

boost::json::object GatewayHostServices::global_config() {
  const EntitiesView view = options_.entities();
  return view.global_config ? view.global_config->json : model::default_global_config();
}

void GatewayHostServices::log_event(const boost::json::object& event) {
  spdlog::info("wasm log event: {}", boost::json::serialize(event));
}

abi::otoroshi::HostServicesPtr default_host_services() {
  HostServicesOptions options;
  options.entities = [] { return EntitiesView{}; };
  return std::make_shared<GatewayHostServices>(std::move(options));
}

void add_otoroshi_host_functions(wasm::VmSpec& spec, const BoundPlugin& plugin,
                                 abi::otoroshi::HostServicesPtr services) {
  const model::WasmConfig& config = plugin.config;
  if (config.http_wasm) return;
  abi::otoroshi::LinkOptions link;
  link.plugin_id = plugin.plugin_id;
  link.is_js = config.is_js;
  link.allowed_hosts = config.allowed_hosts;
  link.services = std::move(services);
  const model::WasmAuthorizations& a = config.authorizations;
  abi::otoroshi::Grants& g = link.grants;
  g.http_access = a.http_access;
  g.http_call_timeout = std::chrono::milliseconds(std::max<std::int64_t>(a.proxy_http_call_timeout_ms, 0));
  g.global_data_store = {a.global_data_store_access.read, a.global_data_store_access.write};
  g.plugin_data_store = {a.plugin_data_store_access.read, a.plugin_data_store_access.write};
  g.global_map = {a.global_map_access.read, a.global_map_access.write};
  g.plugin_map = {a.plugin_map_access.read, a.plugin_map_access.write};
  g.proxy_state = a.proxy_state_access;
  g.configuration = a.configuration_access;
  spec.import_hooks.push_back(
      [link = std::move(link)](engine::Imports& imports, abi::VmHostContext& context, engine::Store&) {
        return abi::otoroshi::add_host_functions(imports, context, link);
      });
}

boost::json::object single_node_cluster_state(std::string_view version) {
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return boost::json::object{
      {"mode", "Off"},  // Otoroshi's ClusterMode for a standalone instance
      {"name", host},
      {"version", version},
      {"nodes", boost::json::array{boost::json::object{{"name", host}, {"type", "standalone"}}}},
      {"leader", boost::json::object{{"urls", boost::json::array()}}},
      {"worker", boost::json::object{{"state", boost::json::object()}}},
  };
}

}  // namespace wasmgate::plugins
