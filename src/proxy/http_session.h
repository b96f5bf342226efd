// One client connection: reads requests one after the other (keep-alive, pipelined bytes wait their turn) and
// hands each to the admin handler or to the proxy. Beast stays inside http_session.cpp and proxy_call.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "proxy/worker.h"

namespace wasmgate::proxy {

// Serves `socket` until the client closes, a limit or timeout hits, or the worker stops.
boost::asio::awaitable<void> serve_connection(Worker& worker, boost::asio::ip::tcp::socket socket,
                                              ListenerKind kind);

}  // namespace wasmgate::proxy
