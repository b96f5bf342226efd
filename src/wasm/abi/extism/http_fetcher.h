// The outbound HTTP call behind Extism's `http_request`, as an interface: the ABI layer decides what is
// allowed and how the guest sees the result; sockets live above it (wasm/vm_http_client.h has the blocking
// client).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "wasm/engine/deadline.h"

namespace wasmgate::abi {

// An absolute http(s) URL split into what a client needs. Built by parse_http_url.
struct HttpUrl {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // lower case; an IPv6 literal without its brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, "/" when empty; never the fragment
};

// "http://Example.com:8080/a?b#c" → {http, example.com, 8080, "/a?b"}. BadRequest naming the problem:
// "invalid URL \"ftp://x\": scheme must be http or https"; spaces and control characters are refused.
Result<HttpUrl> parse_http_url(std::string_view url);

// RFC 9110 token (methods, header names) and field value (no CR, LF, NUL or other controls but tab): what the
// guest may put in a request without being able to inject lines into it.
bool is_http_token(std::string_view text);
bool is_http_field_value(std::string_view text);

struct HttpFetchRequest {
  std::string method = "GET";
  std::string url;  // as the guest wrote it, for messages
  HttpUrl target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // empty = no body
};

struct HttpFetchResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, names as received
  std::string body;
};

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;

  // Performs one request and blocks until the whole response is read, `deadline` passes (error "timeout"),
  // or the body would exceed `max_body_bytes` (error "HTTP response exceeds the configured maximum number of
  // bytes: N"). Any status is a response (4xx/5xx included); transport failures are errors naming the URL.
  // Thread-safe: VMs on different threads share one fetcher.
  virtual Result<HttpFetchResponse> fetch(const HttpFetchRequest& request, engine::Deadline deadline,
                                          std::uint64_t max_body_bytes) = 0;
};

}  // namespace wasmgate::abi
