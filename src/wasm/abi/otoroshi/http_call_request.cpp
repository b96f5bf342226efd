#include "wasm/abi/otoroshi/http_call_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "core/base64.h"

namespace wasmgate::abi::otoroshi {
namespace {

Error bad(std::string_view detail) {
  return make_error(Errc::BadRequest, fmt::format("env.proxy_http_call: {}", detail));
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// RFC 3986 unreserved characters stay, everything else is %XX.
void append_encoded(std::string& out, std::string_view text) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
}

std::optional<std::string> query_value(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_number() || v.is_bool()) return boost::json::serialize(v);
  return std::nullopt;
}

// BodyHelper.extractBodyFromOpt's order; nullopt: no body.
Result<std::optional<std::string>> read_body(const boost::json::object& json) {
  const boost::json::value* text = json.if_contains("body_str");
  if (text == nullptr || !text->is_string()) text = json.if_contains("body");
  if (text != nullptr && text->is_string() && !blank(text->get_string()))
    return std::optional<std::string>(std::string(text->get_string()));
  if (const auto* v = json.if_contains("body_json"); v != nullptr && !v->is_null()) {
    return std::optional<std::string>(boost::json::serialize(*v));
  }
  if (const auto* v = json.if_contains("body_base64");
      v != nullptr && v->is_string() && !blank(v->get_string())) {
    auto decoded = base64_decode(v->get_string());
    if (!decoded) return bad("body_base64 is not valid base64: " + decoded.error().message);
    return std::optional<std::string>(std::move(*decoded));
  }
  if (const auto* v = json.if_contains("body_bytes");
      v != nullptr && v->is_array() && !v->get_array().empty()) {
    std::string bytes;
    for (const auto& entry : v->get_array()) {
      if (!entry.is_int64() || entry.get_int64() < -128 || entry.get_int64() > 255) {
        return bad("body_bytes must be an array of byte values (-128..255)");
      }
      bytes.push_back(static_cast<char>(static_cast<unsigned char>(entry.get_int64() & 0xFF)));
    }
    return std::optional<std::string>(std::move(bytes));
  }
  return std::optional<std::string>();
}

bool wildcard_match(std::string_view pattern, std::string_view text) {
  // Iterative glob with `*` only: remember the last star and retry from one character further on mismatch.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

Result<HttpCallRequest> parse_http_call_request(const boost::json::object& json) {
  HttpCallRequest out;
  HttpFetchRequest& fetch = out.fetch;
  if (const auto* url = json.if_contains("url"); url != nullptr && !url->is_null()) {
    if (!url->is_string()) return bad("\"url\" must be a string");
    fetch.url = std::string(url->get_string());
  } else {
    fetch.url = std::string(kDefaultHttpCallUrl);
  }
  if (const auto* method = json.if_contains("method"); method != nullptr && !method->is_null()) {
    if (!method->is_string() || method->get_string().empty())
      return bad("\"method\" must be a non-empty string");
    fetch.method = std::string(method->get_string());
    std::transform(fetch.method.begin(), fetch.method.end(), fetch.method.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    if (!is_http_token(fetch.method)) return bad(fmt::format("invalid method \"{}\"", fetch.method));
  }
  if (const auto* query = json.if_contains("query"); query != nullptr && !query->is_null()) {
    if (!query->is_object()) return bad("\"query\" must be an object");
    char separator = fetch.url.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [name, v] : query->get_object()) {
      const auto value = query_value(v);
      if (!value)
        return bad(fmt::format("query \"{}\" must be a string, number or boolean", std::string_view(name)));
      fetch.url.push_back(separator);
      separator = '&';
      append_encoded(fetch.url, name);
      fetch.url.push_back('=');
      append_encoded(fetch.url, *value);
    }
  }
  if (const auto* headers = json.if_contains("headers"); headers != nullptr && !headers->is_null()) {
    if (!headers->is_object()) return bad("\"headers\" must be an object of strings");
    for (const auto& [name, v] : headers->get_object()) {
      if (!v.is_string() || !is_http_token(name) || !is_http_field_value(v.get_string())) {
        return bad(fmt::format("header \"{}\" has an invalid name or value", std::string_view(name)));
      }
      fetch.headers.emplace_back(std::string(name), std::string(v.get_string()));
    }
  }
  if (const auto* timeout = json.if_contains("request_timeout"); timeout != nullptr && !timeout->is_null()) {
    if (!timeout->is_int64() || timeout->get_int64() <= 0)
      return bad("\"request_timeout\" must be a positive number of ms");
    out.timeout = std::chrono::milliseconds(timeout->get_int64());
  }
  if (const auto* follow = json.if_contains("follow_redirects"); follow != nullptr && !follow->is_null()) {
    if (!follow->is_bool()) return bad("\"follow_redirects\" must be a boolean");
    out.follow_redirects = follow->get_bool();
  }
  auto body = read_body(json);
  if (!body) return body.take_error();
  if (*body) fetch.body = std::move(**body);
  auto target = parse_http_url(fetch.url);
  if (!target) return bad(target.error().message);
  fetch.target = std::move(*target);
  return out;
}

bool otoroshi_host_allowed(std::span<const std::string> patterns, std::string_view host) {
  if (patterns.empty()) return true;
  const std::string h = lower(host);
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return p == "*" || wildcard_match(lower(p), h); });
}

std::optional<HttpFetchRequest> redirect_request(const HttpFetchRequest& from, int status,
                                                 const std::optional<std::string>& location) {
  if (!location || location->empty()) return std::nullopt;
  HttpFetchRequest next = from;
  if (location->starts_with("http://") || location->starts_with("https://")) {
    next.url = *location;
  } else if (location->starts_with("/") && !location->starts_with("//")) {
    const HttpUrl& t = from.target;
    const bool ipv6 = t.host.find(':') != std::string::npos;
    next.url = fmt::format("{}://{}{}{}:{}{}", t.scheme, ipv6 ? "[" : "", t.host, ipv6 ? "]" : "", t.port,
                           *location);
  } else {
    return std::nullopt;
  }
  auto target = parse_http_url(next.url);
  if (!target) return std::nullopt;
  next.target = std::move(*target);
  if (next.target.host != from.target.host) {
    // Credentials meant for one host do not follow a redirect to another (as curl and browsers do).
    std::erase_if(next.headers, [](const auto& h) {
      const std::string name = lower(h.first);
      return name == "authorization" || name == "cookie" || name == "proxy-authorization";
    });
  }
  if (status == 303 || ((status == 301 || status == 302) && from.method == "POST")) {
    next.method = "GET";
    next.body.clear();
  }
  return next;
}

}  // namespace wasmgate::abi::otoroshi
