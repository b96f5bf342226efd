// Otoroshi's built-in Wasm* plugin classes (spec otoroshi-wasm.md §3.0): which step each runs at and the export
// it calls when neither the route slot nor the entity names a functionName.
#pragma once

#include <optional>
#include <string_view>

namespace wasmgate::plugins {

enum class WasmPluginKind {
  RouteMatcher,          // WasmRouteMatcher, MatchRoute
  Router,                // WasmRouter, global (plugins.config.ng)
  Sink,                  // WasmSink, global
  PreRoute,              // WasmPreRoute
  AccessValidator,       // WasmAccessValidator, ValidateAccess
  Opa,                   // WasmOPA, ValidateAccess through the OPA ABI (host-capabilities issue)
  RequestTransformer,    // WasmRequestTransformer, TransformRequest
  ResponseTransformer,   // WasmResponseTransformer, TransformResponse
  Backend,               // WasmBackend, CallBackend
  RequestHandler,        // WasmRequestHandler, HandlesRequest (global, by domain)
  WebsocketTransformer,  // WasmWebsocketTransformer, HandlesTunnel messages
  Job,                   // WasmJob
  HttpWasm,              // NgHttpWasm (httpWasm: true): http-wasm handle_request / handle_response
};

// "cp:otoroshi.next.plugins.WasmAccessValidator" (or without "cp:") -> AccessValidator; nullopt for any other
// plugin reference (non-wasm plugins are not run by wasmgate yet).
std::optional<WasmPluginKind> wasm_plugin_kind(std::string_view plugin_ref);

// The Otoroshi class name without package, e.g. "WasmAccessValidator".
std::string_view wasm_plugin_class(WasmPluginKind kind);

// The step's default export (§3.0 table): "access", "pre_route", "transform_request"... Sink: "sink_handle"
// (its matcher is always "sink_matches"); Job: "job_run"; WebsocketTransformer: "on_request_message".
// HttpWasm: "handle_request" (the http-wasm ABI fixes its exports; functionName is not used).
std::string_view default_function(WasmPluginKind kind);

}  // namespace wasmgate::plugins
