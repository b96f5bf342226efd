// What a guest may put into the request line and header fields. The proxy writes these bytes onto the wire
// as they are, so anything that could end a line or a field early (CR, LF, NUL, spaces in the URI) must be
// refused here: a guest must never be able to smuggle a second request or header.
#pragma once

#include <string_view>

namespace wasmgate::abi::http_wasm {

// RFC 9110 token (methods, header names): one or more of ALPHA DIGIT !#$%&'*+-.^_`|~
bool is_token(std::string_view s);
// A field value: no CR, LF or NUL (other controls than HTAB are refused too).
bool is_field_value(std::string_view s);
// An origin-form request target: starts with '/', visible ASCII only (percent-encoded as the ABI requires).
bool is_origin_form(std::string_view s);

}  // namespace wasmgate::abi::http_wasm
