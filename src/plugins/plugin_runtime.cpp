#include "plugins/plugin_runtime.h"

#include <spdlog/spdlog.h>

#include <boost/asio/thread_pool.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/base64.h"
#include "wasm/abi/extism/http_fetcher.h"
#include "wasm/vm.h"
#include "wasm/vm_http_client.h"
#include "wasm/vm_modules.h"

namespace wasmgate::plugins {

struct PluginRuntime::Impl {
  explicit Impl(int threads) : blocking(static_cast<std::size_t>(threads < 1 ? 1 : threads)) {}
  ~Impl() { blocking.join(); }
  boost::asio::thread_pool blocking;
};

namespace {

using Bytes = std::vector<std::uint8_t>;

Result<Bytes> decode_base64_source(std::string_view text, const std::string& plugin_id) {
  auto decoded = base64_decode(text);
  if (!decoded) {
    return make_error(Errc::PluginLoad,
                      fmt::format("plugin {}: Base64 source: {}", plugin_id, decoded.error().message));
  }
  return Bytes(decoded->begin(), decoded->end());
}

Result<Bytes> read_file_source(std::string path, const std::string& plugin_id) {
  if (path.starts_with("file://")) path.erase(0, 7);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Errc::PluginLoad, fmt::format("plugin {}: cannot read File source {}", plugin_id, path));
  }
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<Bytes> fetch_http_source(const model::WasmSource& source, const std::string& plugin_id,
                                std::chrono::milliseconds default_timeout) {
  auto url = abi::parse_http_url(source.path);
  if (!url) {
    return make_error(Errc::PluginLoad, fmt::format("plugin {}: Http source: {}", plugin_id, url.error().message));
  }
  abi::HttpFetchRequest request;
  request.url = source.path;
  request.target = std::move(*url);
  if (const auto* m = source.opts.if_contains("method"); m && m->is_string()) request.method = m->as_string();
  if (const auto* h = source.opts.if_contains("headers"); h && h->is_object()) {
    for (const auto& [k, v] : h->as_object()) {
      if (v.is_string()) request.headers.emplace_back(k, v.as_string());
    }
  }
  auto timeout = default_timeout;
  if (const auto* t = source.opts.if_contains("timeout"); t && t->is_int64() && t->as_int64() > 0) {
    timeout = std::chrono::milliseconds(t->as_int64());
  }
  auto response = wasm::default_http_client()->fetch(request, engine::deadline_after(timeout), 256u << 20);
  if (!response) {
    return make_error(Errc::PluginLoad,
                      fmt::format("plugin {}: fetching {} failed: {}", plugin_id, source.path,
                                  response.error().message));
  }
  if (response->status != 200) {
    return make_error(Errc::PluginLoad, fmt::format("plugin {}: fetching {} failed: bad response status {}",
                                                    plugin_id, source.path, response->status));
  }
  return Bytes(response->body.begin(), response->body.end());
}

wasm::VmSpec vm_spec_for(const BoundPlugin& plugin, wasm::VmModulesPtr modules) {
  wasm::VmSpec spec;
  spec.modules = std::move(modules);
  spec.plugin_id = plugin.plugin_id;
  for (const auto& [k, v] : plugin.config.config) spec.config[k] = v;
  spec.allowed_hosts = plugin.config.allowed_hosts;
  spec.allowed_paths = plugin.config.allowed_paths;
  spec.wasi = plugin.config.wasi;
  spec.call_timeout = std::chrono::milliseconds(plugin.config.call_timeout_ms);
  return spec;
}

}  // namespace

PluginRuntime::PluginRuntime(engine::Engine& engine, PluginRuntimeOptions options)
    : engine_(engine), options_(options), impl_(std::make_unique<Impl>(options.blocking_threads)) {}

PluginRuntime::~PluginRuntime() = default;

boost::asio::any_io_executor PluginRuntime::blocking_executor() { return impl_->blocking.get_executor(); }

bool PluginRuntime::may_block(const BoundPlugin& plugin) { return !plugin.config.allowed_hosts.empty(); }

void PluginRuntime::clean() { pools_.clean(std::chrono::steady_clock::now()); }

Result<std::shared_ptr<const std::vector<std::uint8_t>>> PluginRuntime::source_bytes(const BoundPlugin& plugin) {
  const model::WasmSource& source = plugin.config.source;
  const std::string key = model::source_cache_key(source);
  {
    std::lock_guard lock(sources_mu_);
    if (auto it = sources_.find(key); it != sources_.end()) return it->second;
  }
  Result<Bytes> bytes = make_error(Errc::Internal, "unreachable");
  switch (source.kind) {
    case model::WasmSourceKind::Base64:
      bytes = decode_base64_source(source.path, plugin.plugin_id);
      break;
    case model::WasmSourceKind::File:
      bytes = read_file_source(source.path, plugin.plugin_id);
      break;
    case model::WasmSourceKind::Http:
      bytes = fetch_http_source(source, plugin.plugin_id, options_.source_fetch_timeout);
      break;
    default:
      return make_error(Errc::PluginLoad,
                        fmt::format("plugin {}: source kind {} is not supported by wasmgate yet", plugin.plugin_id,
                                    model::wasm_source_kind_name(source.kind)));
  }
  if (!bytes) return bytes.take_error();
  auto shared = std::make_shared<const Bytes>(std::move(*bytes));
  std::lock_guard lock(sources_mu_);
  return sources_.try_emplace(key, std::move(shared)).first->second;
}

Result<std::shared_ptr<wasm::VmPool>> PluginRuntime::pool_for(const BoundPlugin& plugin) {
  if (auto pool = pools_.find(plugin.pool_key)) return pool;
  auto bytes = source_bytes(plugin);
  if (!bytes) return bytes.take_error();
  auto modules = wasm::compile_vm_modules(engine_, **bytes, static_cast<std::uint32_t>(plugin.config.memory_pages),
                                          "plugin " + plugin.plugin_id);
  if (!modules) return modules.take_error();
  wasm::VmFactory factory = [this, spec = vm_spec_for(plugin, *modules)]() -> Result<wasm::PooledVmPtr> {
    auto vm = wasm::Vm::create(engine_, spec);
    if (!vm) return vm.take_error();
    return wasm::PooledVmPtr(std::move(*vm));
  };
  return pools_.get_or_create(plugin.pool_key, wasm::pool_options_for(plugin.plugin_id, plugin.config),
                              std::move(factory));
}

Result<std::string> PluginRuntime::call_on(wasm::VmLease lease, const BoundPlugin& plugin,
                                           std::string_view function, std::string_view input) {
  auto output = lease.as<wasm::Vm>().call(function, input);
  if (!output) {
    // Otoroshi recycles a VM after a failed call (spec §8); a faulted VM would be destroyed anyway.
    lease.discard();
    spdlog::debug("plugin {}: {} failed: {}", plugin.plugin_id, function, output.error().message);
  }
  return output;
}

Result<std::string> PluginRuntime::call(const BoundPlugin& plugin, std::string_view function,
                                        std::string_view input) {
  auto pool = pool_for(plugin);
  if (!pool) return pool.take_error();
  auto lease = (*pool)->acquire(std::chrono::steady_clock::now() + options_.acquire_wait);
  if (!lease) return lease.take_error();
  return call_on(std::move(*lease), plugin, function, input);
}

std::optional<Result<std::string>> PluginRuntime::try_call(const BoundPlugin& plugin, std::string_view function,
                                                           std::string_view input) {
  auto pool = pool_for(plugin);
  if (!pool) return Result<std::string>(pool.take_error());
  auto lease = (*pool)->acquire(std::chrono::steady_clock::time_point::min());
  if (!lease) {
    if (lease.error().code == Errc::PluginTimeout) return std::nullopt;  // all VMs busy: wait elsewhere
    return Result<std::string>(lease.take_error());
  }
  return call_on(std::move(*lease), plugin, function, input);
}

}  // namespace wasmgate::plugins
