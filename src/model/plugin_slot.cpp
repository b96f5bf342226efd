// Plugin slots (Otoroshi's NgPluginInstance): route.plugins[] and the global plugins.config.ng[].
#include "model/route.h"

#include "model/detail/readers.h"

namespace wasmgate::model {

namespace detail {

namespace json = boost::json;

PluginSlot read_plugin_slot(const json::value& v, std::string_view path) {
  ObjectFields fields(as_object(v, path), std::string(path));
  PluginSlot slot;
  // Keys in the order NgPluginInstance writes them.
  slot.enabled = fields.boolean("enabled", true);
  slot.debug = fields.boolean("debug", false);
  slot.plugin = fields.required_string("plugin", /*allow_empty=*/false);
  slot.include = fields.string_array("include");
  slot.exclude = fields.string_array("exclude");
  // The config's shape belongs to the plugin (a WasmConfig for Wasm* plugins); the steps parse it.
  slot.config = fields.any_object("config");
  slot.bound_listeners = fields.string_array("bound_listeners");
  if (fields.has("plugin_index")) {
    // Absent stays absent: Otoroshi writes plugin_index only when set.
    slot.plugin_index = fields.any_object("plugin_index");
  }
  slot.json = std::move(fields).finish();
  return slot;
}

std::vector<PluginSlot> read_plugin_slots(const json::value* v, std::string_view path, json::array& out) {
  std::vector<PluginSlot> slots;
  out.clear();
  if (v == nullptr || v->is_null()) return slots;
  const json::array& in = as_array(*v, path);
  for (std::size_t i = 0; i < in.size(); ++i) {
    slots.push_back(read_plugin_slot(in[i], index_path(path, i)));
    out.emplace_back(slots.back().json);
  }
  return slots;
}

}  // namespace detail

Result<PluginSlot> parse_plugin_slot(const boost::json::value& json) {
  return detail::guarded<PluginSlot>([&] { return detail::read_plugin_slot(json, ""); });
}

}  // namespace wasmgate::model
