#include "wasm/abi/wasi/allowed_paths.h"

#include <fmt/format.h>

namespace wasmgate::abi {

Result<std::vector<WasiPreopenSpec>> parse_allowed_paths(
    const std::vector<std::pair<std::string, std::string>>& allowed_paths) {
  std::vector<WasiPreopenSpec> out;
  out.reserve(allowed_paths.size());
  for (const auto& [key, guest] : allowed_paths) {
    WasiPreopenSpec spec;
    std::string_view host = key;
    if (host.starts_with(kAllowedPathReadWritePrefix)) {
      spec.writable = true;
      host.remove_prefix(kAllowedPathReadWritePrefix.size());
    } else if (host.starts_with(kAllowedPathReadOnlyPrefix)) {
      host.remove_prefix(kAllowedPathReadOnlyPrefix.size());
    }
    if (host.empty() || guest.empty()) {
      return make_error(
          Errc::PluginLoad,
          fmt::format("allowedPaths entry \"{}\": \"{}\" needs a host path and a guest path", key, guest));
    }
    if (host.find('\0') != std::string_view::npos || guest.find('\0') != std::string::npos) {
      return make_error(Errc::PluginLoad, fmt::format("allowedPaths entry \"{}\" contains a NUL byte", key));
    }
    spec.host = std::string(host);
    spec.guest = guest;
    out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace wasmgate::abi
