// Base64 (RFC 4648 §4, the standard alphabet) for the places Otoroshi exchanges bytes as text: plugin
// outputs (`body_base64`), Base64 wasm sources, Basic credentials.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace wasmgate {

// Standard alphabet with '=' padding.
std::string base64_encode(std::string_view bytes);

// Decodes like Java's Base64.getDecoder() (what Otoroshi uses): the standard alphabet only (no URL-safe
// '-'/'_', no whitespace or line breaks), padding optional but correct when present ("ab==", "abc=", or
// unpadded "ab", "abc"; not "ab=", "a===", "abcd=="), a final group of one character refused.
// Errc::BadRequest naming the offset and the reason. Bits left over in the last character are ignored.
Result<std::string> base64_decode(std::string_view text);

}  // namespace wasmgate
