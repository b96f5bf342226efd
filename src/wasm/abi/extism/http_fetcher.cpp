#include "wasm/abi/extism/http_fetcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wasmgate::abi {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

Error bad_url(std::string_view url, std::string_view reason) {
  return make_error(Errc::BadRequest, fmt::format("invalid URL \"{}\": {}", url, reason));
}

}  // namespace

// Only absolute http(s) URLs, as Extism's http_request takes. Userinfo is dropped (never sent as a header).
Result<HttpUrl> parse_http_url(std::string_view url) {
  // Spaces and control characters would end up in the request line: refused, not escaped.
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return bad_url(url, "contains spaces or control characters");
  }
  const auto colon = url.find("://");
  if (colon == std::string_view::npos) return bad_url(url, "expected scheme://host");
  HttpUrl out;
  out.scheme = lower(url.substr(0, colon));
  if (out.scheme != "http" && out.scheme != "https") return bad_url(url, "scheme must be http or https");
  std::string_view rest = url.substr(colon + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);

  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(url, "unexpected characters after the IPv6 address");
      port = after.substr(1);
    }
  } else if (const auto c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return bad_url(url, "missing host");
  out.host = lower(host);
  out.port = out.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad_url(url, fmt::format("bad port \"{}\"", port));
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  tail = tail.substr(0, tail.find('#'));
  out.target = tail.empty() || tail.front() != '/' ? "/" + std::string(tail) : std::string(tail);
  return out;
}

bool is_http_token(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    const bool ok = std::isalnum(c) ||
                    std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_http_field_value(std::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

}  // namespace wasmgate::abi
