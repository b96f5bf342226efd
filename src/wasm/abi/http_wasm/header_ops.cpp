#include "wasm/abi/http_wasm/header_ops.h"

#include <algorithm>
#include <cctype>

namespace wasmgate::abi::http_wasm {

std::vector<std::string> header_names_lower(const HeaderList& headers) {
  std::vector<std::string> names;
  names.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(names.begin(), names.end(), lower) == names.end()) names.push_back(std::move(lower));
  }
  return names;
}

std::vector<std::string_view> header_values(const HeaderList& headers, std::string_view name) {
  std::vector<std::string_view> values;
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) values.emplace_back(v);
  }
  return values;
}

void set_header(HeaderList& headers, std::string_view name, std::string_view value) {
  auto first =
      std::find_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
  if (first == headers.end()) {
    headers.emplace_back(std::string(name), std::string(value));
    return;
  }
  first->first = std::string(name);
  first->second = std::string(value);
  const auto from = std::next(first);
  headers.erase(std::remove_if(from, headers.end(), [&](const auto& h) { return iequals(h.first, name); }),
                headers.end());
}

void add_header(HeaderList& headers, std::string_view name, std::string_view value) {
  headers.emplace_back(std::string(name), std::string(value));
}

void remove_header(HeaderList& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
}

}  // namespace wasmgate::abi::http_wasm
