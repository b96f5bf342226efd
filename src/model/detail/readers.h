// Layer-private readers shared by the model parsers. They throw FieldError (see json_fields.h) and take the
// JSON path of the value they read, so an error deep inside a route names the full path.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string_view>
#include <vector>

#include "model/detail/json_fields.h"
#include "model/route.h"
#include "model/wasm_config.h"

namespace wasmgate::model::detail {

// `_loc` (Otoroshi's EntityLocation): {tenant:"default", teams:["default"]} by default. Teams may be strings
// or objects (models/teams.scala); they are kept as stored.
void read_location(ObjectFields& fields);

Frontend read_frontend(const boost::json::value* v, std::string_view path, boost::json::object& out);
Backend read_backend(const boost::json::value* v, std::string_view path, boost::json::object& out);
ClientConfig read_client_config(const boost::json::value* v, std::string_view path, boost::json::object& out);

PluginSlot read_plugin_slot(const boost::json::value& v, std::string_view path);
// An array of slots; absent or null reads as [].
std::vector<PluginSlot> read_plugin_slots(const boost::json::value* v, std::string_view path,
                                          boost::json::array& out);

WasmSource read_wasm_source(ObjectFields& fields);
WasmConfig read_wasm_config(const boost::json::value& v, std::string_view path);

}  // namespace wasmgate::model::detail
