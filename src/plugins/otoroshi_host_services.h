// The gateway side of Otoroshi's host functions (wasm/abi/otoroshi/host_services.h): the entities of the
// current state, the static configuration, the stores and the event log, for every VM of the process.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "model/global_config.h"
#include "model/route.h"
#include "model/wasm_plugin.h"
#include "plugins/plugin_binding.h"
#include "wasm/abi/otoroshi/host_services.h"
#include "wasm/vm_spec.h"

namespace wasmgate::plugins {

// The entities host functions may read, from the current snapshot.
struct EntitiesView {
  std::vector<model::RoutePtr> routes;
  std::vector<model::WasmPluginPtr> wasm_plugins;
  std::shared_ptr<const model::GlobalConfig> global_config;  // null: the default global config
};
using EntitiesSource = std::function<EntitiesView()>;

// proxy_state's entity lists (spec §4.3), in Otoroshi's order. The gateway has routes (also `raw_routes`)
// and wasmPlugins; the other lists are [] until their entities exist.
inline constexpr std::string_view kStateEntityNames[] = {"raw_routes",
                                                         "routes",
                                                         "routeCompositions",
                                                         "apikeys",
                                                         "ngbackends",
                                                         "jwtVerifiers",
                                                         "certificates",
                                                         "authModules",
                                                         "services",
                                                         "teams",
                                                         "tenants",
                                                         "serviceGroups",
                                                         "dataExporters",
                                                         "otoroshiAdmins",
                                                         "backofficeSessions",
                                                         "privateAppsSessions",
                                                         "tcpServices",
                                                         "scripts",
                                                         "wasmPlugins",
                                                         "drafts"};

struct HostServicesOptions {
  EntitiesSource entities;                  // required
  std::shared_ptr<store::KvStore> kv;       // null: the datastore functions fail the call
  std::shared_ptr<store::MemoryMaps> maps;  // null: a default-bounded one is made
  boost::json::object static_config;        // proxy_config (already redacted)
  boost::json::object cluster_state;        // proxy_cluster_state
};

class GatewayHostServices final : public abi::otoroshi::HostServices {
 public:
  explicit GatewayHostServices(HostServicesOptions options);

  boost::json::object state() override;
  std::optional<boost::json::value> state_value(std::string_view entity,
                                                std::optional<std::string_view> id) override;
  boost::json::object global_config() override;
  boost::json::object static_config() override { return options_.static_config; }
  boost::json::object cluster_state() override { return options_.cluster_state; }
  store::KvStore* kv_store() override { return options_.kv.get(); }
  store::MemoryMaps& memory_maps() override { return *options_.maps; }
  // Logged at info as "wasm log event: <json>" (the gateway has no analytics exporter yet).
  void log_event(const boost::json::object& event) override;

 private:
  HostServicesOptions options_;
};

// Services with an empty state, no datastore and default-bounded maps (PluginRuntimeOptions' default).
abi::otoroshi::HostServicesPtr default_host_services();

// Adds the import hook of Otoroshi's env functions to `spec` for `plugin` (its authorizations, allowedHosts,
// isJS, and the entity id as plugin scope). Nothing for http-wasm configs: Otoroshi built those VMs without
// its host functions.
void add_otoroshi_host_functions(wasm::VmSpec& spec, const BoundPlugin& plugin,
                                 abi::otoroshi::HostServicesPtr services);

// A single-node cluster description (cluster_state) until clustering exists: {"mode": "Off", "id", "name",
// "version", "leader": {...}, "worker": {...}}.
boost::json::object single_node_cluster_state(std::string_view version);

}  // namespace wasmgate::plugins
