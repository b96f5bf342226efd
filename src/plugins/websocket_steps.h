// WasmWebsocketTransformer (spec otoroshi-wasm.md §3.2 "Websocket"): the context a plugin gets for one
// message of a WebSocket tunnel, the export it calls, and what its answer means. Socket-free: the proxy's
// tunnel (proxy/websocket_tunnel.cpp) reads and writes the frames.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>

#include "model/route.h"
#include "model/wasm_config.h"
#include "plugins/step_context.h"

namespace wasmgate::plugins {

enum class WebsocketDirection {
  ClientToBackend,  // on_request_message
  BackendToClient,  // on_response_message
};

// One WebSocket message (all its frames): text (UTF-8) or binary.
struct WebsocketMessage {
  bool binary = false;
  std::string payload;
};

// The export a transformer slot calls for `direction`: the slot config's functionName when non-empty, else
// on_request_message / on_response_message. Unlike every other step, the referenced entity's functionName is
// not used (Otoroshi reads only the route config here), so BoundPlugin::function does not apply.
std::string websocket_function(const model::WasmConfig& slot_config, WebsocketDirection direction);

// Otoroshi's legacy Target JSON (models/descriptor.scala, Target.format.writes), which this step sends
// instead of NgTarget's: {host: "<hostname>:<port>", scheme: "http"|"https", weight, mtlsConfig: {certs,
// trustedCerts, mtls, loose, trustAll}, protocol, predicate, ipAddress (string or null)}.
boost::json::object legacy_target_json(const model::Target& target);

// {"kind": "text", "payload": "<text>"} or {"kind": "binary", "payload": [signed bytes]}.
boost::json::object websocket_message_json(const WebsocketMessage& message);

// The contexts of one tunnel. What is fixed for the connection (request, otoroshi_request, target, route) is
// rendered once; each message adds its slot's idx and config, the current attrs and the message.
class WebsocketContext {
 public:
  // `otoroshi_request` is the handshake request as sent to the backend (url, headers, backend target).
  WebsocketContext(const RequestFacts& request, const OutgoingRequest& otoroshi_request,
                   const model::Target& target, const model::Route* route);

  // The serialized context, keys in Otoroshi's order: snowflake, idx, request (RawRequest), otoroshi_request,
  // config, target (legacy Target JSON), attrs, route, message. `idx` is the slot's position among the
  // route's websocket transformers.
  std::string render(std::size_t idx, const boost::json::object& config, const boost::json::object& attrs,
                     const WebsocketMessage& message) const;

 private:
  std::string snowflake_;         // JSON string
  std::string request_;           // RawRequest JSON
  std::string otoroshi_request_;  // OtoroshiRequest JSON
  std::string target_;            // legacy Target JSON
  std::string route_;             // full route JSON (null without a route)
};

// The plugin's answer: {error?: bool, reason?: string (default "error"), statusCode?: int (default 500),
// message: {kind?: "text" (default) | "binary", payload: string | byte array}}. error:true rejects the
// message (Otoroshi's reject strategy Drop). An answer without a usable message.payload rejects it too, with
// a reason that says so. Byte arrays accept -128..255 (signed bytes as Otoroshi writes them, or unsigned).
struct WebsocketDecision {
  bool rejected = false;
  std::string reason = "error";
  int status_code = 500;
  WebsocketMessage message;  // the message to send on, when not rejected
};
WebsocketDecision websocket_decision(const boost::json::object& output);

}  // namespace wasmgate::plugins
