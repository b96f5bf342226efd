// Opening a connection to a backend target: literal addresses connect directly, names go through the resolver.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <string>

#include "model/route.h"
#include "proxy/upstream_pool.h"
#include "proxy/worker.h"

namespace wasmgate::proxy::detail {

struct ConnectResult {
  UpstreamConnectionPtr conn;  // null on failure
  boost::system::error_code ec;
  bool timed_out = false;  // the connect did not complete within the timeout
};

// Connects to target.ip_address (when set) or target.hostname, port target.port, within `timeout`.
// [limit] Name resolution runs on Asio's resolver thread and is bounded by the system resolver's own timeout,
// not by `timeout`.
boost::asio::awaitable<ConnectResult> connect_upstream(Worker& worker, const model::Target& target, std::string key,
                                                       std::chrono::milliseconds timeout);

}  // namespace wasmgate::proxy::detail
