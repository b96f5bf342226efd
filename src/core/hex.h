// Lower-case hexadecimal text of bytes — digests (the sha256 that names a wasm module and pins a source),
// OPA's hex.encode/hex.decode.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wasmgate {

std::string hex_encode(std::span<const std::uint8_t> bytes);
std::string hex_encode(std::string_view bytes);

// SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::span<const std::uint8_t> bytes);

// Either case. Errc::BadRequest "odd length hex string" or "invalid byte at offset N".
Result<std::string> hex_decode(std::string_view text);

}  // namespace wasmgate
