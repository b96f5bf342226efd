// Otoroshi's WasmPlugin entity and its WasmConfig (spec otoroshi-wasm.md §1.1–1.3): typed views plus the full
// JSON document (defaults filled in, unknown fields kept).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "model/wasm_config.h"

namespace wasmgate::model {

struct WasmPlugin {
  std::string id;
  std::string name;
  std::string description;
  WasmConfig config;
  std::vector<std::string> steps;  // informational (UI), as in Otoroshi
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<std::string> tags;
  boost::json::object json;  // full normalized document
};

using WasmPluginPtr = std::shared_ptr<const WasmPlugin>;

// Validates and normalizes: `id`, `name`, `description` required; unknown step names rejected (Otoroshi drops
// them silently; we tell the user). Errc::BadRequest naming the field.
Result<WasmPlugin> parse_wasm_plugin(const boost::json::value& json);

// Otoroshi's template: id `wasm-plugin_<uuid>`, name/description "New wasm plugin", default WasmConfig.
boost::json::object wasm_plugin_template();

}  // namespace wasmgate::model
