// env.proxy_log and env.proxy_log_event (always linked): plugin logs and analytics events.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <chrono>
#include <string>

#include "core/ids.h"
#include "wasm/abi/otoroshi/host_call.h"

namespace wasmgate::abi::otoroshi {
namespace {

using engine::ValType;

// Otoroshi's levels: 0 trace, 1 debug, 2 info, 3 warn, 4 error, 5 critical, 6 max (4-6 logged as error).
constexpr std::int64_t kMaxLogLevel = 6;
constexpr std::string_view kLevelNames[] = {"LogLevelTrace", "LogLevelDebug", "LogLevelInfo",
                                            "LogLevelWarn",  "LogLevelError", "LogLevelCritical",
                                            "LogLevelMax"};
constexpr std::int64_t kDefaultEventLevel = 1;  // Debug

spdlog::level::level_enum spdlog_level(std::int32_t level) {
  switch (level) {
    case 0:
      return spdlog::level::trace;
    case 1:
      return spdlog::level::debug;
    case 2:
      return spdlog::level::info;
    case 3:
      return spdlog::level::warn;
    default:
      return spdlog::level::err;
  }
}

// proxy_log: (i32 level, i64 offset, i64 length) -> i32
//   Logs the message text (logger otoroshi-wasm-logger, tagged with the plugin id) and returns StatusOK.
//   [Otoroshi throws on a level outside 0..6; we return StatusBadArgument and log nothing.]
Result<void> proxy_log(engine::HostCall& call, VmHostContext& context, VmState&) {
  const std::int32_t level = call.arg(0).as_i32();
  if (level < 0 || level > kMaxLogLevel) {
    call.results()[0] = engine::Value::i32(static_cast<std::int32_t>(Status::BadArgument));
    return {};
  }
  // Below the VM's plugin log level (as Extism's log_*), nothing is read or logged.
  const auto as_plugin_level = static_cast<std::int32_t>(std::min<std::int32_t>(level, 4));  // 4..6: Error
  if (as_plugin_level < static_cast<std::int32_t>(context.log_level)) {
    call.results()[0] = engine::Value::i32(static_cast<std::int32_t>(Status::Ok));
    return {};
  }
  auto message = read_range(call, context, 1, "proxy_log");
  if (!message) return message.take_error();
  spdlog::log(spdlog_level(level), "[otoroshi-wasm-logger] [{}] {}", context.label(), *message);
  call.results()[0] = engine::Value::i32(static_cast<std::int32_t>(Status::Ok));
  return {};
}

// proxy_log_event: (i64 offset, i64 length) -> i64
//   Input {"route_id"?, "function"?, "message"?, "level"?: 0..6}; records a WasmLogEvent through the host
//   services and returns StatusOK. Not a JSON object: StatusBadArgument. [Otoroshi's code throws before
//   emitting (spec §4.3 quirk); this is the intended behaviour.]
Result<void> proxy_log_event(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto text = read_range(call, context, 0, "proxy_log_event");
  if (!text) return text.take_error();
  std::optional<boost::json::object> input = parse_object(*text);
  if (!input) {
    return_status(call, Status::BadArgument);
    return {};
  }
  const boost::json::string* route_id = string_field(*input, "route_id");
  const boost::json::string* function = string_field(*input, "function");
  const boost::json::string* message = string_field(*input, "message");
  std::int64_t level = integer_field(*input, "level").value_or(kDefaultEventLevel);
  if (level < 0 || level > kMaxLogLevel) level = kDefaultEventLevel;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());

  boost::json::object event;
  event["@type"] = "WasmLogEvent";
  event["@id"] = uuid_v4();
  event["@timestamp"] = now.count();
  event["@serviceId"] = route_id ? std::string_view(*route_id) : std::string_view("--");
  event["@service"] = route_id ? std::string_view(*route_id) : std::string_view("--");
  event["@product"] = "otoroshi";
  event["route"] =
      route_id ? boost::json::value(boost::json::object{{"id", *route_id}}) : boost::json::value();
  event["plugin_id"] = state.options.plugin_id;
  event["function"] = function ? std::string_view(*function) : std::string_view("unknown function");
  event["message"] = message ? std::string_view(*message) : std::string_view("--");
  event["level"] = kLevelNames[level];
  state.options.services->log_event(event);
  return_status(call, Status::Ok);
  return {};
}

}  // namespace

void add_log_functions(std::vector<Function>& table) {
  table.push_back(make_function("proxy_log", Gate::Always,
                                {{ValType::I32, ValType::I64, ValType::I64}, {ValType::I32}}, proxy_log));
  table.push_back(make_function("proxy_log_event", Gate::Always, context_type(), proxy_log_event));
}

}  // namespace wasmgate::abi::otoroshi
