// Beast types and helpers shared by the two translation units that speak HTTP (http_session.cpp,
// proxy_call.cpp). Include nowhere else: Beast's HTTP templates are what makes a file slow to compile.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <string>
#include <string_view>

#include "core/http_message.h"
#include "proxy/detail/header_arena.h"
#include "proxy/detail/relay_response_parser.h"
#include "proxy/worker.h"

namespace wasmgate::proxy::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Header fields live in the connection's HeaderArena (see header_arena.h).
using FieldAllocator = ArenaAllocator<char>;
using Fields = http::basic_fields<FieldAllocator>;
using RequestParser = http::request_parser<http::buffer_body, FieldAllocator>;
// The plain proxy path's backend answer: a parser that keeps no fields container (relay_response_parser.h).
using ResponseParser = RelayResponseParser;

// The value of the first `name` field, empty when there is none. A walk in arrival order, where the wanted
// field (Host) comes first in practice; basic_fields' lookup by name is a tree search with case-insensitive
// compares.
inline std::string_view first_field_value(const Fields& fields, http::field name) {
  for (const auto& f : fields) {
    if (f.name() == name) return f.value();
  }
  return {};
}

// A parser whose fields allocate from `arena`.
template <class Parser>
void emplace_parser(std::optional<Parser>& parser, HeaderArena& arena) {
  parser.emplace(std::piecewise_construct, std::make_tuple(), std::make_tuple(FieldAllocator(arena)));
}

// Every await returns its error as a value: the data path does not throw.
inline constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Beast's async reads post their completion through the scheduler when the buffer already holds what they need
// (no I/O, but a queue round trip and a composed-op frame). On the proxy path that is the common case twice per
// request: the client's head is in the buffer once its first read returns, and a small answer's body came with
// the backend's head. These settle such reads in place. Each returns true when the buffered bytes settle the read
// (`ec` is then what the Beast call would have answered) and false when the socket must be read: then call
// http::async_read_header / async_read_some, which parse what is left before reading.
enum class ParseUntil { HeaderDone, Some };
template <bool isRequest>
bool parsed_from_buffer(http::basic_parser<isRequest>& parser, beast::flat_buffer& buffer, ParseUntil until,
                        beast::error_code& ec) {
  ec = {};
  if (until == ParseUntil::HeaderDone && parser.is_header_done()) return true;
  if (buffer.size() == 0) return false;
  const std::size_t used = parser.put(buffer.data(), ec);
  buffer.consume(used);
  if (ec == http::error::need_more) {
    ec = {};
    return false;
  }
  return true;
}

inline constexpr std::string_view kContinueLine = "HTTP/1.1 100 Continue\r\n\r\n";

// Room for the proxy path's per-request state (ProxyCall, proxy_call.cpp) in the connection's coroutine frame, so
// a request does not allocate a coroutine frame just to hold it. Emptied when the request is done.
class ProxyCallSlot {
 public:
  static constexpr std::size_t kBytes = 1024;
  ProxyCallSlot() = default;
  ProxyCallSlot(const ProxyCallSlot&) = delete;
  ProxyCallSlot& operator=(const ProxyCallSlot&) = delete;
  ~ProxyCallSlot() { reset(); }
  void* storage() { return storage_; }
  // `destroy` ends the object constructed in storage(); reset() calls it once.
  void set_destroy(void (*destroy)(void*)) { destroy_ = destroy; }
  void reset() {
    if (auto destroy = std::exchange(destroy_, nullptr)) destroy(storage_);
  }

 private:
  alignas(std::max_align_t) std::byte storage_[kBytes];
  void (*destroy_)(void*) = nullptr;
};

// The client side of one connection, as the request handlers see it.
struct ClientConnection {
  tcp::socket& socket;
  Deadline& deadline;
  beast::flat_buffer& buffer;  // bytes read but not parsed yet (the rest of this request, pipelined ones)
  std::string& wire_head;      // scratch for rendered message heads, reused across requests
  HeaderArena& arena;          // the fields of the current request and its response; reset between requests
  std::string_view remote_ip;
  ProxyCallSlot& proxy_call;  // the current proxied request's state; reset before `arena` is
};

// A relay buffer borrowed from the worker for the scope of one body transfer.
class ChunkLease {
 public:
  explicit ChunkLease(Worker& worker) : worker_(worker), chunk_(worker.acquire_chunk()) {}
  ~ChunkLease() { worker_.release_chunk(std::move(chunk_)); }
  ChunkLease(const ChunkLease&) = delete;
  ChunkLease& operator=(const ChunkLease&) = delete;
  char* data() { return chunk_.get(); }

 private:
  Worker& worker_;
  std::unique_ptr<char[]> chunk_;
};

// Writes a whole in-memory response (status, headers, body) with Content-Length and the keep-alive decision.
// For HEAD, the body's length is announced and the body not sent. False when the write failed.
asio::awaitable<bool> write_response(ClientConnection& client, HttpResponse response, unsigned version,
                                     bool keep_alive, bool head);

// Reads and discards what is left of the request body, at most kMaxDrainBodyBytes. True when the whole body was
// read (the connection can serve the next request).
asio::awaitable<bool> drain_body(Worker& worker, ClientConnection& client, RequestParser& parser);

// The proxy path (proxy_call.cpp): routes the request whose head `parser` holds and streams it upstream and the
// answer back. True when the client connection can serve another request. The request's state is built in
// client.proxy_call: the caller resets that slot once the returned awaitable is done (before the arena is reused).
asio::awaitable<bool> serve_proxy(Worker& worker, ClientConnection& client, RequestParser& parser);

}  // namespace wasmgate::proxy::detail
