// wasmgate: an API gateway whose extension system is Otoroshi's WASM plugin model.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <optional>
#include <stop_token>

#include "admin/admin_api.h"
#include "core/logging.h"
#include "plugins/job_runner.h"
#include "plugins/otoroshi_host_services.h"
#include "plugins/plugin_kind.h"
#include "plugins/plugin_runtime.h"
#include "proxy/gateway.h"
#include "proxy/state.h"
#include "store/entity_store.h"
#include "store/sqlite_kv_store.h"
#include "wasm/engine/engine_info.h"
#include "wasm/engine/v8/v8_engine.h"
#include "wasm/call_tool.h"

namespace {

// How often VM pools apply their kill options (idle/avg-duration/memory limits).
constexpr std::chrono::seconds kPoolCleanInterval{5};
// How often the wasm jobs are compared with the state (a new snapshot version: admin write or store reload).
constexpr std::chrono::seconds kJobSyncInterval{1};

constexpr const char* kDefaultClientId = "admin-api-apikey-id";
constexpr const char* kDefaultClientSecret = "admin-api-apikey-secret";

struct ServeFlags {
  std::string listen = "0.0.0.0:8080";
  std::string admin_listen = "127.0.0.1:8081";
  std::string data = "./data";
  std::string admin_credentials;
  int threads = 0;
  std::int64_t wasm_cache_ttl_ms = 10000;
  std::string log_level = "info";
  std::string ready_file;
  std::uint64_t plugin_maps_max_bytes = wasmgate::store::kDefaultMemoryMapsMaxBytes;
};

// ---- Otoroshi host functions (env.proxy_*): what they read and write. proxy_config shows the serve options,
// the admin secret redacted; the state comes from the current snapshot.
wasmgate::abi::otoroshi::HostServicesPtr make_host_services(
    const ServeFlags& flags, const std::string& client_id, std::shared_ptr<wasmgate::proxy::StateHolder> state,
    std::shared_ptr<wasmgate::store::KvStore> kv) {
  using namespace wasmgate;
  plugins::HostServicesOptions options;
  options.entities = [state] {
    const auto snapshot = state->current();
    plugins::EntitiesView view;
    view.routes = snapshot->all_routes;
    for (const auto& [id, plugin] : snapshot->wasm_plugins) view.wasm_plugins.push_back(plugin);
    std::sort(view.wasm_plugins.begin(), view.wasm_plugins.end(),
              [](const auto& a, const auto& b) { return a->id < b->id; });
    view.global_config = snapshot->global_config;
    return view;
  };
  options.kv = std::move(kv);
  options.maps = std::make_shared<store::MemoryMaps>(flags.plugin_maps_max_bytes);
  options.static_config = boost::json::object{
      {"version", WASMGATE_VERSION},
      {"listen", flags.listen},
      {"admin_listen", flags.admin_listen},
      {"data", flags.data},
      {"threads", flags.threads},
      {"wasm_cache_ttl_ms", flags.wasm_cache_ttl_ms},
      {"log_level", flags.log_level},
      {"plugin_maps_max_bytes", flags.plugin_maps_max_bytes},
      {"admin_credentials", boost::json::object{{"client_id", client_id}, {"client_secret", "********"}}},
  };
  options.cluster_state = plugins::single_node_cluster_state(WASMGATE_VERSION);
  return std::make_shared<plugins::GatewayHostServices>(std::move(options));
}

// Writes {"proxy_port":..,"admin_port":..} once both listeners are bound: how scripts and tests that start the
// gateway on port 0 learn the ports. Written to a temporary name and renamed, so a reader never sees half a file.
bool write_ready_file(const std::string& path, std::uint16_t proxy_port, std::uint16_t admin_port) {
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return false;
  std::fprintf(f, "{\"proxy_port\":%u,\"admin_port\":%u,\"pid\":%d}\n", proxy_port, admin_port,
               static_cast<int>(::getpid()));
  bool ok = std::fclose(f) == 0;
  return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Warms the sources of every wasm plugin entity and of every inline wasm slot of the routes and the global
// config (Local slots use their entity's source).
void prefetch_sources(wasmgate::plugins::PluginRuntime& runtime, const wasmgate::proxy::Snapshot& snapshot) {
  for (const auto& [id, plugin] : snapshot.wasm_plugins) runtime.prefetch(plugin->config.source);
  auto slots = [&](const std::vector<wasmgate::model::PluginSlot>& list) {
    for (const auto& slot : list) {
      if (!slot.enabled || !wasmgate::plugins::wasm_plugin_kind(slot.plugin)) continue;
      if (auto config = wasmgate::model::parse_wasm_config(slot.config)) runtime.prefetch(config->source);
    }
  };
  for (const auto& route : snapshot.routes.routes()) slots(route->plugins);
  slots(snapshot.global_config->ng_plugins);
}

// The pools the state still uses: every bound slot of the routes' plans, the global plan and the jobs.
std::set<std::string, std::less<>> live_pool_keys(const wasmgate::proxy::Snapshot& snapshot,
                                                  const wasmgate::plugins::JobRunner& jobs) {
  std::set<std::string, std::less<>> keys;
  auto add = [&](const std::vector<wasmgate::plugins::SlotPlan>& slots) {
    for (const auto& slot : slots) {
      if (slot.binding) keys.insert(slot.binding->pool_key);
    }
  };
  for (const auto& plan : snapshot.plans) {
    if (!plan) continue;
    for (const auto* bucket : {&plan->matchers, &plan->pre_routes, &plan->access, &plan->request_transformers,
                               &plan->backends, &plan->response_transformers, &plan->websocket}) {
      add(*bucket);
    }
  }
  if (const auto& global = snapshot.global_plan) {
    add(global->routers);
    add(global->sinks);
    for (const auto& [domain, binding] : global->request_handlers) {
      if (binding) keys.insert(binding->pool_key);
    }
  }
  for (auto& key : jobs.pool_keys()) keys.insert(std::move(key));
  return keys;
}

int serve(const ServeFlags& flags) {
  using namespace wasmgate;
  setup_logging(flags.log_level);

  std::string client_id = kDefaultClientId, client_secret = kDefaultClientSecret;
  if (flags.admin_credentials.empty()) {
    spdlog::warn("****************************************************************************************");
    spdlog::warn("* admin API uses the DEFAULT credentials {}:{} -- anyone who knows Otoroshi's", client_id,
                 client_secret);
    spdlog::warn("* defaults can change every route. Set --admin-credentials id:secret (or WASMGATE_ADMIN_CREDENTIALS).");
    spdlog::warn("****************************************************************************************");
  } else {
    auto colon = flags.admin_credentials.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == flags.admin_credentials.size()) {
      spdlog::error("--admin-credentials must be id:secret");
      return 2;
    }
    client_id = flags.admin_credentials.substr(0, colon);
    client_secret = flags.admin_credentials.substr(colon + 1);
  }

  auto store = store::open_sqlite_entity_store(flags.data);
  if (!store) {
    spdlog::error("cannot open the entity store in {}: {}", flags.data, store.error().message);
    return 1;
  }
  auto state = std::make_shared<proxy::StateHolder>(*store);
  if (auto r = state->reload(); !r) {
    spdlog::error("cannot load entities from {}: {}", flags.data, r.error().message);
    return 1;
  }

  // Wasm plugins: one engine (compiled code shared by sha256, V8's code cache under --data) and the runtime
  // that keeps the VM pools of every plugin.
  engine::EngineOptions engine_options;
  engine_options.code_cache_dir = (std::filesystem::path(flags.data) / "code-cache").string();
  const engine::EnginePtr wasm_engine = engine::create_v8_engine(engine_options);
  plugins::PluginRuntimeOptions runtime_options;
  runtime_options.source_cache_ttl = std::chrono::milliseconds(flags.wasm_cache_ttl_ms);
  // Plugin data (env.proxy_datastore_*): <data>/kv.db, kept across restarts.
  auto kv_store = store::SqliteKvStore::open(flags.data);
  if (!kv_store) {
    spdlog::error("cannot open the plugin datastore in {}: {}", flags.data, kv_store.error().message);
    return 1;
  }
  runtime_options.host_services = make_host_services(flags, client_id, state, *kv_store);
  auto plugin_runtime = std::make_shared<plugins::PluginRuntime>(*wasm_engine, runtime_options);

  auto job_runner = std::make_shared<plugins::JobRunner>(*plugin_runtime);

  admin::AdminOptions admin_options;
  admin_options.plugin_status = [state, plugin_runtime](std::string_view id) -> std::optional<boost::json::object> {
    const auto snapshot = state->current();
    const model::WasmPlugin* plugin = snapshot->find_wasm_plugin(std::string(id));
    if (plugin == nullptr) return std::nullopt;
    return plugin_runtime->status(id, plugin->config.source);
  };
  admin_options.client_id = client_id;
  admin_options.client_secret = client_secret;
  auto admin_api =
      std::make_shared<admin::AdminApi>(*store, admin_options, [state, plugin_runtime, job_runner](
                                                                    const store::EntityChanges& changes) {
        if (auto r = state->apply_changes(changes); !r) {
          spdlog::error("applying an admin write to the proxy state: {}", r.error().message);
        }
        // Pools whose config the write replaced are retired now, not at the next tick: config churn does not
        // pile up VMs.
        plugin_runtime->retain_pools(live_pool_keys(*state->current(), *job_runner));
      });

  proxy::GatewayOptions options;
  options.listen = flags.listen;
  options.admin_listen = flags.admin_listen;
  options.threads = flags.threads > 0 ? flags.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (options.threads <= 0) options.threads = 1;
  options.admin_max_body_bytes = admin_options.max_body_bytes;

  proxy::Gateway gateway(options, state,
                         [admin_api](const HttpRequest& request) { return admin_api->handle(request); });
  gateway.set_plugin_runtime(plugin_runtime);
  // The pools' cleaner (spec §8: Otoroshi runs it every 60 s; killOptions durations are in ms, so more often).
  std::jthread pool_cleaner([plugin_runtime, kv = *kv_store](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    // The predicate is what wait_for returns: true once stop is requested (a constant false spun forever at
    // shutdown, since a requested stop makes every later wait return at once).
    while (!cv.wait_for(lock, stop, kPoolCleanInterval, [&stop] { return stop.stop_requested(); })) {
      plugin_runtime->clean();
      // Expired plugin datastore keys are already invisible; this reclaims their rows.
      if (auto purged = kv->purge_expired(); !purged) spdlog::warn("plugin datastore: {}", purged.error().message);
      // Destroyed VMs free large blocks; hand them back to the system so RSS follows the live VMs (glibc keeps
      // freed memory otherwise, and config churn would look like a leak).
      ::malloc_trim(0);
    }
  });
  // Wasm jobs (spec §9) and plugin sources follow the state: a 1 s poll of the snapshot version rather than a
  // publish callback sees admin writes and store reloads alike without touching StateHolder, and a sync of
  // unchanged jobs is a no-op (Otoroshi's launcher looks every 20 s). On a new snapshot every source is
  // prefetched, so a first request does not pay the download; every second, sources in use are kept fresh
  // (changed bytes rebuild their pools: hot reload).
  std::jthread job_sync([state, job_runner, plugin_runtime](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    std::optional<std::uint64_t> synced;
    do {
      plugin_runtime->refresh_sources();
      const auto snapshot = state->current();
      if (snapshot->version == synced) continue;
      synced = snapshot->version;
      plugin_runtime->set_global_config(*snapshot->global_config);
      prefetch_sources(*plugin_runtime, *snapshot);
      job_runner->sync(*snapshot->global_config, [&snapshot](std::string_view id) {
        return snapshot->find_wasm_plugin(std::string(id));
      });
      plugin_runtime->retain_pools(live_pool_keys(*snapshot, *job_runner));
    } while (!cv.wait_for(lock, stop, kJobSyncInterval, [&stop] { return stop.stop_requested(); }));
  });
  if (auto r = gateway.start(); !r) {
    spdlog::error("{}", r.error().message);
    return 1;
  }
  spdlog::info("wasmgate {} listening: proxy {} (port {}), admin {} (port {}), {} threads, data {}", WASMGATE_VERSION,
               options.listen, gateway.proxy_port(), options.admin_listen, gateway.admin_port(), options.threads,
               flags.data);
  if (!flags.ready_file.empty() &&
      !write_ready_file(flags.ready_file, gateway.proxy_port(), gateway.admin_port())) {
    spdlog::error("cannot write --ready-file {}", flags.ready_file);
    return 1;
  }
  gateway.run();
  // Jobs get their job_stop while the runtime is still whole.
  job_sync.request_stop();
  job_sync.join();
  job_runner->stop();
  spdlog::info("wasmgate stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wasmgate: an API gateway running Otoroshi WASM plugins"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "print the version and the linked V8");

  ServeFlags flags;
  auto* serve_cmd = app.add_subcommand("serve", "run the gateway");
  serve_cmd->add_option("--listen", flags.listen, "proxy listener host:port")
      ->envname("WASMGATE_LISTEN")
      ->capture_default_str();
  serve_cmd->add_option("--admin-listen", flags.admin_listen, "admin API listener host:port")
      ->envname("WASMGATE_ADMIN_LISTEN")
      ->capture_default_str();
  serve_cmd->add_option("--data", flags.data, "folder of the embedded store")
      ->envname("WASMGATE_DATA")
      ->capture_default_str();
  serve_cmd
      ->add_option("--admin-credentials", flags.admin_credentials,
                   "admin API key as id:secret [admin-api-apikey-id:admin-api-apikey-secret]")
      ->envname("WASMGATE_ADMIN_CREDENTIALS");
  serve_cmd
      ->add_option("--wasm-cache-ttl", flags.wasm_cache_ttl_ms,
                   "ms a fetched plugin binary stays fresh; older ones are refetched and, when changed, hot reloaded")
      ->envname("WASMGATE_WASM_CACHE_TTL")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve_cmd->add_option("--threads", flags.threads, "I/O threads [number of cores]")->envname("WASMGATE_THREADS");
  serve_cmd->add_option("--log-level", flags.log_level, "trace|debug|info|warn|error|off")
      ->envname("WASMGATE_LOG_LEVEL")
      ->capture_default_str();

  serve_cmd
      ->add_option("--plugin-maps-max-bytes", flags.plugin_maps_max_bytes,
                    "bytes (keys + values) all in-memory plugin maps (env.proxy_*_map_*) may hold; writes beyond fail")
      ->envname("WASMGATE_PLUGIN_MAPS_MAX_BYTES")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve_cmd->add_option("--ready-file", flags.ready_file,
                        "write the bound ports as JSON to this file once listening (for scripts and tests)");

  // `call`: run one export of a plugin file through a VM (wasm/call_tool.h).
  wasmgate::wasm::CallToolOptions call_options;
  auto* call_cmd = app.add_subcommand("call", "call a function of a wasm plugin (Extism ABI) and print its output");
  call_cmd->add_option("--wasm", call_options.wasm_path, "plugin file (.wasm)")->required();
  call_cmd->add_option("--function", call_options.function, "exported function to call")->required();
  call_cmd->add_option("--input", call_options.input, "input bytes (usually JSON)");
  call_cmd->add_option("--input-file", call_options.input_file, "read the input from this file");
  call_cmd->add_option("--config", call_options.config, "plugin config entry key=value (repeatable)");
  call_cmd->add_option("--memory-pages", call_options.memory_pages, "memory budget in 64 KiB pages")
      ->capture_default_str();
  call_cmd->add_flag("--wasi", call_options.wasi, "link WASI preview1 imports");
  call_cmd->add_option("--allow-host", call_options.allowed_hosts, "host glob http_request may call (repeatable)");
  call_cmd->add_option("--allow-path", call_options.allowed_paths,
                       "[rw:]HOST:GUEST WASI preopen, read-only unless rw: (repeatable)");
  call_cmd->add_option("--log-level", call_options.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
  call_cmd->add_option("--timeout-ms", call_options.timeout_ms, "per-call deadline")->capture_default_str();
  call_cmd->add_option("--repeat", call_options.repeat, "calls on the same VM, one output per line")
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  if (show_version) {
    std::printf("wasmgate %s\n%s\n", WASMGATE_VERSION, wasmgate::engine::engine_version().c_str());
    return 0;
  }
  if (serve_cmd->parsed()) return serve(flags);
  if (call_cmd->parsed()) {
    wasmgate::setup_logging(call_options.log_level);
    return wasmgate::wasm::run_call_tool(call_options);
  }
  std::fputs(app.help().c_str(), stdout);
  return 0;
}
