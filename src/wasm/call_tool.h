// `wasmgate call`: runs one export of a plugin file through a Vm, the way the gateway would, and prints the
// output — for trying plugins, scripts and conformance runs against other Extism hosts.
#pragma once

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "wasm/vm_spec.h"

namespace wasmgate::wasm {

struct CallToolOptions {
  std::string wasm_path;                  // --wasm FILE
  std::string function;                   // --function NAME
  std::optional<std::string> input;       // --input TEXT (usually JSON)
  std::optional<std::string> input_file;  // --input-file F (exclusive with --input)
  std::vector<std::string> config;        // --config k=v, repeatable
  std::uint32_t memory_pages = kDefaultMemoryPages;
  bool wasi = false;
  std::vector<std::string> allowed_hosts;  // --allow-host GLOB
  std::vector<std::string> allowed_paths;  // --allow-path [rw:]HOST:GUEST (read-only unless rw:)
  std::string log_level = "info";          // the plugin's level (get_log_level) and which log_* lines show
  std::int64_t timeout_ms = kDefaultCallTimeout.count();
  int repeat = 1;  // calls on the same VM (vars persist); with more than one, each output ends with '\n'
};

// Returns the process exit code: 0 when every call succeeded (outputs written to `out`, as raw bytes), 1 on
// any error (the message on `err`; outputs of earlier calls are already written).
int run_call_tool(const CallToolOptions& options, std::ostream& out = std::cout,
                  std::ostream& err = std::cerr);

}  // namespace wasmgate::wasm
