#include "proxy/detail/upstream_connect.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wasmgate::proxy::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

asio::awaitable<ConnectResult> connect_upstream(Worker& worker, const model::Target& target, std::string key,
                                                std::chrono::milliseconds timeout) {
  constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
  auto conn = std::make_unique<UpstreamConnection>(worker);
  conn->key = std::move(key);
  const std::string& host = target.ip_address && !target.ip_address->empty() ? *target.ip_address : target.hostname;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    conn->deadline.expires_after(timeout);
    auto [cec] = co_await conn->socket.async_connect(tcp::endpoint(address, static_cast<unsigned short>(target.port)),
                                                     kAwait);
    ec = cec;
  } else {
    tcp::resolver resolver(worker.io());
    auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(target.port), kAwait);
    if (rec) co_return ConnectResult{nullptr, rec, false};
    conn->deadline.expires_after(timeout);
    auto [cec, endpoint] = co_await asio::async_connect(conn->socket, results, kAwait);
    ec = cec;
  }
  if (ec) co_return ConnectResult{nullptr, ec, conn->deadline.expired()};
  conn->deadline.expires_never();
  conn->socket.set_option(tcp::no_delay(true), ec);
  co_return ConnectResult{std::move(conn), {}, false};
}

}  // namespace wasmgate::proxy::detail
