#include "plugins/global_plan.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "model/wasm_config.h"

namespace wasmgate::plugins {

namespace {

constexpr std::string_view kRequestHandlerRef = "cp:otoroshi.next.plugins.WasmRequestHandler";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool request_handler_enabled(const boost::json::object& plugins) {
  const auto* enabled = plugins.if_contains("enabled");
  if (!enabled || !enabled->is_bool() || !enabled->as_bool()) return false;
  const auto* refs = plugins.if_contains("refs");
  if (!refs || !refs->is_array()) return false;
  const auto& list = refs->as_array();
  return std::any_of(list.begin(), list.end(),
                     [](const auto& r) { return r.is_string() && r.as_string() == kRequestHandlerRef; });
}

void add_handlers(GlobalPlan& plan, const boost::json::object& domains, const PluginLookup& lookup) {
  for (const auto& [domain, value] : domains) {
    if (domain == "domains" || !value.is_object()) continue;
    const std::string host = lower(domain);
    if (plan.request_handlers.contains(host)) continue;
    const std::string where = fmt::format("plugins.config.WasmRequestHandler.{}", std::string_view(domain));
    auto config = model::parse_wasm_config_at(value, where);
    Result<BoundPlugin> bound = config ? bind_plugin(*config, WasmPluginKind::RequestHandler, lookup,
                                                     "WasmRequestHandler/" + host)
                                       : Result<BoundPlugin>(config.error());
    if (!bound) spdlog::warn("global config {}: {}", where, bound.error().message);
    plan.request_handlers.emplace(host, std::move(bound));
  }
}

}  // namespace

const Result<BoundPlugin>* GlobalPlan::handler_for(std::string_view host) const {
  if (request_handlers.empty()) return nullptr;
  const auto it = request_handlers.find(host);
  return it == request_handlers.end() ? nullptr : &it->second;
}

GlobalPlanPtr build_global_plan(std::shared_ptr<const model::GlobalConfig> config, const PluginLookup& lookup) {
  if (!config) return nullptr;
  auto plan = std::make_shared<GlobalPlan>();
  plan->config = config;
  for (std::size_t i = 0; i < config->ng_plugins.size(); ++i) {
    const model::PluginSlot& slot = config->ng_plugins[i];
    if (!slot.enabled) continue;
    const auto kind = wasm_plugin_kind(slot.plugin);
    if (kind == WasmPluginKind::Router) {
      plan->routers.push_back(make_slot_plan(slot, i, *kind, lookup, "global-config"));
    } else if (kind == WasmPluginKind::Sink) {
      plan->sinks.push_back(make_slot_plan(slot, i, *kind, lookup, "global-config"));
    }
  }
  if (const auto* plugins = config->json.if_contains("plugins"); plugins && plugins->is_object()) {
    if (request_handler_enabled(plugins->as_object())) {
      if (const auto* handler = config->plugins_config.if_contains("WasmRequestHandler");
          handler && handler->is_object()) {
        add_handlers(*plan, handler->as_object(), lookup);
        if (const auto* nested = handler->as_object().if_contains("domains"); nested && nested->is_object()) {
          add_handlers(*plan, nested->as_object(), lookup);
        }
      }
    }
  }
  if (plan->empty()) return nullptr;
  return plan;
}

}  // namespace wasmgate::plugins
