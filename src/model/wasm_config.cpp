// WasmConfig (spec §1.2): read defaults, legacy keys, and the written shape of Otoroshi's WasmConfig.json.
#include "model/wasm_config.h"

#include "model/detail/readers.h"

namespace wasmgate::model {

namespace json = boost::json;

namespace {

using detail::ObjectFields;

// A wasm32 memory cannot exceed 65536 pages of 64 KiB (4 GiB).
constexpr std::int64_t kMaxMemoryPages = 65536;

WasmDataRights read_rights(ObjectFields& parent, std::string_view key) {
  const std::string path = parent.path_of(key);
  ObjectFields fields(detail::object_or_empty(parent.find(key), path), path);
  WasmDataRights rights;
  rights.read = fields.boolean("read", false);
  rights.write = fields.boolean("write", false);
  parent.put(key, std::move(fields).finish());
  return rights;
}

// `authorizations`, or its legacy alias `accesses` when `authorizations` is absent (errors then name
// `accesses`, the key the user sent). Always written as `authorizations`.
WasmAuthorizations read_authorizations(ObjectFields& config) {
  const bool legacy = !config.has("authorizations") && config.has("accesses");
  const std::string_view key = legacy ? "accesses" : "authorizations";
  const std::string path = config.path_of(key);
  config.drop("accesses");
  ObjectFields fields(detail::object_or_empty(config.find(key), path), path);
  WasmAuthorizations a;
  a.http_access = fields.boolean("httpAccess", false);
  a.proxy_http_call_timeout_ms = fields.integer("proxyHttpCallTimeout", 5000, 0, detail::kInt32Max);
  a.global_data_store_access = read_rights(fields, "globalDataStoreAccess");
  a.plugin_data_store_access = read_rights(fields, "pluginDataStoreAccess");
  a.global_map_access = read_rights(fields, "globalMapAccess");
  a.plugin_map_access = read_rights(fields, "pluginMapAccess");
  a.proxy_state_access = fields.boolean("proxyStateAccess", false);
  a.configuration_access = fields.boolean("configurationAccess", false);
  config.put("authorizations", std::move(fields).finish());
  return a;
}

// killOptions, snake_case keys as wasm4s's WasmVmKillOptions reads them.
WasmKillOptions read_kill_options(ObjectFields& config) {
  const std::string path = config.path_of("killOptions");
  ObjectFields fields(detail::object_or_empty(config.find("killOptions"), path), path);
  WasmKillOptions k;
  k.immortal = fields.boolean("immortal", false);
  k.max_calls = fields.integer("max_calls", k.max_calls, 0, detail::kInt32Max);
  // A fraction, though Otoroshi's UI labels it "%" [quirk]: values above 1 are accepted (they never trigger),
  // so that configs exported from Otoroshi load unchanged.
  k.max_memory_usage = fields.number("max_memory_usage", 0.0);
  k.max_avg_call_duration_ms = fields.integer("max_avg_call_duration", 0);
  k.max_unused_duration_ms = fields.integer("max_unused_duration", k.max_unused_duration_ms);
  config.put("killOptions", std::move(fields).finish());
  return k;
}

// functionName: a string or null; "" means none and is written as null (Otoroshi filters it out on read).
std::string read_function_name(ObjectFields& config) {
  std::optional<std::string> name = config.nullable_string("functionName");
  if (name && name->empty()) {
    config.put("functionName", nullptr);
    name.reset();
  }
  return name.value_or("");
}

}  // namespace

namespace detail {

WasmConfig read_wasm_config(const json::value& v, std::string_view path) {
  ObjectFields fields(as_object(v, path.empty() ? std::string_view("config") : path), std::string(path));
  WasmConfig c;
  // Keys in the order WasmConfig.json writes them.
  c.source = read_wasm_source(fields);
  c.memory_pages =
      static_cast<int>(fields.integer("memoryPages", kReadDefaultMemoryPages, 1, kMaxMemoryPages));
  c.function_name = read_function_name(fields);
  c.config = fields.string_map("config");
  c.allowed_hosts = fields.string_array("allowedHosts");
  c.allowed_paths = fields.string_map("allowedPaths");
  c.wasi = fields.boolean("wasi", false);
  c.opa = fields.boolean("opa", false);
  c.http_wasm = fields.boolean("httpWasm", false);
  c.authorizations = read_authorizations(fields);
  c.instances = static_cast<int>(fields.integer("instances", 1, 1, kInt32Max));
  c.kill_options = read_kill_options(fields);
  c.is_js = fields.boolean("isJS", false);
  // wasmgate extension: the per-call deadline (Otoroshi ignores the key, so documents stay portable).
  c.call_timeout_ms = fields.integer("callTimeoutMs", kDefaultCallTimeoutMs, 1);
  c.json = std::move(fields).finish();
  return c;
}

}  // namespace detail

Result<WasmConfig> parse_wasm_config(const json::value& json) {
  return parse_wasm_config_at(json, "");
}

Result<WasmConfig> parse_wasm_config_at(const json::value& json, std::string_view path) {
  return detail::guarded<WasmConfig>([&] { return detail::read_wasm_config(json, path); });
}

json::object default_wasm_config_json() {
  json::object in{{"memoryPages", kWrittenDefaultMemoryPages}};
  return detail::read_wasm_config(in, "").json;  // cannot throw: every other field takes its default
}

}  // namespace wasmgate::model
