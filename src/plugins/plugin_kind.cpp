#include "plugins/plugin_kind.h"

#include <array>
#include <utility>

namespace wasmgate::plugins {

namespace {

struct KindInfo {
  WasmPluginKind kind;
  std::string_view cls;
  std::string_view function;
};

constexpr std::array<KindInfo, 13> kKinds{{
    {WasmPluginKind::RouteMatcher, "WasmRouteMatcher", "matches_route"},
    {WasmPluginKind::Router, "WasmRouter", "find_route"},
    {WasmPluginKind::Sink, "WasmSink", "sink_handle"},
    {WasmPluginKind::PreRoute, "WasmPreRoute", "pre_route"},
    {WasmPluginKind::AccessValidator, "WasmAccessValidator", "access"},
    {WasmPluginKind::Opa, "WasmOPA", "execute"},
    {WasmPluginKind::RequestTransformer, "WasmRequestTransformer", "transform_request"},
    {WasmPluginKind::ResponseTransformer, "WasmResponseTransformer", "transform_response"},
    {WasmPluginKind::Backend, "WasmBackend", "call_backend"},
    {WasmPluginKind::RequestHandler, "WasmRequestHandler", "handle_request"},
    {WasmPluginKind::WebsocketTransformer, "WasmWebsocketTransformer", "on_request_message"},
    {WasmPluginKind::Job, "WasmJob", "job_run"},
    {WasmPluginKind::HttpWasm, "NgHttpWasm", "handle_request"},  // Otoroshi's former http-wasm class
}};

constexpr std::string_view kPackage = "otoroshi.next.plugins.";

}  // namespace

std::optional<WasmPluginKind> wasm_plugin_kind(std::string_view ref) {
  if (ref.starts_with("cp:")) ref.remove_prefix(3);
  if (!ref.starts_with(kPackage)) return std::nullopt;
  ref.remove_prefix(kPackage.size());
  for (const auto& k : kKinds) {
    if (k.cls == ref) return k.kind;
  }
  return std::nullopt;
}

std::string_view wasm_plugin_class(WasmPluginKind kind) { return kKinds[static_cast<std::size_t>(kind)].cls; }

std::string_view default_function(WasmPluginKind kind) { return kKinds[static_cast<std::size_t>(kind)].function; }

}  // namespace wasmgate::plugins
