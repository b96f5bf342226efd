// The http-wasm handler ABI (https://http-wasm.io/http-handler-abi/, spec otoroshi-wasm.md §7): its
// numbering, the request a guest works on (Exchange, shared by every http-wasm slot of a route) and what is
// one guest's own (GuestRequest: its features for this request, its body cursors, before or after `next`),
// and the per-VM state of the `http_handler` host module (HttpWasmVmState, in
// VmHostContext::extensions["http_wasm"]).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http_message.h"

namespace wasmgate::abi::http_wasm {

// The import module of the host functions, and the VmHostContext::extensions key of the per-VM state.
inline constexpr std::string_view kHostModule = "http_handler";
inline constexpr std::string_view kExtensionName = "http_wasm";

// header_kind: the first parameter of the header functions.
enum class HeaderKind : std::int32_t { Request = 0, Response = 1, RequestTrailers = 2, ResponseTrailers = 3 };
// body_kind: the first parameter of read_body / write_body.
enum class BodyKind : std::int32_t { Request = 0, Response = 1 };
// log_level: the lower, the more detail; -1 so that a zeroed level is not the most verbose one.
enum class LogLevel : std::int32_t { Debug = -1, Info = 0, Warn = 1, Error = 2, None = 3 };

// Feature bits (enable_features).
inline constexpr std::uint32_t kFeatureBufferRequest = 1;
inline constexpr std::uint32_t kFeatureBufferResponse = 2;
inline constexpr std::uint32_t kFeatureTrailers = 4;
// What wasmgate grants. Bodies are always buffered on http-wasm routes, so both buffering features are
// available. Trailers are not: the buffered exchange does not carry them, so (as the ABI requires of such a
// host) that bit is never returned, trailer names and values read as empty and setting one traps.
inline constexpr std::uint32_t kSupportedFeatures = kFeatureBufferRequest | kFeatureBufferResponse;

// One request through a route's http-wasm slots: what the backend will receive and, once known, the response.
// Slots run one after another on the same Exchange, each seeing the changes of those before it.
struct Exchange {
  std::string method = "GET";
  std::string uri = "/";  // origin form: path and query, percent-encoded as received ("/a/b?c=d")
  std::string protocol = "HTTP/1.1";
  std::string source_addr;  // "1.2.3.4:5678" or "[::1]:5678"
  HeaderList request_headers;
  std::string request_body;
  bool request_body_written = false;  // a guest called write_body(request): the body is now request_body

  // The response: the guest's own (before `next`, or when it answers itself: next=0), then the backend's.
  int status = 200;
  HeaderList response_headers;
  std::string response_body;
};

// One guest's view of an Exchange, kept from its handle_request to its handle_response.
struct GuestRequest {
  Exchange* exchange = nullptr;
  // The VM's features (enabled at initialisation) plus those enabled during this request.
  std::uint32_t features = 0;
  // handle_response is running: the request can no longer change, and the response only with
  // buffer_response (as http-wasm-host-go enforces).
  bool after_next = false;

  // Per handler call (reset by begin_call): read_body continues where the last read of this call stopped;
  // the first write_body of a call replaces the body, later ones append.
  std::size_t request_read = 0;
  std::size_t response_read = 0;
  bool request_written = false;
  bool response_written = false;

  void begin_call(bool next_done) {
    after_next = next_done;
    request_read = response_read = 0;
    request_written = response_written = false;
  }
  bool enabled(std::uint32_t feature) const { return (features & feature) == feature; }
};

// Per VM, created by the imports hook (wasm/http_wasm_handler.h).
struct HttpWasmVmState {
  std::string config;  // what get_config returns
  std::uint32_t features =
      0;  // enabled outside a request (by _start or initialisers): every request starts with them
  bool started = false;             // _start has run
  GuestRequest* current = nullptr;  // set while handle_request / handle_response runs
};

}  // namespace wasmgate::abi::http_wasm
