#include "wasm/abi/extism/host_context.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "wasm/abi/extism/kernel_module.h"

namespace wasmgate::abi {

std::optional<PluginLogLevel> parse_plugin_log_level(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "trace") return PluginLogLevel::Trace;
  if (lower == "debug") return PluginLogLevel::Debug;
  if (lower == "info") return PluginLogLevel::Info;
  if (lower == "warn" || lower == "warning") return PluginLogLevel::Warn;
  if (lower == "error" || lower == "err") return PluginLogLevel::Error;
  if (lower == "off") return PluginLogLevel::Off;
  return std::nullopt;
}

PluginLogLevel plugin_log_level_from_spdlog() {
  switch (spdlog::get_level()) {
    case spdlog::level::trace:
      return PluginLogLevel::Trace;
    case spdlog::level::debug:
      return PluginLogLevel::Debug;
    case spdlog::level::info:
      return PluginLogLevel::Info;
    case spdlog::level::warn:
      return PluginLogLevel::Warn;
    case spdlog::level::err:
    case spdlog::level::critical:
      return PluginLogLevel::Error;
    default:
      return PluginLogLevel::Off;
  }
}

std::string VmHostContext::label() const {
  return plugin_id.empty() ? std::string("plugin") : "plugin " + plugin_id;
}

Result<std::string_view> VmHostContext::read_block(std::uint64_t handle, std::string_view what) const {
  if (kernel_memory == nullptr) return make_error(Errc::Internal, "the Extism kernel is not linked yet");
  const engine::MemoryView view = kernel_memory->view();
  const auto state = read_kernel_state(view, state_address);
  if (!state) return make_error(Errc::Internal, "the Extism kernel state is unreadable");
  const auto block = kernel_block(view, *state, handle);
  if (!block)
    return make_error(Errc::BadRequest, fmt::format("invalid handle offset for {}: {}", what, handle));
  return std::string_view(reinterpret_cast<const char*>(block->data()), block->size());
}

Result<std::uint64_t> VmHostContext::alloc_bytes(std::string_view bytes) {
  if (bytes.empty()) return std::uint64_t{0};
  if (kernel == nullptr) return make_error(Errc::Internal, "the Extism kernel is not linked yet");
  const engine::Value size[] = {engine::Value::i64(static_cast<std::int64_t>(bytes.size()))};
  auto result = kernel->call(kernel_alloc, size);
  if (!result) return result.failure().to_error();
  const auto handle = static_cast<std::uint64_t>(result->at(0).as_i64());
  auto span = handle == 0 ? std::nullopt : kernel_memory->view().slice(handle, bytes.size());
  if (!span) {
    memory_exhausted = true;
    return make_error(Errc::PluginMemory,
                      fmt::format("kernel memory exhausted: cannot allocate {} bytes", bytes.size()));
  }
  std::memcpy(span->data(), bytes.data(), bytes.size());
  return handle;
}

Result<VmHostContext*> host_context(engine::HostCall& call) {
  auto* context = static_cast<VmHostContext*>(call.user_data());
  if (context == nullptr) {
    return make_error(Errc::Internal, "no VM context: an Extism host function was linked outside a Vm");
  }
  return context;
}

}  // namespace wasmgate::abi
