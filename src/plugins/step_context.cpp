// Shapes and key orders follow Otoroshi's sources: JsonHelpers.requestToJson / cookieToJson
// (next/utils/json.scala), NgPluginHttpRequest.json / NgPluginHttpResponse.json and each context's wasmJson
// (next/plugins/api.scala), NgTarget.json (next/models/backend.scala), and the engine's construction of the
// raw/otoroshi request and response (next/proxy/engine.scala).
#include "plugins/step_context.h"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <charconv>

#include "plugins/detail/request_parts.h"

namespace wasmgate::plugins {

namespace json = boost::json;

namespace {

using detail::form_decode;
using detail::query_of;
using detail::request_cookies;
using detail::RequestCookie;
using detail::trim;
using detail::unquote;
using detail::utf8_or_replaced;

json::string jstr(std::string_view s) {
  return json::string(utf8_or_replaced(s));
}

// ---- headers, query, cookies
// --------------------------------------------------------------------------------

enum class Duplicates { FirstWins, LastWins };

// One value per header name, names compared case-insensitively and spelled as first received. Requests keep
// the first value (Play's Headers.toSimpleMap); responses the last (the engine's
// `headers.mapValues(_.last)`). Keys keep arrival order (Play iterates a case-insensitive TreeMap, i.e.
// sorted; JSON object order carries no meaning, and arrival order is cheaper and easier to read).
json::object headers_json(const HeaderList& headers, Duplicates duplicates) {
  json::object out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    json::key_value_pair* existing = nullptr;
    for (auto& kv : out) {
      if (iequals(kv.key(), name)) {
        existing = &kv;
        break;
      }
    }
    if (existing == nullptr) {
      out.emplace(utf8_or_replaced(name), jstr(value));
    } else if (duplicates == Duplicates::LastWins) {
      existing->value() = jstr(value);
    }
  }
  return out;
}

// {"k": ["v1", "v2"]}: every value of a repeated key in order, keys in first-seen order, decoded. A parameter
// without '=' has the value "". [quirk not kept] Akka's Query.toMultiMap (otoroshi_request.query) lists a
// repeated key's values in reverse; we list them in order for both shapes.
json::object query_json(std::string_view query) {
  json::object out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    const std::string key = utf8_or_replaced(form_decode(param.substr(0, eq)));
    const std::string value =
        eq == std::string_view::npos ? std::string() : utf8_or_replaced(form_decode(param.substr(eq + 1)));
    json::value& slot = out[key];
    if (!slot.is_array()) slot = json::array{};
    slot.get_array().emplace_back(json::string(value));
  }
  return out;
}

// A Set-Cookie header as Netty's ClientCookieDecoder reads it for Play WS (WSResponse.cookies).
struct ResponseCookie {
  std::string_view name;
  std::string_view value;
  std::optional<std::string_view> domain;
  std::optional<std::string_view> path;
  std::optional<std::int64_t> max_age;  // Expires alone is not turned into a max age (needs a clock)
  bool secure = false;
  bool http_only = false;
};

std::optional<ResponseCookie> parse_set_cookie(std::string_view header) {
  const std::size_t semi = header.find(';');
  const std::string_view first = trim(header.substr(0, semi));
  const std::size_t eq = first.find('=');
  if (eq == std::string_view::npos) return std::nullopt;  // "name=value" is required
  ResponseCookie cookie;
  cookie.name = trim(first.substr(0, eq));
  cookie.value = unquote(trim(first.substr(eq + 1)));
  if (cookie.name.empty()) return std::nullopt;
  std::string_view rest = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
  while (!rest.empty()) {
    const std::size_t next = rest.find(';');
    const std::string_view attr = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    const std::size_t aeq = attr.find('=');
    const std::string_view key = trim(attr.substr(0, aeq));
    const std::string_view val =
        aeq == std::string_view::npos ? std::string_view{} : trim(attr.substr(aeq + 1));
    if (iequals(key, "Domain")) {
      if (!val.empty()) cookie.domain = val;
    } else if (iequals(key, "Path")) {
      if (!val.empty()) cookie.path = val;
    } else if (iequals(key, "Max-Age")) {
      std::int64_t n = 0;
      const auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), n);
      if (ec == std::errc() && end == val.data() + val.size())
        cookie.max_age = n;  // else ignored, as Netty does
    } else if (iequals(key, "Secure")) {
      cookie.secure = true;
    } else if (iequals(key, "HttpOnly")) {
      cookie.http_only = true;
    }
  }
  return cookie;
}

json::value opt_string(const std::optional<std::string_view>& s) {
  return s ? json::value(jstr(*s)) : json::value(nullptr);
}

json::value object_or_empty(const json::object* o) {
  return o != nullptr ? json::value(*o) : json::value(json::object{});
}

json::value route_json(const StepScope& scope) {
  return scope.route != nullptr ? json::value(scope.route->json) : json::value(nullptr);
}

// The tail every context but the route matcher's shares: `json ++ Json.obj("route" -> route.json)`.
void append_scope(json::object& out, const StepScope& scope) {
  out.emplace("config", object_or_empty(scope.config));
  out.emplace("global_config", object_or_empty(scope.global_config));
  out.emplace("attrs", object_or_empty(scope.attrs));
  out.emplace("route", route_json(scope));
}

}  // namespace

// ---- shared fragments
// ---------------------------------------------------------------------------------------

boost::json::object raw_request_json(const RequestFacts& request) {
  const std::string_view uri = request.uri;
  json::array cookies;
  for (const RequestCookie& c : request_cookies(request.headers)) {
    // [quirk] kept: Play builds request cookies as Cookie(name, value), whose defaults are path "/" and
    // httpOnly true; Otoroshi renders those defaults.
    cookies.emplace_back(json::object{{"name", jstr(c.name)},
                                      {"value", jstr(c.value)},
                                      {"path", "/"},
                                      {"domain", nullptr},
                                      {"http_only", true},
                                      {"max_age", nullptr},
                                      {"secure", false},
                                      {"same_site", nullptr}});
  }
  json::object path_params;
  for (const auto& [name, value] : request.path_params) path_params[utf8_or_replaced(name)] = jstr(value);
  json::object out;
  out.reserve(13);
  out.emplace("id", request.id);
  out.emplace("method", jstr(request.method));
  out.emplace("headers", headers_json(request.headers, Duplicates::FirstWins));
  out.emplace("cookies", std::move(cookies));
  out.emplace("tls", request.tls);
  out.emplace("uri", jstr(uri));
  out.emplace("query", query_json(query_of(uri)));
  out.emplace("path", jstr(uri.substr(0, uri.find_first_of("?#"))));  // raw (not decoded), as Play's path
  out.emplace("version", jstr(request.version));
  out.emplace("has_body", request.has_body);
  out.emplace("remote", jstr(request.remote));
  out.emplace("client_cert_chain",
              nullptr);  // TODO(client certificates): the chain once mTLS listeners exist
  out.emplace("path_params", std::move(path_params));
  return out;
}

boost::json::object otoroshi_request_json(const OutgoingRequest& request) {
  json::array cookies;
  for (const RequestCookie& c : request_cookies(request.headers)) {
    // The engine copies the client's Play cookies into WSCookies: path Some("/"), httpOnly true ([quirk]
    // kept, as in raw_request_json), no domain or max age.
    cookies.emplace_back(json::object{{"name", jstr(c.name)},
                                      {"value", jstr(c.value)},
                                      {"domain", nullptr},
                                      {"path", "/"},
                                      {"maxAge", nullptr},
                                      {"secure", false},
                                      {"httpOnly", true}});
  }
  json::object out;
  out.reserve(8);
  out.emplace("url", jstr(request.url));
  out.emplace("method", jstr(request.method));
  out.emplace("headers", headers_json(request.headers, Duplicates::FirstWins));
  out.emplace("query", query_json(query_of(request.url)));
  out.emplace("version", jstr(request.version));
  out.emplace("client_cert_chain", nullptr);
  out.emplace("backend", request.backend ? json::value(target_json(*request.backend)) : json::value(nullptr));
  out.emplace("cookies", std::move(cookies));
  return out;
}

boost::json::object otoroshi_response_json(const IncomingResponse& response) {
  json::array cookies;
  for (const auto& [name, value] : response.headers) {
    if (!iequals(name, "Set-Cookie")) continue;
    const std::optional<ResponseCookie> c = parse_set_cookie(value);
    if (!c) continue;
    cookies.emplace_back(
        json::object{{"name", jstr(c->name)},
                     {"value", jstr(c->value)},
                     {"domain", opt_string(c->domain)},
                     {"path", opt_string(c->path)},
                     {"maxAge", c->max_age ? json::value(*c->max_age) : json::value(nullptr)},
                     {"secure", c->secure},
                     {"httpOnly", c->http_only}});
  }
  json::object out;
  out.reserve(3);
  out.emplace("status", response.status);
  // Set-Cookie stays among the headers too (its last value), as in Otoroshi.
  out.emplace("headers", headers_json(response.headers, Duplicates::LastWins));
  out.emplace("cookies", std::move(cookies));
  return out;
}

boost::json::object target_json(const model::Target& target) {
  json::array certs;
  for (const std::string& id : target.tls_config.certs) certs.emplace_back(json::string(id));
  json::array trusted;
  for (const std::string& id : target.tls_config.trusted_certs) trusted.emplace_back(json::string(id));
  json::object out;
  out.reserve(10);
  out.emplace("id", target.id);
  out.emplace("hostname", target.hostname);
  out.emplace("port", target.port);
  out.emplace("tls", target.tls);
  out.emplace("weight", target.weight);
  out.emplace("backup", target.backup);
  out.emplace("predicate", target.predicate);
  out.emplace("protocol", target.protocol);
  out.emplace("ip_address",
              target.ip_address ? json::value(json::string(*target.ip_address)) : json::value(nullptr));
  out.emplace("tls_config", json::object{{"certs", std::move(certs)},
                                         {"trusted_certs", std::move(trusted)},
                                         {"enabled", target.tls_config.enabled},
                                         {"loose", target.tls_config.loose},
                                         {"trust_all", target.tls_config.trust_all}});
  return out;
}

boost::json::array signed_bytes_json(std::string_view bytes) {
  json::array out;
  out.reserve(bytes.size());
  for (const char c : bytes) out.emplace_back(static_cast<std::int64_t>(static_cast<signed char>(c)));
  return out;
}

boost::json::value body_bytes_json(const std::optional<std::string>& bytes, bool empty_is_null) {
  if (!bytes || (empty_is_null && bytes->empty())) return nullptr;
  return signed_bytes_json(*bytes);
}

// ---- contexts (key order of each wasmJson)
// --------------------------------------------------------------------

boost::json::object route_matcher_context(const RequestFacts& request, const StepScope& scope) {
  json::object out;
  out.reserve(5);
  out.emplace("snowflake", request.snowflake);
  out.emplace("route", route_json(scope));
  out.emplace("request", raw_request_json(request));
  out.emplace("config", object_or_empty(scope.config));
  out.emplace("attrs", object_or_empty(scope.attrs));
  return out;
}

boost::json::object pre_route_context(const RequestFacts& request, const StepScope& scope) {
  json::object out;
  out.reserve(6);
  out.emplace("snowflake", request.snowflake);
  out.emplace("request", raw_request_json(request));
  append_scope(out, scope);
  return out;
}

boost::json::object access_context(const RequestFacts& request, const StepScope& scope) {
  json::object out;
  out.reserve(8);
  out.emplace("snowflake", request.snowflake);
  out.emplace("apikey", nullptr);
  out.emplace("user", nullptr);
  out.emplace("request", raw_request_json(request));
  append_scope(out, scope);
  return out;
}

boost::json::object request_transformer_context(const RequestFacts& request, const OutgoingRequest& raw,
                                                const OutgoingRequest& current,
                                                const std::optional<std::string>& body,
                                                const StepScope& scope) {
  json::object out;
  out.reserve(11);
  out.emplace("snowflake", request.snowflake);
  out.emplace("raw_request", otoroshi_request_json(raw));
  out.emplace("otoroshi_request", otoroshi_request_json(current));
  out.emplace("apikey", nullptr);
  out.emplace("user", nullptr);
  out.emplace("request", raw_request_json(request));
  append_scope(out, scope);
  out.emplace("request_body_bytes", body_bytes_json(body));
  return out;
}

boost::json::object response_transformer_context(const RequestFacts& request, const IncomingResponse& raw,
                                                 const IncomingResponse& current,
                                                 const std::optional<std::string>& body,
                                                 const StepScope& scope) {
  json::object out;
  out.reserve(11);
  out.emplace("snowflake", request.snowflake);
  out.emplace("raw_response", otoroshi_response_json(raw));
  out.emplace("otoroshi_response", otoroshi_response_json(current));
  out.emplace("apikey", nullptr);
  out.emplace("user", nullptr);
  out.emplace("request", raw_request_json(request));
  append_scope(out, scope);
  out.emplace("response_body_bytes", body_bytes_json(body, /*empty_is_null=*/true));
  return out;
}

boost::json::object backend_context(const RequestFacts& request, const OutgoingRequest& current,
                                    const model::Target& backend, const std::optional<std::string>& body,
                                    const StepScope& scope) {
  json::object out;
  out.reserve(11);
  out.emplace("snowflake", request.snowflake);
  out.emplace("backend", target_json(backend));
  out.emplace("apikey", nullptr);
  out.emplace("user", nullptr);
  out.emplace("raw_request", raw_request_json(request));
  append_scope(out, scope);
  out.emplace("request_body_bytes", body_bytes_json(body));
  out.emplace("request", otoroshi_request_json(current));
  return out;
}

}  // namespace wasmgate::plugins
