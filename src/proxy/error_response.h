// Errors the gateway itself answers (no route, backend down, timeouts...), shaped as Otoroshi's
// Errors.craftResponseResult (gateway/errors.scala, spec §3.0): an HTML page when the client looks like a browser
// (no Accept header, or an Accept list holding text/html), else JSON {"Otoroshi-Error": "<message>"}; always the
// headers Otoroshi-Error: true, Otoroshi-Error-Msg and Otoroshi-State-Resp.
#pragma once

#include <optional>
#include <string_view>

#include "core/http_message.h"

namespace wasmgate::proxy {

// Otoroshi's own messages (next/proxy/engine.scala), kept word for word: clients and tests match on them.
inline constexpr std::string_view kMsgNoRoute = "no route found !";
inline constexpr std::string_view kMsgConnectionRefused =
    "Something went wrong, the connection to backend service was refused, you should try later. Thanks for your "
    "understanding";
inline constexpr std::string_view kMsgBackendError =
    "Something went wrong, you should try later. Thanks for your understanding.";
inline constexpr std::string_view kMsgBackendTimeout =
    "Something went wrong, the backend service does not respond quickly enough, you should try later. Thanks for "
    "your understanding";
// wasmgate's own (no Otoroshi equivalent).
inline constexpr std::string_view kMsgTlsBackendUnsupported =
    "TLS backends are not supported yet by wasmgate: set the target's tls to false or put a TLS-terminating proxy "
    "in front of the backend";
inline constexpr std::string_view kMsgNoTarget = "the route has no usable backend target";
inline constexpr std::string_view kMsgBadRequest = "bad request";
inline constexpr std::string_view kMsgNoPluginRuntime = "wasm plugins are not available in this gateway process";
inline constexpr std::string_view kMsgPluginBodyTooLarge =
    "the request body is larger than the 4 MiB the route's wasm plugins can read";

// Otoroshi's browser rule: no Accept header reads as "text/html"; the header is split on ',' and an entry equal
// to text/html means a browser. [quirk] Otoroshi compares entries verbatim, so "text/html;q=0.9" or " text/html"
// do not count there; wasmgate trims spaces and ignores parameters, which only widens the HTML case to what
// browsers actually send.
bool wants_html(std::optional<std::string_view> accept);

// The full response for a gateway error. `accept` and `otoroshi_state` are the request's Accept and
// Otoroshi-State headers (absent = nullopt).
HttpResponse make_error_response(int status, std::string_view message, std::optional<std::string_view> accept,
                                 std::optional<std::string_view> otoroshi_state);

}  // namespace wasmgate::proxy
