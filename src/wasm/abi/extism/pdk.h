// The C++ half of `extism:host/env` (spec §5.2): config_get, var_get/var_set, http_request,
// http_status_code, http_headers, log_trace..log_error, get_log_level. The memory half (alloc, load_u64…) is
// the kernel module's exports (kernel_module.h), linked wasm→wasm.
//
// Every function finds its VM through HostCall::user_data() → VmHostContext, so one table of host functions
// serves every VM of the process. Each family lives in pdk_<family>.cpp, which documents per function the
// import name, wasm signature, and who owns the handles afterwards.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/engine/host_function.h"
#include "wasm/engine/imports.h"

namespace wasmgate::abi {

struct PdkFunction {
  std::string_view name;  // import name under extism:host/env
  engine::HostFunctionPtr function;
};

// The whole table, built once (thread-safe) in a fixed order: config, vars, http, log.
std::span<const PdkFunction> pdk_host_functions();
// The entry named `name`, or nullptr.
const PdkFunction* find_pdk_host_function(std::string_view name);
// Adds every PDK host function under `module` (extism:host/env by default).
void add_pdk_host_functions(engine::Imports& imports, std::string_view module);

// --- for the family files ---------------------------------------------------------------------------------

using PdkCallback = Result<void> (*)(engine::HostCall& call, VmHostContext& context);
// A table entry whose callback looks up the VmHostContext and runs `callback`; the function is named
// "extism:host/env.<name>" in messages.
PdkFunction make_pdk_function(std::string_view name, engine::FuncType type, PdkCallback callback);

void add_pdk_config_functions(std::vector<PdkFunction>& table);  // pdk_config.cpp
void add_pdk_var_functions(std::vector<PdkFunction>& table);     // pdk_vars.cpp
void add_pdk_http_functions(std::vector<PdkFunction>& table);    // pdk_http.cpp
void add_pdk_log_functions(std::vector<PdkFunction>& table);     // pdk_log.cpp

// Handles cross as i64 (Extism's u64).
inline std::uint64_t handle_arg(const engine::HostCall& call, std::size_t i) {
  return static_cast<std::uint64_t>(call.arg(i).as_i64());
}
inline engine::Value handle_value(std::uint64_t handle) {
  return engine::Value::i64(static_cast<std::int64_t>(handle));
}

}  // namespace wasmgate::abi
