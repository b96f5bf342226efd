// frontend.domains entries: "host" or "host/path".
#include "model/route.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace wasmgate::model {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "host:8080" -> "host"; "[::1]:8080" -> "[::1]". A port never takes part in route matching (Otoroshi
// matches on the Host header's name only).
std::string_view strip_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  const std::size_t colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

Error bad(std::string_view raw, std::string_view reason) {
  return make_error(Errc::BadRequest, std::string(reason) + " (got '" + std::string(raw) + "')");
}

}  // namespace

Result<Domain> parse_domain(std::string_view raw) {
  if (raw.empty()) return make_error(Errc::BadRequest, "must not be empty");
  if (raw.find("://") != std::string_view::npos) {
    return bad(raw, "must be 'host' or 'host/path' without a scheme");
  }
  if (std::any_of(raw.begin(), raw.end(), [](unsigned char c) { return std::isspace(c) || c < 0x20; })) {
    return bad(raw, "must not contain whitespace");
  }
  const std::size_t slash = raw.find('/');
  const std::string_view host = strip_port(raw.substr(0, slash));
  if (host.empty()) return bad(raw, "must start with a host");

  Domain out;
  out.host = lower(host);
  // Otoroshi splits on '/' with Java's String.split, which drops trailing empty segments: "a.com/api/" and
  // "a.com/api" both mean path "/api", and "a.com/" means "/".
  std::string_view path = slash == std::string_view::npos ? std::string_view() : raw.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.path = path.empty() ? "/" : std::string(path);
  return out;
}

}  // namespace wasmgate::model
