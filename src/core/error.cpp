#include "core/error.h"

namespace wasmgate {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::BadRequest: return "bad_request";
    case Errc::Unauthorized: return "unauthorized";
    case Errc::Forbidden: return "forbidden";
    case Errc::NotFound: return "not_found";
    case Errc::Conflict: return "conflict";
    case Errc::PayloadTooLarge: return "payload_too_large";
    case Errc::PluginLoad: return "plugin_load";
    case Errc::PluginTrap: return "plugin_trap";
    case Errc::PluginTimeout: return "plugin_timeout";
    case Errc::PluginMemory: return "plugin_memory";
    case Errc::UpstreamUnavailable: return "upstream_unavailable";
    case Errc::UpstreamTimeout: return "upstream_timeout";
    case Errc::Storage: return "storage";
    case Errc::Internal: return "internal";
  }
  return "internal";
}

int errc_http_status(Errc code) {
  switch (code) {
    case Errc::BadRequest: return 400;
    case Errc::Unauthorized: return 401;
    case Errc::Forbidden: return 403;
    case Errc::NotFound: return 404;
    case Errc::Conflict: return 409;
    case Errc::PayloadTooLarge: return 413;
    case Errc::UpstreamUnavailable: return 502;
    case Errc::UpstreamTimeout: return 504;
    case Errc::PluginLoad:
    case Errc::PluginTrap:
    case Errc::PluginTimeout:
    case Errc::PluginMemory:
    case Errc::Storage:
    case Errc::Internal: return 500;
  }
  return 500;
}

}  // namespace wasmgate
