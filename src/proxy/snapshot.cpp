#include "proxy/snapshot.h"

#include <algorithm>
#include <boost/json/serialize.hpp>

namespace wasmgate::proxy {

const model::WasmPlugin* Snapshot::find_wasm_plugin(const std::string& id) const {
  const auto it = wasm_plugins.find(id);
  return it == wasm_plugins.end() ? nullptr : it->second.get();
}

SnapshotPtr make_snapshot(std::uint64_t version, std::vector<model::RoutePtr> routes,
                          std::vector<model::WasmPluginPtr> wasm_plugins,
                          std::shared_ptr<const model::GlobalConfig> global_config) {
  auto snap = std::make_shared<Snapshot>();
  snap->version = version;
  snap->all_routes = routes;
  std::erase(snap->all_routes, nullptr);
  std::sort(snap->all_routes.begin(), snap->all_routes.end(),
            [](const auto& a, const auto& b) { return a->id < b->id; });
  snap->routes = RouteIndex(std::move(routes));
  snap->wasm_plugins.reserve(wasm_plugins.size());
  for (auto& p : wasm_plugins) {
    if (p) snap->wasm_plugins.emplace(p->id, std::move(p));
  }
  snap->global_config = global_config ? std::move(global_config) : std::make_shared<const model::GlobalConfig>();
  // Plans bind Local sources against this snapshot's entities: a changed entity gives every route using it a
  // new binding (and pool key) with the next snapshot.
  const plugins::PluginLookup lookup = [&snap = *snap](std::string_view id) -> const model::WasmPlugin* {
    const auto it = snap.wasm_plugins.find(std::string(id));
    return it == snap.wasm_plugins.end() ? nullptr : it->second.get();
  };
  snap->global_plan = plugins::build_global_plan(snap->global_config, lookup);
  const auto& indexed = snap->routes.routes();
  snap->plans.resize(indexed.size());
  // plugins.config, as every route's plugin contexts embed it: rendered once for the snapshot.
  const auto global_config_json =
      std::make_shared<const std::string>(boost::json::serialize(snap->global_config->plugins_config));
  for (std::size_t slot = 0; slot < indexed.size(); ++slot) {
    if (!indexed[slot]->plugins.empty()) {
      snap->plans[slot] = plugins::build_route_plan(indexed[slot], lookup, global_config_json);
    }
  }
  return snap;
}

}  // namespace wasmgate::proxy
