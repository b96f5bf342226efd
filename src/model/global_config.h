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
  boost::json::object json;            // full normalized document
};

// Validates and normalizes (unknown fields kept). An absent document reads as the defaults.
Result<GlobalConfig> parse_global_config(const boost::json::value& json);

// The document a fresh install starts with.
boost::json::object default_global_config();

}  // namespace wasmgate::model
