// Which headers cross the proxy, and the ones it adds (RFC 9110 §7.6.1; Otoroshi's headersIn/OutStatic).
// Socket-free: the Beast code walks its fields and asks these functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/route.h"

namespace wasmgate::proxy {

// Connection-scoped headers a proxy never forwards: Connection, Keep-Alive, Proxy-* (Proxy-Connection,
// Proxy-Authorization...), TE, Trailer, Upgrade. Transfer-Encoding and Content-Length are framing: the proxy
// keeps them (the serializer re-frames chunked bodies), so they are not in this list.
bool is_hop_by_hop(std::string_view name);

// Decides for one message: the static list above plus every header named in its Connection header(s).
class HopByHopFilter {
 public:
  // Called once per Connection header value ("close, X-Foo").
  void add_connection_header(std::string_view value);
  bool drop(std::string_view name) const;

 private:
  std::vector<std::string> listed_;  // lower-cased tokens of Connection (usually none)
};

// The Transfer-Encoding for a message whose framing the proxy changes: `value` (the original's first
// Transfer-Encoding, or empty) with "chunked" appended (a body that ended with the connection, now chunked), or
// with a last "chunked" removed (a chunked body sent raw to an HTTP/1.0 client); "" means send none. Tokens are
// re-joined with ", ", as Beast's message::chunked(bool) edits the field.
std::string reframed_transfer_encoding(std::string_view value, bool chunked);

// X-Forwarded-For: the existing chain with the client address appended ("a, b" + "c" -> "a, b, c").
std::string append_forwarded_for(std::optional<std::string_view> existing, std::string_view client_ip);

// The Host sent upstream: the target's hostname, with ":port" unless it is the scheme's default.
std::string upstream_host_header(const model::Target& target);
// The same, appended to `out` (no temporary string on the proxy's hot path).
void append_upstream_host_header(std::string& out, const model::Target& target);

// Whether an Expect header asks for "100-continue" (case-insensitive).
bool expects_continue(std::string_view expect);

}  // namespace wasmgate::proxy
