// The global config: one document (Otoroshi's GlobalConfig), of which wasmgate reads `plugins` (global plugin
// slots in `plugins.config.ng`, used by Router/Sink/Job/request handlers) and, later, `wasmoSettings`.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <vector>

#include "core/error.h"
#include "model/route.h"

namespace wasmgate::model {

struct GlobalConfig {
  std::vector<PluginSlot> ng_plugins;  // plugins.config.ng
  bool api_read_only = false;          // apiReadOnly: the admin API refuses writes
  boost::json::object plugins_config;  // plugins.config: what wasm plugins receive as `global_config`
  boost::json::value wasmo_settings;   // wasmoSettings, kept as stored (null when absent)
  boost::json::object json;            // full normalized document
};

// Validates and normalizes (unknown fields kept, key order kept). A null document reads as the defaults.
// `plugins` is completed to Otoroshi's shape {enabled:false, refs:[], config:{}, excluded:[]}; the slots of
// plugins.config.ng are validated and normalized like route slots (absent -> no global slot).
Result<GlobalConfig> parse_global_config(const boost::json::value& json);

// The document a fresh install starts with.
boost::json::object default_global_config();

}  // namespace wasmgate::model
