// extism:host/env log_trace / log_debug / log_info / log_warn / log_error / get_log_level — plugin logs go to
// spdlog, each line tagged with the plugin id.
#include <spdlog/spdlog.h>

#include "wasm/abi/extism/pdk.h"

namespace wasmgate::abi {
namespace {

using engine::ValType;

spdlog::level::level_enum spdlog_level(PluginLogLevel level) {
  switch (level) {
    case PluginLogLevel::Trace:
      return spdlog::level::trace;
    case PluginLogLevel::Debug:
      return spdlog::level::debug;
    case PluginLogLevel::Info:
      return spdlog::level::info;
    case PluginLogLevel::Warn:
      return spdlog::level::warn;
    case PluginLogLevel::Error:
      return spdlog::level::err;
    case PluginLogLevel::Off:
      break;
  }
  return spdlog::level::off;
}

// log_<level>: (i64 message_handle) -> ()
//   The message block stays the guest's. Below the VM's level the call returns at once without reading the
//   handle (as Extism); otherwise an invalid handle fails the call. Invalid UTF-8 is logged as is.
template <PluginLogLevel kLevel>
Result<void> log_at(engine::HostCall& call, VmHostContext& context) {
  if (static_cast<std::int32_t>(kLevel) < static_cast<std::int32_t>(context.log_level)) return {};
  auto message = context.read_block(handle_arg(call, 0), "log message");
  if (!message) return message.take_error();
  spdlog::log(spdlog_level(kLevel), "[{}] {}", context.label(), *message);
  return {};
}

// get_log_level: () -> i32 — the VM's level: 0 trace, 1 debug, 2 info, 3 warn, 4 error, INT32_MAX off.
Result<void> get_log_level(engine::HostCall& call, VmHostContext& context) {
  call.results()[0] = engine::Value::i32(static_cast<std::int32_t>(context.log_level));
  return {};
}

}  // namespace

void add_pdk_log_functions(std::vector<PdkFunction>& table) {
  const engine::FuncType message_type{{ValType::I64}, {}};
  table.push_back(make_pdk_function("log_trace", message_type, log_at<PluginLogLevel::Trace>));
  table.push_back(make_pdk_function("log_debug", message_type, log_at<PluginLogLevel::Debug>));
  table.push_back(make_pdk_function("log_info", message_type, log_at<PluginLogLevel::Info>));
  table.push_back(make_pdk_function("log_warn", message_type, log_at<PluginLogLevel::Warn>));
  table.push_back(make_pdk_function("log_error", message_type, log_at<PluginLogLevel::Error>));
  table.push_back(make_pdk_function("get_log_level", {{}, {ValType::I32}}, get_log_level));
}

}  // namespace wasmgate::abi
