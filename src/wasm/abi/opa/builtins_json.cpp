// JSON built-ins: json.is_valid, json.patch (RFC 6902, core/json_patch), json.marshal, json.unmarshal.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_patch.h"
#include "wasm/abi/opa/detail/builtin_args.h"

namespace wasmgate::abi::opa::detail {
namespace {

namespace json = boost::json;

// Never an error: a non-string or unparsable text is false.
Result<json::value> is_valid(Args args, const BuiltinContext&) {
  if (!args[0].is_string()) return json::value(false);
  boost::system::error_code ec;
  (void)json::parse(args[0].get_string(), ec);
  return json::value(!ec);
}

Result<json::value> patch(Args args, const BuiltinContext&) {
  auto ops = array_arg(args, 1, "json.patch");
  if (!ops) return ops.take_error();
  auto patched = apply_json_patch(args[0], args[1]);
  if (!patched) return builtin_error("json.patch", patched.error().message);
  return std::move(*patched);
}

Result<json::value> marshal(Args args, const BuiltinContext&) {
  return json::value(json::serialize(args[0]));
}

Result<json::value> unmarshal(Args args, const BuiltinContext&) {
  auto text = string_arg(args, 0, "json.unmarshal");
  if (!text) return text.take_error();
  boost::system::error_code ec;
  json::value parsed = json::parse(*text, ec);
  if (ec) return builtin_error("json.unmarshal", "invalid JSON: " + ec.message());
  return parsed;
}

constexpr Builtin kJson[] = {
    {"json.is_valid", 1, is_valid},
    {"json.marshal", 1, marshal},
    {"json.patch", 2, patch},
    {"json.unmarshal", 1, unmarshal},
};

}  // namespace

std::span<const Builtin> json_builtins() {
  return kJson;
}

}  // namespace wasmgate::abi::opa::detail
