// A route (or global) plugin slot resolved against the current entities (spec otoroshi-wasm.md §2.2): which
// WasmConfig runs, under which plugin id, which export, and which pool serves it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/wasm_config.h"
#include "model/wasm_plugin.h"
#include "plugins/plugin_kind.h"

namespace wasmgate::plugins {

// Finds a WasmPlugin entity by id in the current state; null when there is none.
using PluginLookup = std::function<const model::WasmPlugin*(std::string_view id)>;

struct BoundPlugin {
  std::string plugin_id;     // the entity id for Local sources; else the slot's own name (logs, pools, metrics)
  model::WasmConfig config;  // the config that runs: the entity's for Local sources, else the slot's
  std::string function;      // slot functionName -> entity functionName -> the step's default export
  std::string pool_key;      // every VM-relevant part of `config`: equal keys share one pool
};

// Resolves a slot's WasmConfig. A Local source is replaced by the referenced entity's whole config, followed
// through chains of Local entities. A missing entity is Errc::NotFound "plugin not found: <id>"; a cycle or a
// chain deeper than 8 is Errc::BadRequest naming it. The slot's functionName still wins. `slot_name` names an
// inline (non-Local) plugin, e.g. "route_x/plugins[2]".
Result<BoundPlugin> bind_plugin(const model::WasmConfig& slot_config, WasmPluginKind kind,
                                const PluginLookup& lookup, std::string slot_name);

}  // namespace wasmgate::plugins
