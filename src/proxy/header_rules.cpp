#include "proxy/header_rules.h"

#include <algorithm>
#include <charconv>

#include "proxy/detail/ascii.h"

namespace wasmgate::proxy {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

using detail::ascii_iequals;
using detail::ascii_istarts_with;

}  // namespace

bool is_hop_by_hop(std::string_view name) {
  switch (name.size()) {
    case 2: return ascii_iequals(name, "te");
    case 7: return ascii_iequals(name, "trailer") || ascii_iequals(name, "upgrade");
    case 10: return ascii_iequals(name, "connection") || ascii_iequals(name, "keep-alive");
    default: return ascii_istarts_with(name, "proxy-");
  }
}

void HopByHopFilter::add_connection_header(std::string_view value) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view token = trim(value.substr(0, comma));
    if (!token.empty() && !ascii_iequals(token, "close") && !ascii_iequals(token, "keep-alive")) {
      std::string lower(token);
      for (char& c : lower) c = detail::ascii_lower(c);
      listed_.push_back(std::move(lower));
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

bool HopByHopFilter::drop(std::string_view name) const {
  if (is_hop_by_hop(name)) return true;
  for (const auto& token : listed_) {
    if (ascii_iequals(token, name)) return true;
  }
  return false;
}

std::string reframed_transfer_encoding(std::string_view value, bool chunked) {
  std::vector<std::string_view> tokens;
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view token = trim(value.substr(0, comma));
    if (!token.empty()) tokens.push_back(token);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  const bool ends_chunked = !tokens.empty() && ascii_iequals(tokens.back(), "chunked");
  if (chunked && !ends_chunked) tokens.push_back("chunked");
  if (!chunked && ends_chunked) tokens.pop_back();
  std::string out;
  for (const std::string_view token : tokens) {
    if (!out.empty()) out.append(", ");
    out.append(token);
  }
  return out;
}

std::string append_forwarded_for(std::optional<std::string_view> existing, std::string_view client_ip) {
  const std::string_view chain = existing ? trim(*existing) : std::string_view{};
  std::string out;
  out.reserve(chain.size() + client_ip.size() + 2);
  if (!chain.empty()) {
    out.append(chain);
    out.append(", ");
  }
  out.append(client_ip);
  return out;
}

void append_upstream_host_header(std::string& out, const model::Target& target) {
  const int default_port = target.tls ? 443 : 80;
  const bool ipv6 = !target.hostname.empty() && target.hostname.find(':') != std::string::npos && target.hostname.front() != '[';
  if (ipv6) out.push_back('[');
  out.append(target.hostname);
  if (ipv6) out.push_back(']');
  if (target.port != default_port) {
    char digits[16];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, target.port);
    out.push_back(':');
    out.append(digits, end);
  }
}

std::string upstream_host_header(const model::Target& target) {
  std::string out;
  out.reserve(target.hostname.size() + 8);
  append_upstream_host_header(out, target);
  return out;
}

bool expects_continue(std::string_view expect) { return ascii_iequals(trim(expect), "100-continue"); }

}  // namespace wasmgate::proxy
