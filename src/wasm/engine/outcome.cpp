#include "wasm/engine/outcome.h"

namespace wasmgate::engine {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Ok:
      return "ok";
    case Outcome::Trap:
      return "trap";
    case Outcome::Timeout:
      return "timeout";
    case Outcome::Terminated:
      return "terminated";
    case Outcome::OutOfMemory:
      return "out_of_memory";
    case Outcome::HostError:
      return "host_error";
    case Outcome::LinkError:
      return "link_error";
    case Outcome::BadArgument:
      return "bad_argument";
    case Outcome::Internal:
      return "internal";
  }
  return "?";
}

Errc outcome_errc(Outcome outcome) {
  switch (outcome) {
    case Outcome::Trap:
    case Outcome::HostError:
      return Errc::PluginTrap;
    case Outcome::Timeout:
    case Outcome::Terminated:
      return Errc::PluginTimeout;
    case Outcome::OutOfMemory:
      return Errc::PluginMemory;
    case Outcome::LinkError:
      return Errc::PluginLoad;
    case Outcome::BadArgument:
    case Outcome::Internal:
    case Outcome::Ok:
      return Errc::Internal;
  }
  return Errc::Internal;
}

}  // namespace wasmgate::engine
