#pragma once

#include <string_view>

namespace wasmgate {

// Configures the default spdlog logger: stderr, "[time] [level] message", level from a name
// (trace|debug|info|warn|error|off). Unknown names fall back to info.
void setup_logging(std::string_view level);

}  // namespace wasmgate
