// The global config document (Otoroshi's GlobalConfig), of which wasmgate reads a few keys.
#include "model/global_config.h"

#include "model/detail/readers.h"

namespace wasmgate::model {

namespace json = boost::json;

namespace {

using detail::ObjectFields;

// `plugins` (Otoroshi's legacy Plugins, whose `config` also holds the ng global slots under `ng`).
json::object read_plugins(const json::value* v, GlobalConfig& out) {
  ObjectFields fields(detail::object_or_empty(v, "plugins"), "plugins");
  fields.boolean("enabled", false);
  fields.string_array("refs");
  json::object& config = fields.any_object("config");
  if (const json::value* ng = config.if_contains("ng"); ng != nullptr && !ng->is_null()) {
    json::array slots;
    out.ng_plugins = detail::read_plugin_slots(ng, "plugins.config.ng", slots);
    config["ng"] = std::move(slots);
  }
  out.plugins_config = config;
  fields.string_array("excluded");
  return std::move(fields).finish();
}

GlobalConfig read_global_config(const json::value& v) {
  GlobalConfig g;
  // Edited in place rather than rebuilt so that a full Otoroshi export keeps its key order.
  json::object doc = v.is_null() ? default_global_config() : detail::as_object(v, "global config");
  if (const json::value* ro = doc.if_contains("apiReadOnly"); ro != nullptr && !ro->is_null()) {
    g.api_read_only = detail::as_bool(*ro, "apiReadOnly");
  } else {
    doc["apiReadOnly"] = false;
  }
  doc["plugins"] = read_plugins(doc.if_contains("plugins"), g);
  if (const json::value* wasmo = doc.if_contains("wasmoSettings")) {
    if (!wasmo->is_null()) detail::as_object(*wasmo, "wasmoSettings");
    g.wasmo_settings = *wasmo;
  } else {
    doc["wasmoSettings"] = nullptr;
  }
  g.json = std::move(doc);
  return g;
}

}  // namespace

Result<GlobalConfig> parse_global_config(const json::value& json) {
  return detail::guarded<GlobalConfig>([&] { return read_global_config(json); });
}

json::object default_global_config() {
  return json::object{
      {"tags", json::array{}},
      {"metadata", json::object{}},
      {"apiReadOnly", false},
      {"plugins", json::object{{"enabled", false},
                               {"refs", json::array{}},
                               {"config", json::object{}},
                               {"excluded", json::array{}}}},
      {"wasmoSettings", nullptr},
  };
}

}  // namespace wasmgate::model
