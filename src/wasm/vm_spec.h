// What a VM is made from: the plugin's modules or bytes and the parts of its WasmConfig the Extism ABI uses,
// plus limits and the hook through which later host-function families (Otoroshi's) join the imports.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "wasm/abi/extism/host_context.h"
#include "wasm/abi/extism/http_fetcher.h"
#include "wasm/engine/deadline.h"
#include "wasm/engine/imports.h"
#include "wasm/vm_modules.h"

namespace wasmgate::wasm {

// WasmConfig.memoryPages as read when absent. [quirk] Otoroshi's case-class/template default is 50; the JSON
// reader's is 100, which is what a stored entity without the key gets.
inline constexpr std::uint32_t kDefaultMemoryPages = 100;
// Per-call deadline (callTimeoutMs): an endless guest loop ends with "timeout" and the VM is recycled.
inline constexpr std::chrono::milliseconds kDefaultCallTimeout{10'000};
// Largest output a call may return; above it the call fails (the output would be copied into a std::string
// on the request path).
inline constexpr std::uint64_t kDefaultMaxOutputBytes = 16 * 1024 * 1024;

// Called while the VM is being created, after the Extism imports are added and before the guest is
// instantiated: adds more imports (host functions under "env", a store-created memory such as OPA's
// env.memory…) and may keep per-VM state in context.extensions under its family's name. Host functions find
// `context` via abi::host_context(call). An error fails the creation.
using ImportsHook =
    std::function<Result<void>(engine::Imports& imports, abi::VmHostContext& context, engine::Store& store)>;

class Vm;
// Called at the end of a VM's creation, once the guest is instantiated and its initialisers ran: what a
// family does before the VM may serve anything (http-wasm's `_start`, loading an OPA policy), so that a guest
// that cannot serve fails its creation — a load error the pool reports — instead of its first request.
using CreatedHook = std::function<Result<void>(Vm& vm)>;

struct VmSpec {
  // The plugin: precompiled modules (compile_vm_modules, shared by a pool) or raw bytes compiled by create().
  VmModulesPtr modules;
  std::vector<std::uint8_t> wasm;
  // Used with `wasm` only; precompiled modules carry their split of the budget.
  std::uint32_t memory_pages = kDefaultMemoryPages;

  std::string plugin_id;                                   // logs and messages: "plugin <id>: …"
  std::map<std::string, std::string, std::less<>> config;  // WasmConfig.config, read by config_get
  std::vector<std::string> allowed_hosts;                  // WasmConfig.allowedHosts globs; empty: no HTTP
  std::vector<std::pair<std::string, std::string>> allowed_paths;  // WasmConfig.allowedPaths (kept for WASI)
  bool wasi = false;                                               // WasmConfig.wasi

  std::chrono::milliseconds call_timeout = kDefaultCallTimeout;
  std::uint64_t max_output_bytes = kDefaultMaxOutputBytes;
  std::uint64_t max_var_bytes = abi::kDefaultMaxVarBytes;
  std::uint64_t max_http_response_bytes = abi::kDefaultMaxHttpResponseBytes;
  // Plugin log level (get_log_level, and below it log_* are dropped); nullopt: spdlog's level at creation.
  std::optional<abi::PluginLogLevel> log_level;
  // Outbound HTTP for http_request; null: the process-wide blocking client (vm_http_client.h).
  std::shared_ptr<abi::HttpFetcher> http;

  // One hook per host-function family (Otoroshi's env functions, OPA, http-wasm), run in order.
  std::vector<ImportsHook> import_hooks;
  // Run in order at the end of create(); an error fails the creation as PluginLoad.
  std::vector<CreatedHook> created_hooks;
};

struct VmStats {
  std::uint64_t calls = 0;         // calls that reached the guest
  std::uint64_t failed_calls = 0;  // of which ended in an error (guest-reported included)
  std::chrono::nanoseconds total_call_time{0};
  std::uint64_t memory_bytes = 0;         // guest + kernel linear memory now
  std::uint64_t memory_budget_bytes = 0;  // memoryPages × 64 KiB (denominator of max_memory_usage)
  engine::Clock::time_point created_at;
  engine::Clock::time_point last_used;  // end of the last call (created_at before any)
};

}  // namespace wasmgate::wasm
