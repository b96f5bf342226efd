// Only src/wasm/engine/v8 includes <v8.h> (compiled with -fno-rtti, like libnode).
#include <v8-version.h>
#include <v8.h>

#include <string>

#include "wasm/engine/engine_info.h"

// NodeSource's /usr/include/node holds V8 11.3 headers; building against them links and runs silently wrong.
static_assert(V8_MAJOR_VERSION == 10 && V8_MINOR_VERSION == 2, "wrong V8 headers: expected libnode108's 10.2");

namespace wasmgate::engine {

std::string engine_version() {
  return std::string("V8 ") + v8::V8::GetVersion() + " (headers " + std::to_string(V8_MAJOR_VERSION) + "." +
         std::to_string(V8_MINOR_VERSION) + "." + std::to_string(V8_BUILD_NUMBER) + "." +
         std::to_string(V8_PATCH_LEVEL) + ")";
}

}  // namespace wasmgate::engine
