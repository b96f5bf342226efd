#include "admin/detail/list_query.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace wasmgate::admin {

namespace json = boost::json;

namespace {

constexpr std::string_view kFilterPrefix = "filter.";

Result<std::size_t> positive(const RequestParams& params, std::string_view name, std::size_t fallback) {
  auto raw = params.query_value(name);
  if (!raw) return fallback;
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), n);
  if (ec != std::errc() || ptr != raw->data() + raw->size() || n == 0) {
    return make_error(Errc::BadRequest, fmt::format("{}: must be a positive integer, got '{}'", name, *raw));
  }
  return n;
}

const json::value* at_dotted_path(const json::object& doc, std::string_view path) {
  const json::object* cur = &doc;
  while (true) {
    auto dot = path.find('.');
    const json::value* v = cur->if_contains(path.substr(0, dot));
    if (v == nullptr || dot == std::string_view::npos) return v;
    cur = v->if_object();
    if (cur == nullptr) return nullptr;
    path = path.substr(dot + 1);
  }
}

bool matches(const json::value* v, std::string_view want) {
  if (v == nullptr) return false;
  if (v->is_string()) return v->get_string() == want;
  if (v->is_bool()) return (want == "true") == v->get_bool() && (want == "true" || want == "false");
  if (v->is_number()) {
    char* end = nullptr;
    std::string text(want);
    double d = std::strtod(text.c_str(), &end);
    return end != text.c_str() && *end == '\0' && d == v->to_number<double>();
  }
  if (const auto* arr = v->if_array()) {
    for (const auto& e : *arr) {
      if (e.is_string() && e.get_string() == want) return true;
    }
  }
  return false;
}

}  // namespace

Result<ListPage> apply_list_query(std::vector<json::object> items, const RequestParams& params) {
  auto page = positive(params, "page", 1);
  if (!page) return page.take_error();
  auto page_size = positive(params, "pageSize", std::numeric_limits<std::size_t>::max());
  if (!page_size) return page_size.take_error();

  ListPage out;
  for (auto& item : items) {
    bool keep = true;
    for (const auto& [key, value] : params.query) {
      if (key.starts_with(kFilterPrefix) &&
          !matches(at_dotted_path(item, key.substr(kFilterPrefix.size())), value)) {
        keep = false;
        break;
      }
    }
    if (keep) out.items.push_back(std::move(item));
  }
  const std::size_t total = out.items.size();
  out.pages = total == 0 ? 0 : (total - 1) / *page_size + 1;
  // (page - 1) * pageSize without overflow: beyond the end is an empty page.
  std::size_t skip = (*page - 1) > total / *page_size ? total : (*page - 1) * *page_size;
  skip = std::min(skip, total);
  std::size_t take = std::min(*page_size, total - skip);
  out.items.erase(out.items.begin(), out.items.begin() + static_cast<std::ptrdiff_t>(skip));
  out.items.resize(take);
  return out;
}

}  // namespace wasmgate::admin
