// The request of env.proxy_http_call (spec otoroshi-wasm.md §4.3) read from its JSON, and Otoroshi's host
// rule for it. Separate from the host function so both are tested without a VM.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"
#include "wasm/abi/extism/http_fetcher.h"

namespace wasmgate::abi::otoroshi {

inline constexpr std::string_view kDefaultHttpCallUrl = "https://request.otoroshi.io";

struct HttpCallRequest {
  HttpFetchRequest fetch;                            // method, URL (query appended), headers, body
  std::optional<std::chrono::milliseconds> timeout;  // request_timeout
  bool follow_redirects = false;
};

// {url (default https://request.otoroshi.io), method (GET), headers {name: string}, query {name: string,
// number or boolean}, request_timeout (ms), follow_redirects (false), and the body: body_str, else body (a
// string), else body_json (any JSON but null, compact), else body_base64, else body_bytes (byte numbers) —
// Otoroshi's BodyHelper precedence. BadRequest "env.proxy_http_call: …" naming the bad field.
Result<HttpCallRequest> parse_http_call_request(const boost::json::object& json);

// Otoroshi's rule for proxy_http_call: allowed when `patterns` is empty or holds "*", or when a pattern
// matches the whole host, `*` standing for any run of characters (others literal). Host names are compared in
// lower case (Otoroshi compares as written; DNS names are case-insensitive).
bool otoroshi_host_allowed(std::span<const std::string> patterns, std::string_view host);

// The request a redirect leads to: `location` resolved against `from` (absolute http(s) URL, or an absolute
// path on the same origin), 303 (and 301/302 after a POST) turned into a GET without body. nullopt when the
// location is missing or not usable.
std::optional<HttpFetchRequest> redirect_request(const HttpFetchRequest& from, int status,
                                                 const std::optional<std::string>& location);

}  // namespace wasmgate::abi::otoroshi
