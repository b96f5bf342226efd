// Internal to the http_handler module: the callbacks of host_module.cpp (administrative, logging, request
// line) and host_messages.cpp (headers, bodies, status code). Each documents its wasm signature; all
// parameters are i32 (u32 buffers and lengths) unless noted.
#pragma once

#include <string_view>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/abi/http_wasm/state.h"
#include "wasm/engine/host_function.h"

namespace wasmgate::abi::http_wasm::detail {

// What a callback reaches: the VM's http-wasm state and its host context (plugin id, log level).
struct HostEnv {
  HttpWasmVmState& state;
  const VmHostContext& context;
};

using Callback = Result<void> (*)(engine::HostCall& call, HostEnv& env);

// The guest request being handled; PluginTrap "<function> called outside handle_request/handle_response".
Result<GuestRequest*> current_request(HostEnv& env, std::string_view function);
// PluginTrap "can't <op> <what> after the next handler" once handle_response runs.
Result<void> require_before_next(const GuestRequest& request, std::string_view op, std::string_view what);
// Same, unless `feature` is enabled for this request (the guest rewrites the buffered response).
Result<void> require_before_next_or(const GuestRequest& request, std::uint32_t feature, std::string_view op,
                                    std::string_view what);

// host_messages.cpp
Result<void> get_header_names(engine::HostCall& call,
                              HostEnv& env);  // (kind, buf, buf_limit) -> i64 count_len
Result<void> get_header_values(engine::HostCall& call,
                               HostEnv& env);  // (kind, name, name_len, buf, buf_limit) -> i64
Result<void> set_header_value(engine::HostCall& call,
                              HostEnv& env);  // (kind, name, name_len, value, value_len)
Result<void> add_header_value(engine::HostCall& call,
                              HostEnv& env);                       // (kind, name, name_len, value, value_len)
Result<void> remove_header(engine::HostCall& call, HostEnv& env);  // (kind, name, name_len)
Result<void> read_body(engine::HostCall& call, HostEnv& env);      // (kind, buf, buf_limit) -> i64 eof_len
Result<void> write_body(engine::HostCall& call, HostEnv& env);     // (kind, body, body_len)
Result<void> get_status_code(engine::HostCall& call, HostEnv& env);  // () -> i32
Result<void> set_status_code(engine::HostCall& call, HostEnv& env);  // (status_code)

}  // namespace wasmgate::abi::http_wasm::detail
