// Reading a client's request for the step contexts (step_context.cpp builds objects from these,
// step_context_text.cpp writes text): UTF-8 hygiene, query decoding, Cookie headers. Internal to the plugins
// layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"

namespace wasmgate::plugins::detail {

// Client bytes go into JSON strings that a guest parses strictly (serde_json, JSON.parse on UTF-8): invalid
// UTF-8 is replaced by U+FFFD per bad byte, as the JVM's decoders do for Otoroshi.
std::string utf8_or_replaced(std::string_view in);
// True when `s` is all ASCII (utf8_or_replaced returns it unchanged).
bool is_ascii(std::string_view s);

// Spaces and tabs trimmed at both ends.
std::string_view trim(std::string_view s);
// A cookie value in double quotes is unwrapped, as Netty's cookie decoders do.
std::string_view unquote(std::string_view s);

// Query-component decoding as Play (FormUrlEncodedParser) and Akka (Uri.Query) do it: "%XX" to its byte and
// '+' to a space. A malformed escape ("%zz", a trailing "%") is kept as written instead of failing the
// request.
std::string form_decode(std::string_view in);
// The query of a request target or URL: after the first '?', before any '#'.
std::string_view query_of(std::string_view uri);

struct RequestCookie {
  std::string_view name;
  std::string_view value;
};
// Cookies of every Cookie header ("a=1; b=2"), in order, duplicates kept (Play's Cookies.toSeq). A pair
// without '=' is a cookie with an empty value; empty names are skipped. Netty's STRICT decoder would also
// drop names and values with characters outside RFC 6265; we keep them, since the plugin only reads them.
std::vector<RequestCookie> request_cookies(const HeaderList& headers);

}  // namespace wasmgate::plugins::detail
