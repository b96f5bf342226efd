// WasmConfig.allowedPaths → WASI preopens. Otoroshi's (and Extism's manifest) shape is a map host path →
// guest path; every entry is read-only unless its host path is prefixed with `rw:` (read-write). `ro:` —
// Extism's marker — is accepted and means the default, so a manifest written for Extism keeps its meaning
// where it asked for read-only, and a plain Otoroshi map never grants write access by accident.
//   {"/srv/plugin-data": "/data", "rw:/var/lib/wasmgate/scratch": "/tmp"}
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace wasmgate::abi {

inline constexpr std::string_view kAllowedPathReadWritePrefix = "rw:";
inline constexpr std::string_view kAllowedPathReadOnlyPrefix = "ro:";

struct WasiPreopenSpec {
  std::string host;   // directory on the gateway's filesystem, prefix removed
  std::string guest;  // the name the guest sees (wasi-libc matches absolute paths against it)
  bool writable = false;
};

// Parses each (host, guest) pair. PluginLoad naming the entry when the host path (after its prefix) or the
// guest path is empty, or either contains a NUL byte.
Result<std::vector<WasiPreopenSpec>> parse_allowed_paths(
    const std::vector<std::pair<std::string, std::string>>& allowed_paths);

}  // namespace wasmgate::abi
