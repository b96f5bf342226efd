// Reading a wasm plugin's JSON output the way Otoroshi does (spec otoroshi-wasm.md §3.0, §3.2): the body
// helper, the attrs side channel, and one decision per step with every default of the spec.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/http_message.h"

namespace wasmgate::plugins {

// BodyHelper.extractBodyFromOpt, first match wins: `body_str` or else `body` (a non-blank JSON string),
// `body_json` (any non-null value, compact), `body_base64` (non-blank, decoded), `body_bytes` (non-empty array of
// signed bytes). nullopt when none applies.
std::optional<std::string> extract_body(const boost::json::object& output);

// AttrsHelper.updateAttrs: `attrs.clear: true` empties `attrs` (set/del ignored); else every key of `del` removes
// the attrs whose key contains it, then `set` stores the allowed keys only (§3.0 list; others ignored).
void apply_attrs_update(const boost::json::object& output, boost::json::object& attrs);
// One attr as `attrs.set` stores it (also env.proxy_set_attr): true when `key` is settable (§3.0) and `value`
// has its shape; attrs is unchanged otherwise.
bool set_attr(boost::json::object& attrs, std::string_view key, const boost::json::value& value);
// `attrs.del`'s rule for one string (also env.proxy_del_attr): removes every attr whose key contains it; true
// when one was removed.
bool del_attrs(boost::json::object& attrs, std::string_view needle);
// The headers that attrs["otoroshi.next.core.ResponseAddHeaders"] asks to add to the final response.
HeaderList response_add_headers(const boost::json::object& attrs);

// The plugin output parsed as a JSON object. A call error or output that is not a JSON object is an Error with
// the reason (callers map it to each step's error answer). Errc::Internal: the plugin broke its contract.
Result<boost::json::object> parse_output(std::string_view output);
// Whether `output` is exactly the object {"result": true} (JSON whitespace allowed): the answer of most
// matchers and access validators, decided without parsing (a parse and its object cost ~1 k instructions).
bool is_bare_true_result(std::string_view output);

// A response a plugin decided to send instead of going on (short-circuit), fully formed: exactly one
// Content-Type among the headers (the plugin's own, else the step's default), Set-Cookie headers for `cookies`.
// Output headers that could break framing (name not a token, CR/LF/NUL in a value) are dropped everywhere.
using PluginResponse = HttpResponse;

// The JSON body Otoroshi answers a failed call with: {"error": "<message>"}.
std::string call_error_json(std::string_view message);

// ---- MatchRoute: {"result": bool}; missing result or a call error = no match.
bool route_matches(const boost::json::object& output);

// ---- PreRoute (§3.2): error:false -> go on (nullopt); error:true -> the response (status default 200 [quirk],
// headers default {"Content-Type":"application/json"}, body via extract_body). Call error / non-JSON -> 500
// with call_error_json (the caller builds that).
std::optional<PluginResponse> pre_route_decision(const boost::json::object& output);

// ---- ValidateAccess (§3.2): result:true -> allowed; else an Otoroshi error answer with error.status (default
// 403) and error.message (default "An error occurred"). A call error -> 400 with the error message.
struct AccessDecision {
  bool allowed = false;
  int status = 403;
  std::string message = "An error occurred";
};
AccessDecision access_decision(const boost::json::object& output);

// ---- TransformRequest (§3.2).
struct RequestTransform {
  std::optional<PluginResponse> respond;  // error:true: status default 500, content type default octet-stream
  std::optional<std::string> method;
  std::optional<std::string> url;        // absolute URL or origin-form
  std::optional<HeaderList> headers;     // replaces all headers when present
  std::optional<std::string> body;       // extract_body; nullopt = keep the original body
  std::optional<HeaderList> set_cookies; // `cookies` present: rendered as Cookie header values name=value
  // set_cookies holds at most one {"Cookie", "a=1; b=2"} entry (what Play WS sends); an empty list means the
  // plugin set `cookies: []`. Either way the request's Cookie headers are to be replaced by it.
};
RequestTransform request_transform(const boost::json::object& output);

// ---- TransformResponse (§3.2).
struct ResponseTransform {
  std::optional<PluginResponse> respond;  // error:true, as for the request transformer
  int status = 200;                       // [quirk] default 200, not the backend's status
  std::optional<HeaderList> headers;      // replaces all when present
  std::optional<HeaderList> set_cookies;  // Set-Cookie header values built from `cookies`
  std::optional<std::string> body;        // nullopt = keep the backend's body
  // set_cookies entries are {"Set-Cookie", "n=v; Max-Age=..; Path=/; Domain=..; Secure; HTTPOnly; SameSite=.."};
  // present = replace the response's Set-Cookie headers with them, nullopt = keep the current ones.
};
ResponseTransform response_transform(const boost::json::object& output);

// ---- CallBackend (§3.2): delegates_call:true -> the gateway calls the backend itself. Otherwise status
// (default 200), headers (default {"Content-Type":"application/json"}), body via extract_body, Content-Length
// computed. Output that is not JSON is read as {} (200, empty). A call error -> 400, no headers, error JSON.
struct BackendDecision {
  bool delegate = false;
  PluginResponse response;
};
BackendDecision backend_decision(const boost::json::object& output);

}  // namespace wasmgate::plugins
