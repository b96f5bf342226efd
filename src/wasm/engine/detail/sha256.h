#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace wasmgate::engine::detail {

// Lower-case hex sha256 of `bytes` (OpenSSL).
std::string sha256_hex(std::span<const std::uint8_t> bytes);

}  // namespace wasmgate::engine::detail
