// Otoroshi's route entity (NgRoute), spec §10.3.
#include "model/route.h"

#include "core/ids.h"
#include "model/detail/readers.h"

namespace wasmgate::model {

namespace json = boost::json;

namespace {

Route read_route(const json::value& v) {
  using namespace detail;
  ObjectFields fields(as_object(v, "route"), "");
  Route r;
  // Keys in the order NgRoute writes them.
  read_location(fields);
  r.id = fields.required_string("id", /*allow_empty=*/false);
  r.name = fields.required_string("name");
  r.description = fields.string_or("description", "");
  r.tags = fields.string_array("tags");
  r.metadata = fields.string_map("metadata");
  r.enabled = fields.boolean("enabled", true);
  r.debug_flow = fields.boolean("debug_flow", false);
  r.export_reporting = fields.boolean("export_reporting", false);
  r.capture = fields.boolean("capture", false);
  r.groups = fields.string_array("groups", {"default"});
  r.bound_listeners = fields.string_array("bound_listeners");

  json::object frontend;
  r.frontend = read_frontend(fields.find("frontend"), "frontend", frontend);
  fields.put("frontend", std::move(frontend));
  json::object backend;
  r.backend = read_backend(fields.find("backend"), "backend", backend);
  fields.put("backend", std::move(backend));
  r.backend_ref = fields.nullable_string("backend_ref");
  json::array plugins;
  r.plugins = read_plugin_slots(fields.find("plugins"), "plugins", plugins);
  fields.put("plugins", std::move(plugins));

  r.json = std::move(fields).finish();
  return r;
}

}  // namespace

Result<Route> parse_route(const json::value& json) {
  return detail::guarded<Route>([&] { return read_route(json); });
}

json::object route_template() {
  // Otoroshi's NgRouteDataStore.template, with the route base domain of a default install.
  json::object doc{
      {"id", named_id("route")},
      {"name", "New route"},
      {"description", "A new route"},
      {"frontend", json::object{{"domains", json::array{"new-route.oto.tools"}}}},
      {"backend", json::object{{"targets", json::array{json::object{{"id", "target_1"},
                                                                    {"hostname", "request.otoroshi.io"},
                                                                    {"port", 443},
                                                                    {"tls", true}}}}}},
      {"plugins", json::array{json::object{{"plugin", "cp:otoroshi.next.plugins.OverrideHost"}}}},
  };
  Result<Route> r = parse_route(doc);
  return r ? std::move(r->json) : doc;  // the template always parses; the fallback is unreachable
}

}  // namespace wasmgate::model
