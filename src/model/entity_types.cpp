#include "model/entity_types.h"

#include <array>

#include "model/route.h"
#include "model/wasm_plugin.h"

namespace wasmgate::model {

namespace json = boost::json;

namespace {

Result<json::object> normalize_route(const json::value& doc) {
  Result<Route> r = parse_route(doc);
  if (!r) return r.take_error();
  return std::move(r->json);
}

Result<json::object> normalize_wasm_plugin(const json::value& doc) {
  Result<WasmPlugin> p = parse_wasm_plugin(doc);
  if (!p) return p.take_error();
  return std::move(p->json);
}

const std::array<EntityType, 2> kEntityTypes{{
    {"proxy.otoroshi.io", "v1", "routes", "Route", "route", &normalize_route, &route_template},
    {"plugins.otoroshi.io", "v1", "wasm-plugins", "WasmPlugin", "wasm-plugin", &normalize_wasm_plugin,
     &wasm_plugin_template},
}};

}  // namespace

std::span<const EntityType> entity_types() {
  return kEntityTypes;
}

const EntityType* find_entity_type(std::string_view group, std::string_view plural) {
  for (const EntityType& t : kEntityTypes) {
    if (t.group == group && t.plural == plural) return &t;
  }
  return nullptr;
}

}  // namespace wasmgate::model
