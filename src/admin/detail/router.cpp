#include "admin/detail/router.h"

#include "admin/detail/json_reply.h"

namespace wasmgate::admin {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view path_part(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::vector<std::string> split_raw(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

const std::string& RequestParams::segment(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : path) {
    if (k == name) return v;
  }
  return kEmpty;
}

std::optional<std::string_view> RequestParams::query_value(std::string_view name) const {
  std::optional<std::string_view> found;
  for (const auto& [k, v] : query) {
    if (k == name) found = v;  // the last one wins, as Play's queryString.mapValues(_.last)
  }
  return found;
}

std::string percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<std::string> split_path(std::string_view target) {
  std::vector<std::string> segments = split_raw(path_part(target));
  for (auto& s : segments) s = percent_decode(s, /*plus_is_space=*/false);
  return segments;
}

Params parse_query(std::string_view target) {
  Params out;
  auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    out.emplace_back(percent_decode(key, true), percent_decode(value, true));
  }
  return out;
}

Router& Router::add(std::string_view method, std::string_view pattern, Handler handler) {
  Entry* entry = nullptr;
  for (auto& e : entries_) {
    if (e.pattern == pattern) entry = &e;
  }
  if (entry == nullptr) {
    entries_.push_back(Entry{std::string(pattern), split_raw(pattern), {}});
    entry = &entries_.back();
  }
  entry->methods.emplace_back(std::string(method), std::move(handler));
  return *this;
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
  const std::vector<std::string> segments = split_path(request.target);
  for (const auto& entry : entries_) {
    if (entry.segments.size() != segments.size()) continue;
    RequestParams params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& want = entry.segments[i];
      if (!want.empty() && want.front() == ':') {
        params.path.emplace_back(want.substr(1), segments[i]);
      } else {
        match = want == segments[i];
      }
    }
    if (!match) continue;
    for (const auto& [method, handler] : entry.methods) {
      if (method == request.method) {
        params.query = parse_query(request.target);
        return handler(request, params);
      }
    }
    std::string allow;
    for (const auto& m : entry.methods) allow += (allow.empty() ? "" : ", ") + m.first;
    HttpResponse r =
        error_reply(405, "method " + request.method + " is not allowed on " +
                             std::string(path_part(request.target)) + " (allowed: " + allow + ")");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  return error_reply(404, "no admin API endpoint at " + std::string(path_part(request.target)));
}

}  // namespace wasmgate::admin
