// Otoroshi's WasmPlugin entity (spec §1.1).
#include "model/wasm_plugin.h"

#include <algorithm>
#include <array>

#include "core/ids.h"
#include "model/detail/readers.h"

namespace wasmgate::model {

namespace json = boost::json;

namespace {

// NgStep names (next/plugins/api.scala).
constexpr std::array<std::string_view, 13> kSteps{
    "Router",
    "Sink",
    "PreRoute",
    "ValidateAccess",
    "TransformRequest",
    "TransformResponse",
    "MatchRoute",
    "HandlesTunnel",
    "HandlesRequest",
    "CallBackend",
    "Job",
    "DataExporterFilter",
    "DataExporterTransform",
};

std::string valid_steps() {
  std::string out;
  for (std::string_view s : kSteps) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

WasmPlugin read_wasm_plugin(const json::value& v) {
  using namespace detail;
  ObjectFields fields(as_object(v, "wasm plugin"), "");
  WasmPlugin p;
  // Keys in the order WasmPlugin.json writes them.
  read_location(fields);
  p.id = fields.required_string("id", /*allow_empty=*/false);
  p.name = fields.required_string("name");
  p.description = fields.required_string("description");
  // An absent config is Otoroshi's WasmConfig() (memoryPages 50), not the read defaults (memoryPages 100).
  if (fields.has("config")) {
    p.config = read_wasm_config(*fields.find("config"), "config");
  } else {
    p.config = read_wasm_config(json::value(default_wasm_config_json()), "config");
  }
  fields.put("config", p.config.json);
  // Otoroshi drops unknown step names silently; we tell the user.
  p.steps = fields.string_array("steps");
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    if (std::find(kSteps.begin(), kSteps.end(), p.steps[i]) == kSteps.end()) {
      fail(index_path("steps", i), "unknown step '" + p.steps[i] + "' (valid: " + valid_steps() + ")");
    }
  }
  p.metadata = fields.string_map("metadata");
  p.tags = fields.string_array("tags");
  p.json = std::move(fields).finish();
  return p;
}

}  // namespace

Result<WasmPlugin> parse_wasm_plugin(const json::value& json) {
  return detail::guarded<WasmPlugin>([&] { return read_wasm_plugin(json); });
}

json::object wasm_plugin_template() {
  json::object doc{
      {"id", named_id("wasm-plugin")},
      {"name", "New wasm plugin"},
      {"description", "New wasm plugin"},
  };
  Result<WasmPlugin> p = parse_wasm_plugin(doc);
  return p ? std::move(p->json) : doc;  // the template always parses; the fallback is unreachable
}

}  // namespace wasmgate::model
