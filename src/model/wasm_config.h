// WasmConfig: how to load and run one wasm plugin (spec otoroshi-wasm.md §1.2, §1.3). Used as the config of
// every Wasm* plugin slot and inside WasmPlugin entities.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "core/error.h"

namespace wasmgate::model {

// To be completed by the model work: source, memoryPages, functionName, config, allowedHosts, allowedPaths,
// wasi, opa, httpWasm, authorizations (alias `accesses`), instances, killOptions (snake_case), isJS, and our
// extension callTimeoutMs.
struct WasmConfig {
  boost::json::object json;  // full normalized document
};

// Reads a WasmConfig object with Otoroshi's read defaults and legacy keys (compiler_source, raw_source).
Result<WasmConfig> parse_wasm_config(const boost::json::value& json);

}  // namespace wasmgate::model
