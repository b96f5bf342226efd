// Encoding built-ins: base64url.encode_no_pad, hex.encode, hex.decode, urlquery.encode, urlquery.decode,
// urlquery.encode_object, urlquery.decode_object (Go's net/url query rules: space as '+', keys sorted).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "core/base64.h"
#include "core/hex.h"
#include "wasm/abi/opa/detail/builtin_args.h"

namespace wasmgate::abi::opa::detail {
namespace {

namespace json = boost::json;

Result<json::value> base64url_encode_no_pad(Args args, const BuiltinContext&) {
  auto text = string_arg(args, 0, "base64url.encode_no_pad");
  if (!text) return text.take_error();
  std::string out = base64_encode(*text);
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  out.erase(out.find_last_not_of('=') + 1);
  return json::value(out);
}

Result<json::value> hex_encode(Args args, const BuiltinContext&) {
  auto text = string_arg(args, 0, "hex.encode");
  if (!text) return text.take_error();
  return json::value(wasmgate::hex_encode(*text));
}

Result<json::value> hex_decode(Args args, const BuiltinContext&) {
  auto text = string_arg(args, 0, "hex.decode");
  if (!text) return text.take_error();
  auto bytes = wasmgate::hex_decode(*text);
  if (!bytes) return builtin_error("hex.decode", bytes.error().message);
  return json::value(*bytes);
}

// Go's url.QueryEscape.
std::string query_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back("0123456789ABCDEF"[c >> 4]);
      out.push_back("0123456789ABCDEF"[c & 15]);
    }
  }
  return out;
}

// Go's url.QueryUnescape: '+' is a space, %XX a byte; a malformed escape is an error.
Result<std::string> query_unescape(std::string_view text, std::string_view builtin) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      // substr stops at the end: a short escape ("%4") decodes as an odd length and is refused.
      auto byte = wasmgate::hex_decode(text.substr(i + 1, 2));
      if (!byte || byte->size() != 1) {
        return builtin_error(builtin, fmt::format("invalid URL escape \"{}\"", text.substr(i, 3)));
      }
      out += *byte;
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

Result<json::value> urlquery_encode(Args args, const BuiltinContext&) {
  auto text = string_arg(args, 0, "urlquery.encode");
  if (!text) return text.take_error();
  return json::value(query_escape(*text));
}

Result<json::value> urlquery_decode(Args args, const BuiltinContext&) {
  auto text = string_arg(args, 0, "urlquery.decode");
  if (!text) return text.take_error();
  auto decoded = query_unescape(*text, "urlquery.decode");
  if (!decoded) return decoded.take_error();
  return json::value(*decoded);
}

// {"a": "b", "c": ["d", "e"]} -> "a=b&c=d&c=e" (keys sorted, values in their order).
Result<json::value> urlquery_encode_object(Args args, const BuiltinContext&) {
  constexpr std::string_view name = "urlquery.encode_object";
  auto object = object_arg(args, 0, name);
  if (!object) return object.take_error();
  std::vector<std::pair<std::string_view, const json::value*>> entries;
  for (const auto& [key, value] : **object) entries.emplace_back(key, &value);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [key, value] : entries) {
    auto values = strings_arg(std::span(value, 1), 0, name);
    if (!values) return operand_error(name, 0, "object of strings or arrays of strings", *value);
    for (std::string_view v : *values) {
      if (!out.empty()) out.push_back('&');
      out.append(query_escape(key)).append("=").append(query_escape(v));
    }
  }
  return json::value(out);
}

// "a=b&c=d&c=e" -> {"a": ["b"], "c": ["d", "e"]}.
Result<json::value> urlquery_decode_object(Args args, const BuiltinContext&) {
  constexpr std::string_view name = "urlquery.decode_object";
  auto text = string_arg(args, 0, name);
  if (!text) return text.take_error();
  json::object out;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = query_unescape(pair.substr(0, eq), name);
    if (!key) return key.take_error();
    auto value =
        query_unescape(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), name);
    if (!value) return value.take_error();
    auto& list = out[*key];
    if (!list.is_array()) list = json::array();
    list.get_array().emplace_back(*value);
  }
  return json::value(std::move(out));
}

constexpr Builtin kEncoding[] = {
    {"base64url.encode_no_pad", 1, base64url_encode_no_pad},
    {"hex.decode", 1, hex_decode},
    {"hex.encode", 1, hex_encode},
    {"urlquery.decode", 1, urlquery_decode},
    {"urlquery.decode_object", 1, urlquery_decode_object},
    {"urlquery.encode", 1, urlquery_encode},
    {"urlquery.encode_object", 1, urlquery_encode_object},
};

}  // namespace

std::span<const Builtin> encoding_builtins() {
  return kEncoding;
}

}  // namespace wasmgate::abi::opa::detail
