// "host:port" as given on the command line, split (no resolution here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wasmgate::proxy {

struct ListenAddress {
  std::string host;  // "0.0.0.0", "127.0.0.1", "::1" (brackets removed), "localhost"...; empty input -> "0.0.0.0"
  std::uint16_t port = 0;
};

// Accepts "host:port", "[v6]:port" and ":port". BadRequest naming the value and the reason otherwise.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace wasmgate::proxy
