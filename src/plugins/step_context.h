// The JSON that Otoroshi hands a wasm plugin at each step (spec otoroshi-wasm.md §3.1, §3.2), built from a
// socket-free view of the request so the proxy, the tests and the try-it console build identical contexts.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_message.h"
#include "model/route.h"

namespace wasmgate::plugins {

// The client's request as received (before any transformation).
struct RequestFacts {
  std::uint64_t id = 0;      // RawRequest.id
  std::string snowflake;     // request id string (also attrs["otoroshi.core.SnowFlake"])
  std::string method;        // "GET"
  std::string uri;           // origin-form "/path?query"
  std::string version = "HTTP/1.1";
  HeaderList headers;        // as received, in order; duplicates kept
  std::string remote;        // client IP
  bool tls = false;
  bool has_body = false;
  std::vector<std::pair<std::string, std::string>> path_params;  // from the matched route
};

// The request about to go to the backend (Otoroshi's NgPluginHttpRequest), after transformations so far.
struct OutgoingRequest {
  std::string url;  // full backend URL "http://host:port/path?query"
  std::string method;
  HeaderList headers;
  std::string version = "HTTP/1.1";
  std::optional<model::Target> backend;  // the chosen target, when known
};

// The backend's response (Otoroshi's NgPluginHttpResponse).
struct IncomingResponse {
  int status = 200;
  HeaderList headers;
};

// RawRequest (§3.1): id, method, headers (one value per name: the first, names as received), cookies parsed
// from Cookie headers, tls, uri, query (every value, as arrays, percent-decoded), path, version, has_body,
// remote, client_cert_chain null, path_params.
boost::json::object raw_request_json(const RequestFacts& request);
// OtoroshiRequest (§3.1): url, method, headers, query (from url), version, client_cert_chain null, backend
// (Target JSON or null), cookies ({name, value, domain, path, maxAge, secure, httpOnly} from Cookie headers).
boost::json::object otoroshi_request_json(const OutgoingRequest& request);
// OtoroshiResponse (§3.1): status, headers, cookies parsed from Set-Cookie headers.
boost::json::object otoroshi_response_json(const IncomingResponse& response);
// NgTarget JSON (§3.1): id, hostname, port, tls, weight, backup, predicate, protocol, ip_address, tls_config.
boost::json::object target_json(const model::Target& target);
// Body bytes as Otoroshi serialises Array[Byte]: a JSON array of signed bytes (-128..127).
boost::json::array signed_bytes_json(std::string_view bytes);
// Signed-bytes array or null when `bytes` is nullopt (body not buffered) — and, for the response transformer
// (§3.2 "empty -> null"), when empty and `empty_is_null`.
boost::json::value body_bytes_json(const std::optional<std::string>& bytes, bool empty_is_null = false);

// What every step's context shares besides the request.
struct StepScope {
  const model::Route* route = nullptr;             // full route JSON goes in `route`
  const boost::json::object* config = nullptr;     // the slot's config as stored in the route
  const boost::json::object* global_config = nullptr;  // global config's plugins.config (null -> {})
  const boost::json::object* attrs = nullptr;      // the request's attrs (null -> {})
};

// Contexts, with exactly the keys of §3.2 (apikey and user are null until API keys exist). The proxy writes
// the same contexts straight as text from fragments rendered ahead (step_context_text.h).
boost::json::object route_matcher_context(const RequestFacts& request, const StepScope& scope);
boost::json::object pre_route_context(const RequestFacts& request, const StepScope& scope);
boost::json::object access_context(const RequestFacts& request, const StepScope& scope);
boost::json::object request_transformer_context(const RequestFacts& request, const OutgoingRequest& raw,
                                                const OutgoingRequest& current,
                                                const std::optional<std::string>& body, const StepScope& scope);
boost::json::object response_transformer_context(const RequestFacts& request, const IncomingResponse& raw,
                                                 const IncomingResponse& current,
                                                 const std::optional<std::string>& body, const StepScope& scope);
boost::json::object backend_context(const RequestFacts& request, const OutgoingRequest& current,
                                    const model::Target& backend, const std::optional<std::string>& body,
                                    const StepScope& scope);

}  // namespace wasmgate::plugins
