#pragma once

#include <string>
#include <string_view>

namespace wasmgate {

// A random (v4) UUID from OpenSSL's CSPRNG, lower-case with dashes.
std::string uuid_v4();

// Otoroshi's IdGenerator.namedId in the `prod` env: "<prefix>_<uuid>".
std::string named_id(std::string_view prefix);

}  // namespace wasmgate
