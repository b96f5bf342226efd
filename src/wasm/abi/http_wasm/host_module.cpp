// http_handler: registration, and the administrative (enable_features, get_config), logging (log,
// log_enabled) and request-line functions (get/set_method, get/set_uri, get_protocol_version,
// get_source_addr). Headers, bodies and the status code are in host_messages.cpp.
#include "wasm/abi/http_wasm/host_module.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "wasm/abi/http_wasm/guest_buffer.h"
#include "wasm/abi/http_wasm/host_functions.h"
#include "wasm/abi/http_wasm/message_syntax.h"

namespace wasmgate::abi::http_wasm {
namespace detail {

Result<GuestRequest*> current_request(HostEnv& env, std::string_view function) {
  if (env.state.current == nullptr || env.state.current->exchange == nullptr) {
    return make_error(Errc::PluginTrap,
                      fmt::format("http_handler.{} called outside handle_request/handle_response", function));
  }
  return env.state.current;
}

Result<void> require_before_next(const GuestRequest& request, std::string_view op, std::string_view what) {
  if (!request.after_next) return {};
  return make_error(Errc::PluginTrap, fmt::format("can't {} {} after the next handler", op, what));
}

Result<void> require_before_next_or(const GuestRequest& request, std::uint32_t feature, std::string_view op,
                                    std::string_view what) {
  if (!request.after_next || request.enabled(feature)) return {};
  return make_error(Errc::PluginTrap,
                    fmt::format("can't {} {} after the next handler unless {} is enabled", op, what,
                                feature == kFeatureBufferResponse ? "buffer_response" : "buffer_request"));
}

}  // namespace detail

namespace {

using detail::HostEnv;
using engine::ValType;
constexpr ValType I32 = ValType::I32;
constexpr ValType I64 = ValType::I64;

// ---- administrative

// enable_features(features) -> i32: enables what wasmgate supports of `features` — for this request when
// called from a handler, else for every later request of this VM — and returns the whole enabled set.
Result<void> enable_features(engine::HostCall& call, HostEnv& env) {
  const std::uint32_t wanted = u32_arg(call, 0) & kSupportedFeatures;
  std::uint32_t& features = env.state.current != nullptr ? env.state.current->features : env.state.features;
  features |= wanted;
  call.results()[0] = engine::Value::i32(static_cast<std::int32_t>(features));
  return {};
}

// get_config(buf, buf_limit) -> i32 len: the plugin's config (wasm/http_wasm_handler.h says what it holds).
Result<void> get_config(engine::HostCall& call, HostEnv& env) {
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto len = write_if_fits(*memory, u32_arg(call, 0), u32_arg(call, 1), env.state.config, "get_config");
  if (!len) return len.take_error();
  call.results()[0] = engine::Value::i32(static_cast<std::int32_t>(*len));
  return {};
}

// ---- logging: levels -1 debug, 0 info, 1 warn, 2 error, 3 none, filtered by the VM's plugin log level.

std::optional<PluginLogLevel> plugin_level(std::int32_t level) {
  if (level >= static_cast<std::int32_t>(LogLevel::None)) return std::nullopt;
  if (level <= static_cast<std::int32_t>(LogLevel::Debug)) return PluginLogLevel::Debug;
  if (level == static_cast<std::int32_t>(LogLevel::Info)) return PluginLogLevel::Info;
  if (level == static_cast<std::int32_t>(LogLevel::Warn)) return PluginLogLevel::Warn;
  return PluginLogLevel::Error;
}

bool level_enabled(std::int32_t level, const VmHostContext& context) {
  const auto as_plugin = plugin_level(level);
  return as_plugin && static_cast<std::int32_t>(*as_plugin) >= static_cast<std::int32_t>(context.log_level);
}

// log_enabled(level) -> i32: 1 when a message at `level` would be logged.
Result<void> log_enabled(engine::HostCall& call, HostEnv& env) {
  call.results()[0] = engine::Value::i32(level_enabled(call.arg(0).as_i32(), env.context) ? 1 : 0);
  return {};
}

// log(level, message, message_len): to the gateway log, tagged with the plugin. The ABI asks a host that
// cannot read the message to ignore it rather than trap.
Result<void> log(engine::HostCall& call, HostEnv& env) {
  const std::int32_t level = call.arg(0).as_i32();
  if (!level_enabled(level, env.context)) return {};
  auto memory = guest_memory(call);
  if (!memory) return {};
  auto message = read_guest(*memory, u32_arg(call, 1), u32_arg(call, 2), "log message");
  if (!message) return {};
  const auto spd = level <= -1  ? spdlog::level::debug
                   : level == 0 ? spdlog::level::info
                   : level == 1 ? spdlog::level::warn
                                : spdlog::level::err;
  spdlog::log(spd, "[{}] {}", env.context.label(), *message);
  return {};
}

// ---- request line

// get_<x>(buf, buf_limit) -> i32 len for a string field of the request.
template <std::string* (*kField)(Exchange&)>
Result<void> get_field(engine::HostCall& call, HostEnv& env, std::string_view function) {
  auto request = detail::current_request(env, function);
  if (!request) return request.take_error();
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto len =
      write_if_fits(*memory, u32_arg(call, 0), u32_arg(call, 1), *kField(*(*request)->exchange), function);
  if (!len) return len.take_error();
  call.results()[0] = engine::Value::i32(static_cast<std::int32_t>(*len));
  return {};
}

std::string* method_of(Exchange& e) {
  return &e.method;
}
std::string* uri_of(Exchange& e) {
  return &e.uri;
}
std::string* protocol_of(Exchange& e) {
  return &e.protocol;
}
std::string* source_of(Exchange& e) {
  return &e.source_addr;
}

Result<void> get_method(engine::HostCall& call, HostEnv& env) {
  return get_field<method_of>(call, env, "get_method");
}
Result<void> get_uri(engine::HostCall& call, HostEnv& env) {
  return get_field<uri_of>(call, env, "get_uri");
}
Result<void> get_protocol_version(engine::HostCall& call, HostEnv& env) {
  return get_field<protocol_of>(call, env, "get_protocol_version");
}
Result<void> get_source_addr(engine::HostCall& call, HostEnv& env) {
  return get_field<source_of>(call, env, "get_source_addr");
}

// set_method(method, method_len): an HTTP token ("POST"); empty or invalid traps.
Result<void> set_method(engine::HostCall& call, HostEnv& env) {
  auto request = detail::current_request(env, "set_method");
  if (!request) return request.take_error();
  if (auto ok = detail::require_before_next(**request, "set", "the method"); !ok) return ok;
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto method = read_guest(*memory, u32_arg(call, 0), u32_arg(call, 1), "set_method method");
  if (!method) return method.take_error();
  if (!is_token(*method)) {
    return make_error(Errc::PluginTrap, fmt::format("set_method: \"{}\" is not an HTTP method", *method));
  }
  (*request)->exchange->method = std::string(*method);
  return {};
}

// set_uri(uri, uri_len): the path and query sent to the backend ("/a?b=c"); empty means "/". Anything but an
// origin-form URI of visible ASCII traps (no host, no spaces or control characters to split a request line).
Result<void> set_uri(engine::HostCall& call, HostEnv& env) {
  auto request = detail::current_request(env, "set_uri");
  if (!request) return request.take_error();
  if (auto ok = detail::require_before_next(**request, "set", "the URI"); !ok) return ok;
  auto memory = guest_memory(call);
  if (!memory) return memory.take_error();
  auto uri = read_guest(*memory, u32_arg(call, 0), u32_arg(call, 1), "set_uri uri");
  if (!uri) return uri.take_error();
  if (uri->empty()) {
    (*request)->exchange->uri.assign(1, '/');  // not = "/": GCC 12 -Wrestrict false positive
    return {};
  }
  if (!is_origin_form(*uri)) {
    return make_error(
        Errc::PluginTrap,
        fmt::format("set_uri: \"{}\" is not an origin-form URI (/path?query, visible ASCII)", *uri));
  }
  (*request)->exchange->uri = std::string(*uri);
  return {};
}

struct Entry {
  std::string_view name;
  engine::FuncType type;
  detail::Callback callback;
};

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = {
      {"enable_features", {{I32}, {I32}}, enable_features},
      {"get_config", {{I32, I32}, {I32}}, get_config},
      {"log_enabled", {{I32}, {I32}}, log_enabled},
      {"log", {{I32, I32, I32}, {}}, log},
      {"get_method", {{I32, I32}, {I32}}, get_method},
      {"set_method", {{I32, I32}, {}}, set_method},
      {"get_uri", {{I32, I32}, {I32}}, get_uri},
      {"set_uri", {{I32, I32}, {}}, set_uri},
      {"get_protocol_version", {{I32, I32}, {I32}}, get_protocol_version},
      {"get_source_addr", {{I32, I32}, {I32}}, get_source_addr},
      {"get_header_names", {{I32, I32, I32}, {I64}}, detail::get_header_names},
      {"get_header_values", {{I32, I32, I32, I32, I32}, {I64}}, detail::get_header_values},
      {"set_header_value", {{I32, I32, I32, I32, I32}, {}}, detail::set_header_value},
      {"add_header_value", {{I32, I32, I32, I32, I32}, {}}, detail::add_header_value},
      {"remove_header", {{I32, I32, I32}, {}}, detail::remove_header},
      {"read_body", {{I32, I32, I32}, {I64}}, detail::read_body},
      {"write_body", {{I32, I32, I32}, {}}, detail::write_body},
      {"get_status_code", {{}, {I32}}, detail::get_status_code},
      {"set_status_code", {{I32}, {}}, detail::set_status_code},
  };
  return entries;
}

}  // namespace

void add_http_handler_imports(engine::Imports& imports, std::shared_ptr<HttpWasmVmState> state,
                              const VmHostContext& context) {
  // One environment per VM, shared by its functions; the closures keep the state alive as long as the
  // imports.
  auto env = std::make_shared<HostEnv>(HostEnv{*state, context});
  for (const Entry& entry : table()) {
    std::string qualified = fmt::format("{}.{}", kHostModule, entry.name);
    imports.add(std::string(kHostModule), std::string(entry.name),
                engine::HostFunction{std::move(qualified), entry.type,
                                     [state, env, callback = entry.callback](engine::HostCall& call) {
                                       return callback(call, *env);
                                     }});
  }
}

}  // namespace wasmgate::abi::http_wasm
