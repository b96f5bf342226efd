// Idle keep-alive connections to backends, per I/O thread (no lock: only its own thread touches a pool).
// Keyed by where we connect (address:port); most recently used first, so warm connections are reused and cold
// ones age out.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/route.h"
#include "proxy/worker.h"

namespace wasmgate::proxy {

struct UpstreamConnection {
  explicit UpstreamConnection(Worker& worker) : socket(worker.io()), deadline(worker, socket) {}

  boost::asio::ip::tcp::socket socket;
  Deadline deadline;
  boost::beast::flat_buffer buffer;  // read buffer: must be empty when the connection goes back to the pool
  std::string key;                   // pool key ("10.0.0.1:8080")
  std::chrono::steady_clock::time_point expires{};  // while idle in the pool
  bool reused = false;               // taken from the pool (may have been closed by the backend meanwhile)
};
using UpstreamConnectionPtr = std::unique_ptr<UpstreamConnection>;

// The pool key of a target: "<ip_address or hostname>:<port>" (connections are shared by address, not by
// target id, so two routes to one backend share their idle connections).
inline std::string upstream_pool_key(const model::Target& t) {
  const std::string& addr = t.ip_address && !t.ip_address->empty() ? *t.ip_address : t.hostname;
  std::string key;
  key.reserve(addr.size() + 6);
  key += addr;
  key += ':';
  key += std::to_string(t.port);
  return key;
}

class UpstreamPool {
 public:
  using Clock = std::chrono::steady_clock;

  // An idle connection for `key` that has not expired, marked `reused`; null when none.
  UpstreamConnectionPtr take(std::string_view key, Clock::time_point now);
  // Keeps `conn` for reuse until now + max_idle (dropped when the per-key cap is reached).
  void give_back(UpstreamConnectionPtr conn, Clock::time_point now, Clock::duration max_idle);
  // Closes the connections that expired.
  void sweep(Clock::time_point now);
  void close_all();
  std::size_t idle_count() const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<UpstreamConnectionPtr>, StringHash, std::equal_to<>> idle_;
};

}  // namespace wasmgate::proxy
