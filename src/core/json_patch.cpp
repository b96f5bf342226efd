#include "core/json_patch.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace wasmgate {

namespace json = boost::json;

namespace {

// An RFC 6901 array index: "0" or digits without a leading zero. "-" (past the end) is handled by callers.
std::optional<std::size_t> parse_index(std::string_view token) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  std::size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

// The value reached by the first `count` tokens, or nullptr when it does not exist.
json::value* find(json::value& root, const std::vector<std::string>& tokens, std::size_t count) {
  json::value* cur = &root;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& token = tokens[i];
    if (auto* obj = cur->if_object()) {
      cur = obj->if_contains(token);
    } else if (auto* arr = cur->if_array()) {
      auto index = parse_index(token);
      cur = index && *index < arr->size() ? &(*arr)[*index] : nullptr;
    } else {
      cur = nullptr;
    }
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string pointer_prefix(const std::vector<std::string>& tokens, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back('/');
    for (char c : tokens[i]) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out.push_back(c);
    }
  }
  return out;
}

// Short rendering of a value for error messages.
std::string preview(const json::value& v) {
  std::string s = json::serialize(v);
  constexpr std::size_t kMaxPreviewChars = 80;
  if (s.size() > kMaxPreviewChars) s = s.substr(0, kMaxPreviewChars) + "...";
  return s;
}

using Tokens = std::vector<std::string>;

Result<void> op_add(json::value& doc, const Tokens& path, std::string_view raw_path, json::value v) {
  if (path.empty()) {
    doc = std::move(v);
    return {};
  }
  json::value* parent = find(doc, path, path.size() - 1);
  if (parent == nullptr) {
    return make_error(Errc::BadRequest, fmt::format("path '{}' does not exist (no parent '{}')", raw_path,
                                                    pointer_prefix(path, path.size() - 1)));
  }
  const std::string& last = path.back();
  if (auto* obj = parent->if_object()) {
    (*obj)[last] = std::move(v);
    return {};
  }
  if (auto* arr = parent->if_array()) {
    if (last == "-") {
      arr->push_back(std::move(v));
      return {};
    }
    auto index = parse_index(last);
    if (!index || *index > arr->size()) {
      return make_error(Errc::BadRequest, fmt::format("path '{}': array index '{}' is out of range (size {})",
                                                      raw_path, last, arr->size()));
    }
    arr->insert(arr->begin() + static_cast<std::ptrdiff_t>(*index), std::move(v));
    return {};
  }
  return make_error(Errc::BadRequest, fmt::format("path '{}': '{}' is neither an object nor an array",
                                                  raw_path, pointer_prefix(path, path.size() - 1)));
}

Result<json::value> op_remove(json::value& doc, const Tokens& path, std::string_view raw_path) {
  auto missing = [&] {
    return make_error(Errc::BadRequest, fmt::format("path '{}' does not exist", raw_path));
  };
  if (path.empty()) return make_error(Errc::BadRequest, "path '': cannot remove the whole document");
  json::value* parent = find(doc, path, path.size() - 1);
  if (parent == nullptr) return missing();
  const std::string& last = path.back();
  if (auto* obj = parent->if_object()) {
    auto it = obj->find(last);
    if (it == obj->end()) return missing();
    json::value removed = std::move(it->value());
    obj->erase(it);
    return removed;
  }
  if (auto* arr = parent->if_array()) {
    auto index = parse_index(last);
    if (!index || *index >= arr->size()) return missing();
    json::value removed = std::move((*arr)[*index]);
    arr->erase(arr->begin() + static_cast<std::ptrdiff_t>(*index));
    return removed;
  }
  return missing();
}

// Reads a required string member of an operation.
Result<std::string_view> member_string(const json::object& op, std::string_view name) {
  const json::value* v = op.if_contains(name);
  if (v == nullptr) return make_error(Errc::BadRequest, fmt::format("'{}' is missing", name));
  if (!v->is_string()) return make_error(Errc::BadRequest, fmt::format("'{}' must be a string", name));
  return std::string_view(v->get_string());
}

Result<void> apply_one(json::value& doc, const json::object& op) {
  auto op_name = member_string(op, "op");
  if (!op_name) return op_name.take_error();
  auto raw_path = member_string(op, "path");
  if (!raw_path) return raw_path.take_error();
  auto path = parse_json_pointer(*raw_path);
  if (!path)
    return make_error(Errc::BadRequest, fmt::format("path '{}': {}", *raw_path, path.error().message));

  auto value_member = [&]() -> Result<json::value> {
    const json::value* v = op.if_contains("value");
    if (v == nullptr)
      return make_error(Errc::BadRequest, fmt::format("'value' is missing for op '{}'", *op_name));
    return *v;
  };
  auto from_member = [&]() -> Result<std::pair<std::string_view, Tokens>> {
    auto raw_from = member_string(op, "from");
    if (!raw_from) return raw_from.take_error();
    auto from = parse_json_pointer(*raw_from);
    if (!from)
      return make_error(Errc::BadRequest, fmt::format("from '{}': {}", *raw_from, from.error().message));
    return std::make_pair(*raw_from, std::move(*from));
  };

  const std::string_view name = *op_name;
  if (name == "add") {
    auto v = value_member();
    if (!v) return v.take_error();
    return op_add(doc, *path, *raw_path, std::move(*v));
  }
  if (name == "remove") {
    auto removed = op_remove(doc, *path, *raw_path);
    if (!removed) return removed.take_error();
    return {};
  }
  if (name == "replace") {
    auto v = value_member();
    if (!v) return v.take_error();
    json::value* target = find(doc, *path, path->size());
    if (target == nullptr)
      return make_error(Errc::BadRequest, fmt::format("path '{}' does not exist", *raw_path));
    *target = std::move(*v);
    return {};
  }
  if (name == "move" || name == "copy") {
    auto from = from_member();
    if (!from) return from.take_error();
    const auto& [raw_from, from_tokens] = *from;
    json::value* source = find(doc, from_tokens, from_tokens.size());
    if (source == nullptr)
      return make_error(Errc::BadRequest, fmt::format("from '{}' does not exist", raw_from));
    if (name == "copy") return op_add(doc, *path, *raw_path, *source);
    if (from_tokens == *path) return {};
    bool into_own_child = from_tokens.size() < path->size() &&
                          std::equal(from_tokens.begin(), from_tokens.end(), path->begin());
    if (into_own_child) {
      return make_error(Errc::BadRequest,
                        fmt::format("cannot move '{}' into its own child '{}'", raw_from, *raw_path));
    }
    auto moved = op_remove(doc, from_tokens, raw_from);
    if (!moved) return moved.take_error();
    return op_add(doc, *path, *raw_path, std::move(*moved));
  }
  if (name == "test") {
    auto v = value_member();
    if (!v) return v.take_error();
    json::value* target = find(doc, *path, path->size());
    if (target == nullptr)
      return make_error(Errc::BadRequest, fmt::format("path '{}' does not exist", *raw_path));
    if (!json_equal(*target, *v)) {
      return make_error(Errc::BadRequest, fmt::format("test failed: value at '{}' is {}, expected {}",
                                                      *raw_path, preview(*target), preview(*v)));
    }
    return {};
  }
  return make_error(Errc::BadRequest,
                    fmt::format("unknown op '{}' (expected add, remove, replace, move, copy or test)", name));
}

bool numbers_equal(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  const json::value& s = a.is_int64() ? a : b;  // one int64, one uint64
  const json::value& u = a.is_int64() ? b : a;
  return s.get_int64() >= 0 && static_cast<std::uint64_t>(s.get_int64()) == u.get_uint64();
}

}  // namespace

Result<std::vector<std::string>> parse_json_pointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/')
    return make_error(Errc::BadRequest, "a JSON Pointer must be empty or start with '/'");
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    char c = pointer[i];
    if (c == '~') {
      char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (next == '0')
        token.push_back('~');
      else if (next == '1')
        token.push_back('/');
      else
        return make_error(Errc::BadRequest, "'~' must be followed by 0 or 1 in a JSON Pointer");
      ++i;
    } else {
      token.push_back(c);
    }
  }
  return tokens;
}

bool json_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return numbers_equal(a, b);
  if (a.kind() != b.kind()) return false;
  if (const auto* oa = a.if_object()) {
    const auto& ob = b.get_object();
    if (oa->size() != ob.size()) return false;
    for (const auto& kv : *oa) {
      const json::value* other = ob.if_contains(kv.key());
      if (other == nullptr || !json_equal(kv.value(), *other)) return false;
    }
    return true;
  }
  if (const auto* aa = a.if_array()) {
    const auto& ab = b.get_array();
    if (aa->size() != ab.size()) return false;
    for (std::size_t i = 0; i < aa->size(); ++i) {
      if (!json_equal((*aa)[i], ab[i])) return false;
    }
    return true;
  }
  return a == b;
}

json::value merge_patch(json::value target, const json::value& patch) {
  const auto* patch_obj = patch.if_object();
  if (patch_obj == nullptr) return patch;
  if (!target.is_object()) target = json::object();
  auto& obj = target.get_object();
  for (const auto& kv : *patch_obj) {
    if (kv.value().is_null()) {
      obj.erase(kv.key());
    } else if (json::value* cur = obj.if_contains(kv.key())) {
      *cur = merge_patch(std::move(*cur), kv.value());
    } else {
      obj[kv.key()] = merge_patch(json::value(), kv.value());
    }
  }
  return target;
}

Result<json::value> apply_json_patch(json::value doc, const json::value& ops) {
  const auto* arr = ops.if_array();
  if (arr == nullptr)
    return make_error(Errc::BadRequest, "patch: a JSON Patch must be an array of operations");
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto* op = (*arr)[i].if_object();
    if (op == nullptr) return make_error(Errc::BadRequest, fmt::format("patch[{}]: must be an object", i));
    if (auto r = apply_one(doc, *op); !r) {
      return make_error(Errc::BadRequest, fmt::format("patch[{}]: {}", i, r.error().message));
    }
  }
  return doc;
}

json::value deep_merge(json::value base, const json::value& other) {
  const auto* other_obj = other.if_object();
  if (other_obj == nullptr || !base.is_object()) return other;
  auto& obj = base.get_object();
  for (const auto& kv : *other_obj) {
    json::value* cur = obj.if_contains(kv.key());
    if (cur != nullptr && cur->is_object() && kv.value().is_object()) {
      *cur = deep_merge(std::move(*cur), kv.value());
    } else {
      obj[kv.key()] = kv.value();
    }
  }
  return base;
}

}  // namespace wasmgate
