#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace wasmgate {

// Milliseconds since the Unix epoch (wall clock), as Otoroshi's JSON timestamps use.
std::int64_t now_epoch_ms();

// ISO 8601 UTC with milliseconds, e.g. "2026-11-24T23:59:01.123Z".
std::string iso8601_utc(std::int64_t epoch_ms);

}  // namespace wasmgate
