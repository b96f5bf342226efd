// env.proxy_http_call (authorizations.httpAccess): an outbound HTTP call described by JSON, answered as JSON.
// The wait blocks the VM's thread: plugins importing it with httpAccess are run on the blocking pool
// (plugins::calls_may_block, DESIGN §4), and the wait is bounded by min(proxyHttpCallTimeout,
// request_timeout, call deadline).
#include <fmt/format.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base64.h"
#include "wasm/abi/otoroshi/host_call.h"
#include "wasm/abi/otoroshi/http_call_request.h"

namespace wasmgate::abi::otoroshi {
namespace {

// Redirects followed when follow_redirects is true (each hop's host is checked like the first).
constexpr int kMaxRedirects = 10;

std::string response_json(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body) {
  boost::json::object h;
  for (const auto& [name, value] : headers) {
    if (!h.contains(name)) h[name] = value;  // Otoroshi keeps the first value of each name
  }
  return boost::json::serialize(boost::json::object{
      {"status", status}, {"headers", std::move(h)}, {"body_base64", base64_encode(body)}});
}

std::string text_response(int status, std::string_view text) {
  return response_json(status, {{"content-type", "text/plain"}}, text);
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<std::string> location_of(const HttpFetchResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (name.size() == 8 && std::equal(name.begin(), name.end(), "location", [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return value;
    }
  }
  return std::nullopt;
}

// proxy_http_call: (i64 offset, i64 length) -> i64
//   Input: {url, method, headers, query, request_timeout, follow_redirects, body_str|body|body_json|
//   body_base64|body_bytes} (http_call_request.h). Result: a new block with {"status", "headers": {name:
//   first value}, "body_base64"}. A host allowedHosts refuses: status 403, "you cannot access host: <host>"
//   (spec §4.3). Transport failures are answers too (502 with the reason; 504 on timeout), so a guest can
//   handle them. [Otoroshi's future fails and the host function throws.] A malformed request fails the call.
Result<void> proxy_http_call(engine::HostCall& call, VmHostContext& context, VmState& state) {
  auto input = read_json_object(call, context, "proxy_http_call");
  if (!input) return input.take_error();
  auto request = parse_http_call_request(*input);
  if (!request) return request.take_error();
  if (!context.http) return make_error(Errc::Internal, "env.proxy_http_call: no HTTP client in this host");

  engine::Deadline deadline =
      std::min(call.deadline(), engine::deadline_after(state.options.grants.http_call_timeout));
  if (request->timeout) deadline = std::min(deadline, engine::deadline_after(*request->timeout));

  HttpFetchRequest fetch = std::move(request->fetch);
  for (int hop = 0;; ++hop) {
    if (!otoroshi_host_allowed(state.options.allowed_hosts, fetch.target.host)) {
      return return_bytes(call, context, text_response(403, "you cannot access host: " + fetch.target.host));
    }
    auto response = context.http->fetch(fetch, deadline, context.max_http_response_bytes);
    if (!response) {
      const int status = response.error().code == Errc::UpstreamTimeout ? 504 : 502;
      return return_bytes(call, context, text_response(status, response.error().message));
    }
    if (request->follow_redirects && is_redirect(response->status) && hop < kMaxRedirects) {
      if (auto next = redirect_request(fetch, response->status, location_of(*response))) {
        fetch = std::move(*next);
        continue;
      }
    }
    return return_bytes(call, context, response_json(response->status, response->headers, response->body));
  }
}

}  // namespace

void add_http_functions(std::vector<Function>& table) {
  table.push_back(make_function("proxy_http_call", Gate::HttpAccess, context_type(), proxy_http_call));
}

}  // namespace wasmgate::abi::otoroshi
