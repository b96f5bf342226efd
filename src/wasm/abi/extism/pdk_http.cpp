// extism:host/env http_request / http_status_code / http_headers — outbound HTTP for guests, allowed only to
// hosts matching WasmConfig.allowedHosts (an empty list allows nothing). The request blocks the calling
// thread (the pool runs plugins that may call out on a blocking pool, DESIGN §4), bounded by min(remaining
// call deadline, 30 s).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>

#include "wasm/abi/extism/host_glob.h"
#include "wasm/abi/extism/pdk.h"

namespace wasmgate::abi {
namespace {

using engine::ValType;

std::string allowed_hosts_text(const VmHostContext& context) {
  if (context.allowed_hosts.empty()) return "allowedHosts is empty";
  return fmt::format("allowedHosts: {}", fmt::join(context.allowed_hosts, ", "));
}

// {"url": "...", "method": "POST", "headers": {"k": "v"}} → request. Extism's HttpRequest JSON.
Result<HttpFetchRequest> parse_request(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) {
    return make_error(Errc::BadRequest, "http_request: the request is not a JSON object {\"url\": ...}");
  }
  const auto& object = value.get_object();
  HttpFetchRequest request;
  const auto* url = object.if_contains("url");
  if (url == nullptr || !url->is_string()) {
    return make_error(Errc::BadRequest, "http_request: the request has no \"url\" string");
  }
  request.url = std::string(url->get_string());
  if (const auto* method = object.if_contains("method"); method != nullptr && !method->is_null()) {
    if (!method->is_string() || method->get_string().empty()) {
      return make_error(Errc::BadRequest, "http_request: \"method\" must be a non-empty string");
    }
    request.method = std::string(method->get_string());
    std::transform(request.method.begin(), request.method.end(), request.method.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    if (!is_http_token(request.method)) {
      return make_error(Errc::BadRequest, fmt::format("http_request: invalid method \"{}\"", request.method));
    }
  }
  if (const auto* headers = object.if_contains("headers"); headers != nullptr && !headers->is_null()) {
    if (!headers->is_object()) {
      return make_error(Errc::BadRequest, "http_request: \"headers\" must be an object of strings");
    }
    for (const auto& [name, v] : headers->get_object()) {
      if (!v.is_string()) {
        return make_error(Errc::BadRequest,
                          fmt::format("http_request: header \"{}\" is not a string", std::string_view(name)));
      }
      if (!is_http_token(name) || !is_http_field_value(v.get_string())) {
        return make_error(
            Errc::BadRequest,
            fmt::format("http_request: header \"{}\" has an invalid name or value", std::string_view(name)));
      }
      request.headers.emplace_back(std::string(name), std::string(v.get_string()));
    }
  }
  auto target = parse_http_url(request.url);
  if (!target) return target.take_error();
  request.target = std::move(*target);
  return request;
}

// Repeated names are joined with ", " (RFC 9110 §5.3), so the object has one string per name.
std::string headers_json(const std::vector<std::pair<std::string, std::string>>& headers) {
  boost::json::object object;
  for (const auto& [name, value] : headers) {
    auto* existing = object.if_contains(name);
    if (existing == nullptr) {
      object[name] = value;
    } else {
      std::string joined(existing->get_string());
      joined += ", ";
      joined += value;
      *existing = joined;
    }
  }
  return boost::json::serialize(object);
}

// http_request: (i64 request_handle, i64 body_handle) -> i64 response_body_handle
//   request_handle: a block with the request JSON; body_handle: a block with the body, or 0. Both stay the
//   guest's. Result: a new block with the response body (owned by the guest), 0 for an empty body. Any HTTP
//   status is a response (read it with http_status_code). Fails (trap) when the host is not allowed
//   ("HTTP request to <url> is not allowed"), on a bad request, a transport error, the deadline ("timeout"),
//   or a body above max_http_response_bytes (default 50 MiB).
Result<void> http_request(engine::HostCall& call, VmHostContext& context) {
  auto json = context.read_block(handle_arg(call, 0), "http request");
  if (!json) return json.take_error();
  auto request = parse_request(*json);
  if (!request) return request.take_error();
  if (!host_allowed(context.allowed_hosts, request->target.host)) {
    return make_error(Errc::Forbidden, fmt::format("HTTP request to {} is not allowed ({})", request->url,
                                                   allowed_hosts_text(context)));
  }
  if (const std::uint64_t body_handle = handle_arg(call, 1); body_handle != 0) {
    auto body = context.read_block(body_handle, "http request body");
    if (!body) return body.take_error();
    request->body = std::string(*body);
  }
  if (!context.http) return make_error(Errc::Internal, "http_request: no HTTP client in this host");

  const engine::Deadline deadline = std::min(call.deadline(), engine::deadline_after(kMaxHttpRequestTimeout));
  auto response = context.http->fetch(*request, deadline, context.max_http_response_bytes);
  if (!response) return response.take_error();
  context.http_status = response->status;
  context.http_headers_json = headers_json(response->headers);
  auto handle = context.alloc_bytes(response->body);
  if (!handle) return handle.take_error();
  call.results()[0] = handle_value(*handle);
  return {};
}

// http_status_code: () -> i32 — status of the last http_request of this VM that got a response, 0 before.
Result<void> http_status_code(engine::HostCall& call, VmHostContext& context) {
  call.results()[0] = engine::Value::i32(context.http_status);
  return {};
}

// http_headers: () -> i64 — a new block (owned by the guest) with the last response's headers as a JSON
//   object {"name": "value"}, or 0 before any response. [Extism returns 0 unless the manifest enables header
//   capture; Otoroshi's config has no such flag, and capturing costs nothing here, so headers are always
//   kept.]
Result<void> http_headers(engine::HostCall& call, VmHostContext& context) {
  if (!context.http_headers_json) {
    call.results()[0] = handle_value(0);
    return {};
  }
  auto handle = context.alloc_bytes(*context.http_headers_json);
  if (!handle) return handle.take_error();
  call.results()[0] = handle_value(*handle);
  return {};
}

}  // namespace

void add_pdk_http_functions(std::vector<PdkFunction>& table) {
  table.push_back(
      make_pdk_function("http_request", {{ValType::I64, ValType::I64}, {ValType::I64}}, http_request));
  table.push_back(make_pdk_function("http_status_code", {{}, {ValType::I32}}, http_status_code));
  table.push_back(make_pdk_function("http_headers", {{}, {ValType::I64}}, http_headers));
}

}  // namespace wasmgate::abi
