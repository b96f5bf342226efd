#include "model/detail/json_fields.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace wasmgate::model::detail {

namespace json = boost::json;

void fail(std::string_view path, std::string_view reason) {
  std::string message(path.empty() ? std::string_view("document") : path);
  message += ": ";
  message += reason;
  throw FieldError{std::move(message)};
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out.push_back('.');
  out += key;
  return out;
}

std::string index_path(std::string_view parent, std::size_t index) {
  std::string out(parent);
  out.push_back('[');
  out += std::to_string(index);
  out.push_back(']');
  return out;
}

std::string_view as_string(const json::value& v, std::string_view path) {
  if (!v.is_string()) fail(path, "must be a string");
  const json::string& s = v.get_string();
  return std::string_view(s.data(), s.size());
}

bool as_bool(const json::value& v, std::string_view path) {
  if (!v.is_bool()) fail(path, "must be a boolean");
  return v.get_bool();
}

std::int64_t as_integer(const json::value& v, std::string_view path, std::int64_t min, std::int64_t max) {
  auto out_of_range = [&]() {
    if (max == kInt64Max) fail(path, fmt::format("must be >= {}", min));
    fail(path, fmt::format("must be between {} and {}", min, max));
  };
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(kInt64Max)) out_of_range();
    n = static_cast<std::int64_t>(v.get_uint64());
  } else if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d) || std::trunc(d) != d) fail(path, "must be an integer");
    // 2^63 is exactly representable; anything at or beyond it does not fit an int64.
    if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) out_of_range();
    n = static_cast<std::int64_t>(d);
  } else {
    fail(path, "must be an integer");
  }
  if (n < min || n > max) out_of_range();
  return n;
}

double as_number(const json::value& v, std::string_view path) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  fail(path, "must be a number");
}

const json::object& as_object(const json::value& v, std::string_view path) {
  if (!v.is_object()) fail(path, "must be an object");
  return v.get_object();
}

const json::array& as_array(const json::value& v, std::string_view path) {
  if (!v.is_array()) fail(path, "must be an array");
  return v.get_array();
}

const json::object& object_or_empty(const json::value* v, std::string_view path) {
  static const json::object kEmpty;
  if (v == nullptr || v->is_null()) return kEmpty;
  return as_object(*v, path);
}

ObjectFields::ObjectFields(const json::object& in, std::string path) : in_(in), path_(std::move(path)) {}

const json::value* ObjectFields::find(std::string_view key) const {
  return in_.if_contains(key);
}

bool ObjectFields::has(std::string_view key) const {
  const json::value* v = find(key);
  return v != nullptr && !v->is_null();
}

std::string ObjectFields::required_string(std::string_view key, bool allow_empty) {
  const json::value* v = find(key);
  if (v == nullptr || v->is_null()) fail(path_of(key), "required");
  std::string s(as_string(*v, path_of(key)));
  if (!allow_empty && s.empty()) fail(path_of(key), "must not be empty");
  put(key, json::string(s));
  return s;
}

std::string ObjectFields::string_or(std::string_view key, std::string_view fallback) {
  std::string s(has(key) ? as_string(*find(key), path_of(key)) : fallback);
  put(key, json::string(s));
  return s;
}

std::optional<std::string> ObjectFields::nullable_string(std::string_view key, bool blank_is_null) {
  std::optional<std::string> out;
  if (has(key)) {
    std::string s(as_string(*find(key), path_of(key)));
    const bool blank = std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
    if (!(blank_is_null && blank)) out = std::move(s);
  }
  put(key, out ? json::value(json::string(*out)) : json::value(nullptr));
  return out;
}

bool ObjectFields::boolean(std::string_view key, bool fallback) {
  const bool b = has(key) ? as_bool(*find(key), path_of(key)) : fallback;
  put(key, b);
  return b;
}

std::int64_t ObjectFields::integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max) {
  const std::int64_t n = has(key) ? as_integer(*find(key), path_of(key), min, max) : fallback;
  put(key, n);
  return n;
}

double ObjectFields::number(std::string_view key, double fallback, double min) {
  double d = fallback;
  if (has(key)) {
    d = as_number(*find(key), path_of(key));
    if (!std::isfinite(d)) fail(path_of(key), "must be a finite number");
    if (d < min) fail(path_of(key), fmt::format("must be >= {}", min));
  }
  put(key, d);
  return d;
}

std::vector<std::string> ObjectFields::string_array(std::string_view key,
                                                    std::initializer_list<std::string_view> fallback) {
  std::vector<std::string> out;
  if (has(key)) {
    const std::string path = path_of(key);
    const json::array& arr = as_array(*find(key), path);
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) out.emplace_back(as_string(arr[i], index_path(path, i)));
  } else {
    for (std::string_view s : fallback) out.emplace_back(s);
  }
  json::array written;
  written.reserve(out.size());
  for (const std::string& s : out) written.emplace_back(json::string(s));
  put(key, std::move(written));
  return out;
}

StringPairs ObjectFields::string_map(std::string_view key) {
  StringPairs out;
  json::object written;
  if (has(key)) {
    const std::string path = path_of(key);
    for (const auto& member : as_object(*find(key), path)) {
      const std::string_view name(member.key().data(), member.key().size());
      std::string value(as_string(member.value(), join_path(path, name)));
      written[name] = json::string(value);
      out.emplace_back(std::string(name), std::move(value));
    }
  }
  put(key, std::move(written));
  return out;
}

json::object& ObjectFields::any_object(std::string_view key, json::object fallback) {
  json::object obj = has(key) ? as_object(*find(key), path_of(key)) : std::move(fallback);
  put(key, std::move(obj));
  return out_.at(key).get_object();
}

const json::value& ObjectFields::nullable_any_object(std::string_view key) {
  json::value v(nullptr);
  if (has(key)) v = as_object(*find(key), path_of(key));
  put(key, std::move(v));
  return out_.at(key);
}

void ObjectFields::put(std::string_view key, json::value v) {
  out_[key] = std::move(v);
}

void ObjectFields::drop(std::string_view key) {
  dropped_.emplace_back(key);
}

json::object ObjectFields::finish() && {
  for (const auto& member : in_) {
    const std::string_view key(member.key().data(), member.key().size());
    if (out_.contains(key)) continue;
    if (std::find(dropped_.begin(), dropped_.end(), key) != dropped_.end()) continue;
    out_.emplace(key, member.value());
  }
  return std::move(out_);
}

}  // namespace wasmgate::model::detail
