#include "wasm/source_fetch.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include "core/base64.h"
#include "wasm/vm_http_client.h"

namespace wasmgate::wasm {

namespace json = boost::json;

namespace {

using Kind = model::WasmSourceKind;

// What a fetch of one kind produces before the pin check: the bytes or the reason (no prefix yet).
using Fetched = Result<SourceBytes>;

Error reason(std::string text) {
  return make_error(Errc::PluginLoad, std::move(text));
}

std::string strip_prefix(std::string_view text, std::string_view prefix) {
  return std::string(text.starts_with(prefix) ? text.substr(prefix.size()) : text);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool iequal(std::string_view a, std::string_view b) {
  return lower(a) == lower(b);
}

// A short, printable excerpt of an error body for the message.
std::string body_excerpt(std::string_view body) {
  constexpr std::size_t kMaxExcerptChars = 200;
  std::string out;
  for (char c : body.substr(0, kMaxExcerptChars)) {
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '.';
  }
  if (body.size() > kMaxExcerptChars) out += "...";
  return out;
}

Fetched fetch_base64(const model::WasmSource& source) {
  auto decoded = base64_decode(strip_prefix(source.path, "base64://"));
  if (!decoded) return reason("invalid base64: " + decoded.error().message);
  return SourceBytes(decoded->begin(), decoded->end());
}

// Relative paths are relative to the working directory, as in Otoroshi.
Fetched fetch_file(const model::WasmSource& source) {
  const std::string path = strip_prefix(source.path, "file://");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return reason(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  SourceBytes bytes;
  std::array<std::uint8_t, 64 * 1024> buffer{};
  for (;;) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    if (n < buffer.size()) break;
  }
  if (std::ferror(file.get())) return reason(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  return bytes;
}

// ---- HTTP (Http and Wasmo) -------------------------------------------------------------------------------

struct HttpSourceRequest {
  abi::HttpFetchRequest request;
  std::chrono::milliseconds timeout;
  bool follow_redirects = true;
};

// "scheme://host[:port]", the port only when not the scheme's default.
std::string origin_of(const abi::HttpUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string origin = url.scheme + "://" + (ipv6 ? "[" + url.host + "]" : url.host);
  const bool default_port =
      (url.scheme == "http" && url.port == 80) || (url.scheme == "https" && url.port == 443);
  return default_port ? origin : origin + ":" + std::to_string(url.port);
}

// Location resolved against the URL that answered (RFC 3986 §5.2, without dot-segment removal: servers
// accept them, and a redirect to "../x" is rare for a file download).
std::string resolve_location(const abi::HttpUrl& base, std::string_view location) {
  const std::string scheme_lower = lower(location.substr(0, 8));
  if (scheme_lower.starts_with("http://") || scheme_lower.starts_with("https://"))
    return std::string(location);
  if (location.starts_with("//")) return base.scheme + ":" + std::string(location);
  if (location.starts_with("/")) return origin_of(base) + std::string(location);
  std::string directory = base.target.substr(0, base.target.find('?'));
  directory.erase(directory.rfind('/') + 1);
  return origin_of(base) + directory + std::string(location);
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<std::string> header_value(const abi::HttpFetchResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (iequal(key, name)) return value;
  }
  return std::nullopt;
}

// Credentials are not handed to another origin (what browsers and curl do on a cross-origin redirect).
void drop_credentials(std::vector<std::pair<std::string, std::string>>& headers) {
  std::erase_if(headers, [](const auto& header) {
    const std::string name = lower(header.first);
    return name == "authorization" || name == "proxy-authorization" || name == "cookie" ||
           name == "otoroshi-user";
  });
}

// The final response (any status) after following redirects, or the transport failure as a reason.
Result<abi::HttpFetchResponse> http_exchange(HttpSourceRequest spec, const SourceFetchContext& context) {
  std::shared_ptr<abi::HttpFetcher> http = context.http ? context.http : default_http_client();
  if (!http) return reason("no HTTP client available (TLS setup failed)");
  const engine::Deadline deadline = engine::deadline_after(spec.timeout);
  abi::HttpFetchRequest request = std::move(spec.request);
  const std::string first_url = request.url;
  for (int hops = 0;; ++hops) {
    auto response = http->fetch(request, deadline, context.max_bytes);
    if (!response) {
      const Error& error = response.error();
      if (error.code == Errc::UpstreamTimeout) {
        return reason(
            fmt::format("timeout after {} ms ({} {})", spec.timeout.count(), request.method, request.url));
      }
      if (error.code == Errc::PayloadTooLarge) {
        return reason(fmt::format("module larger than {} bytes ({})", context.max_bytes, request.url));
      }
      return reason(error.message);  // names the URL and the step: resolving the host, connecting, TLS...
    }
    if (!spec.follow_redirects || !is_redirect(response->status)) return response;
    const std::optional<std::string> location = header_value(*response, "Location");
    if (!location) return response;  // a 3xx without Location is a bad response to the caller
    if (hops == kMaxSourceRedirects) {
      return reason(fmt::format("too many redirects (more than {}) from {}", kMaxSourceRedirects, first_url));
    }
    const std::string next_url = resolve_location(request.target, *location);
    auto next = abi::parse_http_url(next_url);
    if (!next)
      return reason(fmt::format("redirect from {} to an invalid URL: {}", request.url, next.error().message));
    if (origin_of(*next) != origin_of(request.target)) drop_credentials(request.headers);
    // 303 always, and 301/302 after a non-GET, continue as GET (RFC 9110 §15.4, what clients do).
    if (response->status == 303 || ((response->status == 301 || response->status == 302) &&
                                    request.method != "GET" && request.method != "HEAD")) {
      request.method = "GET";
      request.body.clear();
    }
    request.url = next_url;
    request.target = std::move(*next);
  }
}

std::chrono::milliseconds timeout_opt(const json::object& opts, std::chrono::milliseconds fallback) {
  const json::value* v = opts.if_contains("timeout");
  if (v == nullptr || !v->is_number()) return fallback;
  const double ms = v->to_number<double>();
  return ms > 0 ? std::chrono::milliseconds(static_cast<std::int64_t>(ms)) : fallback;
}

// `followRedirect` (Http, per the spec) or `follow_redirect` (Wasmo's spelling), default true.
bool follow_redirect_opt(const json::object& opts) {
  for (std::string_view key : {"followRedirect", "follow_redirect"}) {
    if (const json::value* v = opts.if_contains(key); v != nullptr && v->is_bool()) return v->as_bool();
  }
  return true;
}

Result<abi::HttpFetchRequest> make_request(const std::string& url, std::string method) {
  auto target = abi::parse_http_url(url);
  if (!target) return reason(target.error().message);
  if (!abi::is_http_token(method))
    return reason(fmt::format("opts.method \"{}\" is not an HTTP method", method));
  abi::HttpFetchRequest request;
  request.method = std::move(method);
  request.url = url;
  request.target = std::move(*target);
  return request;
}

Fetched fetch_http(const model::WasmSource& source, const SourceFetchContext& context) {
  std::string method = "GET";
  if (const json::value* m = source.opts.if_contains("method"); m != nullptr && m->is_string()) {
    method = std::string(m->as_string());
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  auto request = make_request(source.path, std::move(method));
  if (!request) return request.take_error();
  if (const json::value* h = source.opts.if_contains("headers"); h != nullptr && h->is_object()) {
    for (const auto& [name, value] : h->as_object()) {
      std::string text = value.is_string() ? std::string(value.as_string()) : json::serialize(value);
      if (!abi::is_http_token(name) || !abi::is_http_field_value(text)) {
        return reason(fmt::format("opts.headers.{}: not a valid HTTP header", std::string_view(name)));
      }
      request->headers.emplace_back(std::string(name), std::move(text));
    }
  }
  auto response = http_exchange(
      {std::move(*request), timeout_opt(source.opts, context.http_timeout), follow_redirect_opt(source.opts)},
      context);
  if (!response) return response.take_error();
  if (response->status != 200) {  // Otoroshi: only 200 is a module
    return reason(fmt::format("bad response {} (body: {})", response->status, body_excerpt(response->body)));
  }
  return SourceBytes(response->body.begin(), response->body.end());
}

Fetched fetch_wasmo(const model::WasmSource& source, const SourceFetchContext& context) {
  if (!context.wasmo || context.wasmo->url.empty()) {
    return reason("missing wasmo settings (set wasmoSettings.settings.url in the global config)");
  }
  const WasmoSettings& settings = *context.wasmo;
  std::string base = settings.url;
  if (base.ends_with('/')) base.pop_back();
  const std::string path = source.path.starts_with('/') ? source.path.substr(1) : source.path;
  auto request = make_request(base + "/wasm/" + path, "GET");
  if (!request) return request.take_error();
  request->headers.emplace_back("Accept", "application/json");
  request->headers.push_back(wasmo_auth_header(settings));
  request->headers.emplace_back("kind", settings.plugins_filter.empty() ? "*" : settings.plugins_filter);
  auto response = http_exchange({std::move(*request), timeout_opt(source.opts, context.wasmo_timeout),
                                 follow_redirect_opt(source.opts)},
                                context);
  if (!response) return response.take_error();
  if (response->status != 200) {
    const bool auth = response->status == 401 || response->status == 403;
    return reason(fmt::format("bad wasmo response {} from {} (body: {}){}", response->status, base,
                              body_excerpt(response->body),
                              auth ? "; check wasmoSettings clientId/clientSecret/legacyAuth" : ""));
  }
  return SourceBytes(response->body.begin(), response->body.end());
}

Fetched fetch_kind(const model::WasmSource& source, const SourceFetchContext& context) {
  switch (source.kind) {
    case Kind::Base64:
      return fetch_base64(source);
    case Kind::File:
      return fetch_file(source);
    case Kind::Http:
      return fetch_http(source, context);
    case Kind::Wasmo:
      return fetch_wasmo(source, context);
    case Kind::Local:
      return reason(
          "a Local source names a WasmPlugin entity and is resolved by the plugin layer, not fetched");
    case Kind::ClassPath:
      return reason("ClassPath sources (JVM resources) are not supported by wasmgate");
    case Kind::Unknown:
      break;
  }
  return reason("unknown source (set config.source.kind and config.source.path)");
}

}  // namespace

std::string describe_source(const model::WasmSource& source) {
  constexpr std::size_t kMaxBase64Shown = 24;
  std::string path = source.path;
  if (source.kind == Kind::Base64 && path.size() > kMaxBase64Shown) {
    path = fmt::format("{}... ({} chars)", path.substr(0, kMaxBase64Shown), source.path.size());
  }
  return fmt::format("wasm source {} {}", model::wasm_source_kind_name(source.kind), path);
}

Result<std::optional<std::string>> pinned_sha256(const model::WasmSource& source) {
  const json::value* v = source.opts.if_contains("sha256");
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  const bool hex = v->is_string() && v->as_string().size() == 64 &&
                   std::all_of(v->as_string().begin(), v->as_string().end(),
                               [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (!hex) return make_error(Errc::BadRequest, "source.opts.sha256: expected 64 hexadecimal digits");
  return std::optional<std::string>(lower(v->as_string()));
}

Result<FetchedSource> fetch_source(const model::WasmSource& source, const SourceFetchContext& context) {
  const auto failure = [&](const Error& error) {
    return make_error(Errc::PluginLoad, describe_source(source) + ": " + error.message);
  };
  auto pin = pinned_sha256(source);
  if (!pin) return failure(pin.error());
  auto bytes = fetch_kind(source, context);
  if (!bytes) return failure(bytes.error());
  FetchedSource fetched;
  fetched.sha256 = sha256_hex(*bytes);
  if (*pin && **pin != fetched.sha256) {
    return failure(reason(fmt::format("sha256 mismatch: expected {} (opts.sha256), got {}; bytes refused",
                                      **pin, fetched.sha256)));
  }
  fetched.bytes = std::make_shared<const SourceBytes>(std::move(*bytes));
  fetched.fetched_at = std::chrono::system_clock::now();
  return fetched;
}

}  // namespace wasmgate::wasm
