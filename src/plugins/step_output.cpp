// Reading plugin outputs as Otoroshi's Wasm* plugins do (next/plugins/wasm.scala, BodyHelper, AttrsHelper,
// WasmUtils.convertJsonCookies / convertJsonPlayCookies). Play's `asOpt[T]` is the model for every field: a
// value of the wrong JSON type counts as absent and takes the default.
#include "plugins/step_output.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/base64.h"

namespace wasmgate::plugins {

namespace json = boost::json;

namespace {

constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kOctetStream = "application/octet-stream";

// ---- Play-like readers
// ----------------------------------------------------------------------------------------

std::optional<bool> read_bool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

const json::string* read_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

// Play's `asOpt[Long]`: an integral number (200.0 counts, as BigDecimal.isValidLong does).
std::optional<std::int64_t> as_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::trunc(d) != d || std::fabs(d) > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<std::int64_t> read_integer(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? as_integer(*v) : std::nullopt;
}

// A status the writer can send: an integer in 100..599. Anything else takes the step's default (Otoroshi
// would fail later while rendering the response).
int read_status(const json::object& o, int fallback) {
  const std::optional<std::int64_t> n = read_integer(o, "status");
  return n && *n >= kMinStatus && *n <= kMaxStatus ? static_cast<int>(*n) : fallback;
}

// Java's String.isBlank for the ASCII whitespace a plugin may emit.
bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

bool is_token_char(char c) {
  if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) return false;
  return std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

bool valid_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), is_token_char);
}

bool valid_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Play's `asOpt[Map[String, String]]`: an object whose values are all strings, else absent. Entries that
// would break the response framing (a name that is not a token, CR/LF/NUL in a value) are dropped.
std::optional<HeaderList> read_header_map(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_object()) return std::nullopt;
  HeaderList out;
  out.reserve(v->get_object().size());
  for (const auto& kv : v->get_object()) {
    if (!kv.value().is_string()) return std::nullopt;
    const std::string_view value = kv.value().get_string();
    if (valid_header_name(kv.key()) && valid_header_value(value)) out.emplace_back(kv.key(), value);
  }
  return out;
}

void erase_headers(HeaderList& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
}

// The response Play renders from `Status(s)(body).as(contentType).withHeaders(headers)`: one Content-Type
// (the headers' own, else `default_type`), the other headers as given.
PluginResponse make_response(int status, HeaderList headers, std::string_view default_type,
                             std::string body) {
  const std::string content_type(find_header(headers, "Content-Type").value_or(default_type));
  erase_headers(headers, "Content-Type");
  headers.emplace_back("Content-Type", content_type);
  PluginResponse response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

// ---- cookies
// ----------------------------------------------------------------------------------------------------

bool valid_cookie_octets(std::string_view s, bool allow_space) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u > 0x20 && u < 0x7F && c != ';' && c != ',' && c != '"' && c != '\\') ||
           (allow_space && c == ' ');
  });
}

struct OutputCookie {
  std::string name;
  std::string value;
  std::optional<std::int64_t> max_age;
  std::string path = "/";
  std::optional<std::string> domain;
  bool secure = false;
  bool http_only = false;
  std::optional<std::string> same_site;
};

// One entry of `cookies` ({name, value, maxAge?, path?, domain?, secure?, httpOnly?, sameSite?}). Otoroshi
// throws on a missing name or value (the call then fails); we skip that cookie, and one whose name or value
// would corrupt a header. Path defaults to "/" (Play's Cookie; also what NgPluginHttpResponse.asResult uses).
// [quirk not kept] convertJsonPlayCookies reads sameSite from the `domain` field; we read `sameSite`
// ("Lax", "Strict", "None", any case, as Play's SameSite.parse), which the transformer response path in
// Otoroshi cannot render at all (its cast to WSCookieWithSameSite fails).
std::optional<OutputCookie> read_cookie(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  const json::string* name = read_string(o, "name");
  const json::string* value = read_string(o, "value");
  if (name == nullptr || value == nullptr || name->empty()) return std::nullopt;
  if (!std::all_of(name->begin(), name->end(), is_token_char) || !valid_cookie_octets(*value, false)) {
    return std::nullopt;
  }
  OutputCookie cookie;
  cookie.name = std::string(*name);
  cookie.value = std::string(*value);
  cookie.max_age = read_integer(o, "maxAge");
  if (const json::string* path = read_string(o, "path");
      path != nullptr && valid_cookie_octets(*path, true)) {
    cookie.path = std::string(*path);
  }
  if (const json::string* domain = read_string(o, "domain");
      domain != nullptr && valid_cookie_octets(*domain, false)) {
    cookie.domain = std::string(*domain);
  }
  cookie.secure = read_bool(o, "secure").value_or(false);
  cookie.http_only = read_bool(o, "httpOnly").value_or(false);
  if (const json::string* same_site = read_string(o, "sameSite")) {
    for (std::string_view known : {"Lax", "Strict", "None"}) {
      if (iequals(*same_site, known)) cookie.same_site = std::string(known);
    }
  }
  return cookie;
}

// `cookies` when it is an array (`asOpt[Seq[JsObject]]`), else nullopt (keep the current cookies).
std::optional<std::vector<OutputCookie>> read_cookies(const json::object& o) {
  const json::value* v = o.if_contains("cookies");
  if (v == nullptr || !v->is_array()) return std::nullopt;
  std::vector<OutputCookie> out;
  for (const json::value& entry : v->get_array()) {
    if (std::optional<OutputCookie> c = read_cookie(entry)) out.push_back(std::move(*c));
  }
  return out;
}

// Set-Cookie as Netty's ServerCookieEncoder writes Play cookies, less `Expires` (Max-Age is enough for every
// current client and needs no clock).
std::string set_cookie_value(const OutputCookie& c) {
  std::string out = c.name + "=" + c.value;
  if (c.max_age) out += "; Max-Age=" + std::to_string(std::max<std::int64_t>(*c.max_age, 0));
  out += "; Path=" + c.path;
  if (c.domain) out += "; Domain=" + *c.domain;
  if (c.secure) out += "; Secure";
  if (c.http_only) out += "; HTTPOnly";
  if (c.same_site) out += "; SameSite=" + *c.same_site;
  return out;
}

HeaderList set_cookie_headers(const std::vector<OutputCookie>& cookies) {
  HeaderList out;
  for (const OutputCookie& c : cookies) out.emplace_back("Set-Cookie", set_cookie_value(c));
  return out;
}

// The short-circuit answer of both transformers (`error: true`).
PluginResponse transformer_error_response(const json::object& output) {
  HeaderList headers = read_header_map(output, "headers").value_or(HeaderList{});
  if (std::optional<std::vector<OutputCookie>> cookies = read_cookies(output)) {
    for (auto& h : set_cookie_headers(*cookies)) headers.push_back(std::move(h));
  }
  return make_response(read_status(output, 500), std::move(headers), kOctetStream,
                       extract_body(output).value_or(std::string()));
}

// ---- attrs
// ------------------------------------------------------------------------------------------------------

enum class AttrShape { AnyJson, Object, StringObject, Array };

struct AllowedAttr {
  std::string_view key;
  AttrShape shape;
};

// §3.0: the only keys `attrs.set` may write. Otoroshi parses the entity ones (ApiKey, user, targets...) with
// their formats and ignores values that do not parse; we check the JSON shape and store the value as given.
constexpr AllowedAttr kAllowedAttrs[] = {
    {"otoroshi.next.core.ResponseAddHeaders", AttrShape::StringObject},
    {"otoroshi.next.core.JwtInjection", AttrShape::Object},
    {"otoroshi.next.core.PreExtractedApikeyTuple", AttrShape::Object},
    {"otoroshi.core.UserKey", AttrShape::Object},
    {"otoroshi.core.ApiKey", AttrShape::Object},
    {"otoroshi.plugins.ExtraAnalyticsData", AttrShape::AnyJson},
    {"otoroshi.core.GatewayEventExtraInfos", AttrShape::AnyJson},
    {"otoroshi.core.PreExtractedRequestTarget", AttrShape::Object},
    {"otoroshi.core.PreExtractedRequestTargets", AttrShape::Array},
    {"otoroshi.core.ElCtx", AttrShape::StringObject},
};

bool has_shape(const json::value& v, AttrShape shape) {
  switch (shape) {
    case AttrShape::AnyJson:
      return true;
    case AttrShape::Object:
      return v.is_object();
    case AttrShape::Array:
      return v.is_array();
    case AttrShape::StringObject:
      return v.is_object() && std::all_of(v.get_object().begin(), v.get_object().end(),
                                          [](const auto& kv) { return kv.value().is_string(); });
  }
  return false;
}

}  // namespace

// ---- body and attrs
// -----------------------------------------------------------------------------------------------

std::optional<std::string> extract_body(const boost::json::object& output) {
  // 1. body_str, or `body` when body_str is not a string; a blank string means "no body here".
  const json::string* text = read_string(output, "body_str");
  if (text == nullptr) text = read_string(output, "body");
  if (text != nullptr && !is_blank(*text)) return std::string(*text);
  // 2. body_json: any value but null, compact.
  if (const json::value* v = output.if_contains("body_json"); v != nullptr && !v->is_null()) {
    return json::serialize(*v);
  }
  // 3. body_base64. Invalid base64 (an exception that fails the call in Otoroshi) moves on to body_bytes.
  if (const json::string* b64 = read_string(output, "body_base64"); b64 != nullptr && !is_blank(*b64)) {
    Result<std::string> decoded = base64_decode(*b64);
    if (decoded) return std::move(decoded).value();
  }
  // 4. body_bytes: a non-empty array of byte numbers. Play's signed -128..127; 128..255 are accepted too, so
  // that guests serialising unsigned bytes (a JS Uint8Array) work. Any other entry voids body_bytes.
  if (const json::value* v = output.if_contains("body_bytes");
      v != nullptr && v->is_array() && !v->get_array().empty()) {
    std::string bytes;
    bytes.reserve(v->get_array().size());
    for (const json::value& entry : v->get_array()) {
      const std::optional<std::int64_t> n = as_integer(entry);
      if (!n || *n < -128 || *n > 255) return std::nullopt;
      bytes.push_back(static_cast<char>(static_cast<unsigned char>(*n & 0xFF)));
    }
    return bytes;
  }
  return std::nullopt;
}

void apply_attrs_update(const boost::json::object& output, boost::json::object& attrs) {
  const json::value* update = output.if_contains("attrs");
  if (update == nullptr || !update->is_object()) return;
  const json::object& spec = update->get_object();
  if (read_bool(spec, "clear").value_or(false)) {
    attrs.clear();
    return;
  }
  if (const json::value* del = spec.if_contains("del"); del != nullptr && del->is_array()) {
    for (const json::value& part : del->get_array()) {
      if (part.is_string()) del_attrs(attrs, part.get_string());
    }
  }
  if (const json::value* set = spec.if_contains("set"); set != nullptr && set->is_object()) {
    for (const auto& kv : set->get_object()) set_attr(attrs, kv.key(), kv.value());
  }
}

bool set_attr(boost::json::object& attrs, std::string_view key, const boost::json::value& value) {
  for (const AllowedAttr& allowed : kAllowedAttrs) {
    if (key == allowed.key && has_shape(value, allowed.shape)) {
      attrs[key] = value;
      return true;
    }
  }
  return false;
}

bool del_attrs(boost::json::object& attrs, std::string_view needle) {
  bool removed = false;
  for (auto it = attrs.begin(); it != attrs.end();) {
    // Scala's contains: "" is in every key, so `del: [""]` removes everything.
    if (it->key().find(needle) != std::string_view::npos) {
      it = attrs.erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  return removed;
}

HeaderList response_add_headers(const boost::json::object& attrs) {
  HeaderList out;
  const json::value* v = attrs.if_contains("otoroshi.next.core.ResponseAddHeaders");
  if (v == nullptr || !v->is_object()) return out;
  for (const auto& kv : v->get_object()) {
    if (!kv.value().is_string()) continue;
    const std::string_view value = kv.value().get_string();
    if (valid_header_name(kv.key()) && valid_header_value(value)) out.emplace_back(kv.key(), value);
  }
  return out;
}

Result<boost::json::object> parse_output(std::string_view output) {
  boost::system::error_code ec;
  json::value v = json::parse(output, ec);
  if (ec) {
    return make_error(Errc::Internal, "wasm plugin output (" + std::to_string(output.size()) +
                                          " bytes) is not valid JSON: " + ec.message());
  }
  if (!v.is_object()) {
    return make_error(Errc::Internal,
                      "wasm plugin output is JSON but not an object: " + json::serialize(v).substr(0, 64));
  }
  return std::move(v.get_object());
}

bool is_bare_true_result(std::string_view output) {
  std::size_t at = 0;
  const auto skip_space = [&] {
    while (at < output.size() &&
           (output[at] == ' ' || output[at] == '\t' || output[at] == '\n' || output[at] == '\r'))
      ++at;
  };
  const auto take = [&](std::string_view token) {
    skip_space();
    if (output.substr(at, token.size()) != token) return false;
    at += token.size();
    return true;
  };
  if (!take("{") || !take("\"result\"") || !take(":") || !take("true") || !take("}")) return false;
  skip_space();
  return at == output.size();
}

std::string call_error_json(std::string_view message) {
  return json::serialize(json::object{{"error", message}});
}

// ---- step decisions
// -------------------------------------------------------------------------------------------------

bool route_matches(const boost::json::object& output) {
  return read_bool(output, "result").value_or(false);
}

std::optional<PluginResponse> pre_route_decision(const boost::json::object& output) {
  if (!read_bool(output, "error").value_or(false)) return std::nullopt;
  HeaderList headers =
      read_header_map(output, "headers").value_or(HeaderList{{"Content-Type", std::string(kJson)}});
  // [quirk] kept: status defaults to 200 although this is the error branch; a plugin that short-circuits
  // without a status gets 200 in Otoroshi, and plugins written for it rely on setting their own.
  return make_response(read_status(output, 200), std::move(headers), kJson,
                       extract_body(output).value_or(std::string()));
}

AccessDecision access_decision(const boost::json::object& output) {
  AccessDecision decision;
  if (read_bool(output, "result").value_or(false)) {
    decision.allowed = true;
    return decision;
  }
  if (const json::value* error = output.if_contains("error"); error != nullptr && error->is_object()) {
    decision.status = read_status(error->get_object(), decision.status);
    if (const json::string* message = read_string(error->get_object(), "message")) {
      decision.message = std::string(*message);
    }
  }
  return decision;
}

RequestTransform request_transform(const boost::json::object& output) {
  RequestTransform t;
  if (read_bool(output, "error").value_or(false)) {
    t.respond = transformer_error_response(output);
    return t;
  }
  if (const json::string* method = read_string(output, "method"); method != nullptr && !is_blank(*method)) {
    t.method = std::string(*method);
  }
  if (const json::string* url = read_string(output, "url"); url != nullptr && !is_blank(*url)) {
    t.url = std::string(*url);
  }
  t.headers = read_header_map(output, "headers");
  if (std::optional<std::vector<OutputCookie>> cookies = read_cookies(output)) {
    // Play WS sends WSCookies as one Cookie header "a=1; b=2"; only name and value travel to the backend.
    std::string header;
    for (const OutputCookie& c : *cookies) {
      if (!header.empty()) header += "; ";
      header += c.name + "=" + c.value;
    }
    t.set_cookies = HeaderList{};
    if (!header.empty()) t.set_cookies->emplace_back("Cookie", std::move(header));
  }
  t.body = extract_body(output);
  return t;
}

ResponseTransform response_transform(const boost::json::object& output) {
  ResponseTransform t;
  if (read_bool(output, "error").value_or(false)) {
    t.respond = transformer_error_response(output);
    return t;
  }
  t.status = read_status(output, 200);  // [quirk] kept: 200, not the backend's status (see the header)
  t.headers = read_header_map(output, "headers");
  if (std::optional<std::vector<OutputCookie>> cookies = read_cookies(output)) {
    t.set_cookies = set_cookie_headers(*cookies);
  }
  t.body = extract_body(output);
  return t;
}

BackendDecision backend_decision(const boost::json::object& output) {
  BackendDecision decision;
  if (read_bool(output, "delegates_call").value_or(false)) {
    decision.delegate = true;
    return decision;
  }
  PluginResponse& response = decision.response;
  response.status = read_status(output, 200);
  response.headers =
      read_header_map(output, "headers").value_or(HeaderList{{"Content-Type", std::string(kJson)}});
  response.body = extract_body(output).value_or(std::string());
  // Otoroshi adds Content-Length when neither it nor Transfer-Encoding is set, and Akka then sends the length
  // of the strict entity whatever the header said; so the length is always the real one unless the plugin
  // chose chunked transfer.
  if (!find_header(response.headers, "Transfer-Encoding")) {
    erase_headers(response.headers, "Content-Length");
    response.headers.emplace_back("Content-Length", std::to_string(response.body.size()));
  }
  return decision;
}

}  // namespace wasmgate::plugins
