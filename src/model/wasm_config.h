// WasmConfig: how to load and run one wasm plugin (spec otoroshi-wasm.md §1.2, §1.3). Used as the config of
// every Wasm* plugin slot and inside WasmPlugin entities.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace wasmgate::model {

// Where the module bytes come from (§2). Read case-insensitively ("wasmmanager" is Wasmo's old name),
// written capitalised.
enum class WasmSourceKind { Base64, Http, Wasmo, Local, File, ClassPath, Unknown };

struct WasmSource {
  WasmSourceKind kind = WasmSourceKind::Unknown;
  std::string path;          // URL, base64 text, file path, Wasmo plugin name or WasmPlugin entity id
  boost::json::object opts;  // kind-specific options (Http: method, headers, timeout, tls...), kept as stored
};

// "Base64", "Http", "Wasmo", "Local", "File", "ClassPath", "Unknown".
std::string_view wasm_source_kind_name(WasmSourceKind kind);
// Case-insensitive; "wasmmanager" -> Wasmo; nullopt for a name that is not a kind.
std::optional<WasmSourceKind> parse_wasm_source_kind(std::string_view name);
// Otoroshi's cache key: "<kind lower-case>://<path>", e.g. "http://https://host/x.wasm", "local://my-id".
std::string source_cache_key(const WasmSource& source);

struct WasmDataRights {
  bool read = false;
  bool write = false;
};

// Host-function gating (§4). JSON key `authorizations` (legacy alias `accesses`).
struct WasmAuthorizations {
  bool http_access = false;
  std::int64_t proxy_http_call_timeout_ms = 5000;
  WasmDataRights global_data_store_access;
  WasmDataRights plugin_data_store_access;
  WasmDataRights global_map_access;
  WasmDataRights plugin_map_access;
  bool proxy_state_access = false;
  bool configuration_access = false;
};

// VM recycling (§8). JSON keys are snake_case, as wasm4s reads them.
struct WasmKillOptions {
  bool immortal = false;
  std::int64_t max_calls = 2147483647;
  double max_memory_usage = 0.0;              // fraction of memoryPages*64KiB (0.9 = 90%); 0 = disabled
  std::int64_t max_avg_call_duration_ms = 0;  // 0 = disabled
  std::int64_t max_unused_duration_ms = 300000;
};

// Otoroshi writes 50 for a fresh WasmConfig() (templates, absent entity config) but reads 100 when the key is
// absent from a stored config. [quirk] kept as is: a config stored by Otoroshi without memoryPages must get
// the same memory budget here.
inline constexpr int kWrittenDefaultMemoryPages = 50;
inline constexpr int kReadDefaultMemoryPages = 100;
// wasmgate extension `callTimeoutMs`: per-call deadline. Otoroshi has none (a runaway guest blocks a thread).
inline constexpr std::int64_t kDefaultCallTimeoutMs = 10000;

struct WasmConfig {
  WasmSource source;
  int memory_pages = kReadDefaultMemoryPages;
  std::string function_name;  // empty = none (the step's default export is used)
  std::vector<std::pair<std::string, std::string>> config;         // Extism manifest config
  std::vector<std::string> allowed_hosts;                          // globs
  std::vector<std::pair<std::string, std::string>> allowed_paths;  // host path -> guest path
  bool wasi = false;
  bool opa = false;
  bool http_wasm = false;
  WasmAuthorizations authorizations;
  int instances = 1;  // max VMs in this config's pool, >= 1
  WasmKillOptions kill_options;
  bool is_js = false;
  std::int64_t call_timeout_ms = kDefaultCallTimeoutMs;  // wasmgate extension, > 0
  boost::json::object json;                              // full normalized document
};

// Reads a WasmConfig object with Otoroshi's read defaults and legacy keys (compiler_source, raw_source,
// accesses). Unlike Otoroshi, which silently falls back to WasmConfig() when a config does not parse, a bad
// field is a 400 naming it: a plugin that would fail at call time is better refused when it is saved.
Result<WasmConfig> parse_wasm_config(const boost::json::value& json);
// Same, with `path` prefixed to error messages ("plugins[0].config" -> "plugins[0].config.memoryPages: ...").
Result<WasmConfig> parse_wasm_config_at(const boost::json::value& json, std::string_view path);

// What Otoroshi writes for WasmConfig() (memoryPages 50, Unknown source), plus callTimeoutMs.
boost::json::object default_wasm_config_json();

}  // namespace wasmgate::model
