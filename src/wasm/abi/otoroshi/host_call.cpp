#include "wasm/abi/otoroshi/host_call.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <charconv>
#include <limits>
#include <memory>
#include <utility>

namespace wasmgate::abi::otoroshi {

using engine::ValType;

std::string_view gate_flag(Gate gate) {
  switch (gate) {
    case Gate::Always:
      return "";
    case Gate::HttpAccess:
      return "authorizations.httpAccess";
    case Gate::GlobalDataStoreRead:
      return "authorizations.globalDataStoreAccess.read";
    case Gate::GlobalDataStoreWrite:
      return "authorizations.globalDataStoreAccess.write";
    case Gate::PluginDataStoreRead:
      return "authorizations.pluginDataStoreAccess.read";
    case Gate::PluginDataStoreWrite:
      return "authorizations.pluginDataStoreAccess.write";
    case Gate::GlobalMapRead:
      return "authorizations.globalMapAccess.read";
    case Gate::GlobalMapWrite:
      return "authorizations.globalMapAccess.write";
    case Gate::PluginMapRead:
      return "authorizations.pluginMapAccess.read";
    case Gate::PluginMapWrite:
      return "authorizations.pluginMapAccess.write";
    case Gate::ProxyState:
      return "authorizations.proxyStateAccess";
    case Gate::Configuration:
      return "authorizations.configurationAccess";
  }
  return "";
}

bool gate_open(Gate gate, const Grants& grants) {
  switch (gate) {
    case Gate::Always:
      return true;
    case Gate::HttpAccess:
      return grants.http_access;
    case Gate::GlobalDataStoreRead:
      return grants.global_data_store.read;
    case Gate::GlobalDataStoreWrite:
      return grants.global_data_store.write;
    case Gate::PluginDataStoreRead:
      return grants.plugin_data_store.read;
    case Gate::PluginDataStoreWrite:
      return grants.plugin_data_store.write;
    case Gate::GlobalMapRead:
      return grants.global_map.read;
    case Gate::GlobalMapWrite:
      return grants.global_map.write;
    case Gate::PluginMapRead:
      return grants.plugin_map.read;
    case Gate::PluginMapWrite:
      return grants.plugin_map.write;
    case Gate::ProxyState:
      return grants.proxy_state;
    case Gate::Configuration:
      return grants.configuration;
  }
  return false;
}

Function make_function(std::string_view name, Gate gate, engine::FuncType type, Callback callback) {
  auto function = std::make_shared<const engine::HostFunction>(engine::HostFunction{
      std::string(kModule) + "." + std::string(name), std::move(type),
      [callback, name](engine::HostCall& call) -> Result<void> {
        auto context = host_context(call);
        if (!context) return context.take_error();
        VmState* state = vm_state(**context);
        if (state == nullptr) {
          return make_error(Errc::Internal, fmt::format("env.{}: the VM has no Otoroshi host state", name));
        }
        return callback(call, **context, *state);
      }});
  return Function{name, gate, std::move(function)};
}

engine::FuncType context_type() {
  return {{ValType::I64, ValType::I64}, {ValType::I64}};
}
engine::FuncType unused_type() {
  return {{ValType::I64}, {ValType::I64}};
}

Result<std::string_view> read_range(engine::HostCall& call, const VmHostContext& context, std::size_t first,
                                    std::string_view what) {
  if (context.kernel_memory == nullptr)
    return make_error(Errc::Internal, "the Extism kernel is not linked yet");
  const auto offset = static_cast<std::uint64_t>(call.arg(first).as_i64());
  const auto length = static_cast<std::uint64_t>(call.arg(first + 1).as_i64());
  if (length == 0) return std::string_view();
  const auto span = context.kernel_memory->view().slice(offset, length);
  if (!span) {
    return make_error(Errc::BadRequest,
                      fmt::format("env.{}: the argument [{}, {}+{}) is outside the Extism memory", what,
                                  offset, offset, length));
  }
  return std::string_view(reinterpret_cast<const char*>(span->data()), span->size());
}

std::optional<boost::json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

Result<boost::json::object> read_json_object(engine::HostCall& call, const VmHostContext& context,
                                             std::string_view function) {
  auto text = read_range(call, context, 0, function);
  if (!text) return text.take_error();
  std::optional<boost::json::object> object = parse_object(*text);
  if (!object) {
    return make_error(Errc::BadRequest, fmt::format("env.{}: the argument is not a JSON object", function));
  }
  return std::move(*object);
}

Result<void> return_bytes(engine::HostCall& call, VmHostContext& context, std::string_view bytes) {
  auto handle = context.alloc_bytes(bytes);
  if (!handle) return handle.take_error();
  call.results()[0] = engine::Value::i64(static_cast<std::int64_t>(*handle));
  return {};
}

const boost::json::string* string_field(const boost::json::object& object, std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

std::optional<std::int64_t> integer_field(const boost::json::object& object, std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  if (v->is_string()) {
    const std::string_view text = v->get_string();
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return n;
  }
  return std::nullopt;
}

}  // namespace wasmgate::abi::otoroshi
