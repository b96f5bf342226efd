#include "proxy/http_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <exception>
#include <string>

#include "proxy/detail/ascii.h"
#include "proxy/detail/beast_io.h"
#include "proxy/error_response.h"
#include "proxy/header_rules.h"
#include "proxy/limits.h"

namespace wasmgate::proxy {

using namespace detail;

namespace {

bool is_admin_host(std::string_view host) {
  constexpr std::string_view kPrefix = "otoroshi-api.";
  return host.size() > kPrefix.size() && ascii_istarts_with(host, kPrefix);
}

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

HttpResponse admin_body_too_large(std::size_t limit) {
  return HttpResponse::json(413, "{\"error\":\"the request body is larger than the admin API accepts (" +
                                     std::to_string(limit) + " bytes)\"}");
}

HttpRequest to_http_request(const RequestParser::value_type& req, std::string body, const std::string& remote) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.headers.reserve(16);
  for (const auto& field : req) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = std::move(body);
  out.remote = remote;
  return out;
}

// Reads the whole admin request body into memory, bounded by `limit`. Nullopt when the client failed or the body
// is too large (then `too_large` is set).
asio::awaitable<std::optional<std::string>> read_admin_body(ClientConnection& client, RequestParser& parser,
                                                            std::size_t limit, bool& too_large) {
  constexpr std::size_t kStep = 16 * 1024;
  std::string body;
  if (auto len = parser.content_length()) body.reserve(static_cast<std::size_t>(*len));
  while (!parser.is_done()) {
    const std::size_t old = body.size();
    body.resize(old + kStep);
    parser.get().body().data = body.data() + old;
    parser.get().body().size = kStep;
    client.deadline.expires_after(kClientIoTimeout);
    auto [ec, n] = co_await http::async_read(client.socket, client.buffer, parser, kAwait);
    if (ec == http::error::need_buffer) ec = {};
    body.resize(old + (kStep - parser.get().body().size));
    if (ec) co_return std::nullopt;
    if (body.size() > limit) {
      too_large = true;
      co_return std::nullopt;
    }
  }
  co_return body;
}

// Admin listener, or proxy listener with Host otoroshi-api.*: buffer the body, run the handler on the admin
// thread (it blocks on the store), write its answer.
asio::awaitable<bool> serve_admin(Worker& worker, ClientConnection& client, RequestParser& parser,
                                  ListenerKind kind) {
  auto& req = parser.get();
  const bool head = req.method() == http::verb::head;
  const unsigned version = req.version();
  const bool keep = req.keep_alive() && !worker.stopping();
  const std::size_t limit = worker.shared().options.admin_max_body_bytes;

  std::string body;
  if (!parser.is_done()) {
    if (auto len = parser.content_length(); len && *len > limit) {
      co_await write_response(client, admin_body_too_large(limit), version, false, head);
      co_return false;
    }
    if (auto it = req.find(http::field::expect); it != req.end() && expects_continue(it->value())) {
      client.deadline.expires_after(kClientIoTimeout);
      auto [ec, n] = co_await asio::async_write(client.socket, asio::buffer(kContinueLine), kAwait);
      if (ec) co_return false;
    }
    bool too_large = false;
    auto read = co_await read_admin_body(client, parser, limit, too_large);
    if (!read) {
      if (too_large) co_await write_response(client, admin_body_too_large(limit), version, false, head);
      co_return false;
    }
    body = std::move(*read);
  }

  HttpRequest request = to_http_request(req, std::move(body), std::string(client.remote_ip));
  const auto home = co_await asio::this_coro::executor;
  const bool hop = kind == ListenerKind::Proxy && worker.shared().admin_executor;
  client.deadline.expires_never();  // the handler may take its time; our deadlines are for the network
  if (hop) co_await asio::post(asio::bind_executor(worker.shared().admin_executor, asio::use_awaitable));
  HttpResponse response;
  try {
    response = worker.shared().admin(request);
  } catch (const std::exception& e) {
    spdlog::error("admin handler failed on {} {}: {}", request.method, request.target, e.what());
    response = HttpResponse::json(500, "{\"error\":" + boost::json::serialize(boost::json::string(e.what())) + "}");
  }
  if (hop) co_await asio::post(asio::bind_executor(home, asio::use_awaitable));
  const bool ok = co_await write_response(client, std::move(response), version, keep, head);
  co_return ok && keep;
}

// Half-close, then read and discard for a moment: a reset caused by unread client bytes would otherwise destroy
// the answer we just wrote before the client reads it.
asio::awaitable<void> lingering_close(ClientConnection& client) {
  beast::error_code ec;
  client.socket.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  char sink[4096];
  std::size_t total = 0;
  client.deadline.expires_after(kLingerTimeout);
  while (total < kMaxLingerBytes) {
    auto [rec, n] = co_await client.socket.async_read_some(asio::buffer(sink), kAwait);
    if (rec) break;
    total += n;
  }
}

}  // namespace

namespace detail {

asio::awaitable<bool> write_response(ClientConnection& client, HttpResponse response, unsigned version,
                                     bool keep_alive, bool head) {
  http::response<http::string_body> res;
  res.version(version == 10 ? 10 : 11);
  res.result(static_cast<unsigned>(response.status));
  for (auto& [name, value] : response.headers) res.insert(name, value);
  res.body() = std::move(response.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head) {
    const auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  client.deadline.expires_after(kClientIoTimeout);
  auto [ec, n] = co_await http::async_write(client.socket, res, kAwait);
  co_return !ec;
}

asio::awaitable<bool> drain_body(Worker& worker, ClientConnection& client, RequestParser& parser) {
  if (parser.is_done()) co_return true;
  ChunkLease chunk(worker);
  std::size_t drained = 0;
  while (!parser.is_done()) {
    if (drained > kMaxDrainBodyBytes) co_return false;
    parser.get().body().data = chunk.data();
    parser.get().body().size = kRelayChunkBytes;
    client.deadline.expires_after(kClientIoTimeout);
    auto [ec, n] = co_await http::async_read(client.socket, client.buffer, parser, kAwait);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return false;
    drained += kRelayChunkBytes - parser.get().body().size;
  }
  co_return true;
}

}  // namespace detail

asio::awaitable<void> serve_connection(Worker& worker, tcp::socket socket, ListenerKind kind) {
  beast::error_code ec;
  const auto remote_endpoint = socket.remote_endpoint(ec);
  const std::string remote_ip = ec ? std::string("unknown") : remote_endpoint.address().to_string();
  Deadline deadline(worker, socket);
  beast::flat_buffer buffer(kMaxClientBufferBytes);
  std::string wire_head;
  HeaderArena arena;
  ProxyCallSlot proxy_call;  // after `arena`: its fields live there
  ClientConnection client{socket, deadline, buffer, wire_head, arena, remote_ip, proxy_call};
  auto registration = worker.register_session(socket);
  bool linger = false;

  for (;;) {
    if (buffer.size() == 0) {
      // Between requests: the idle timeout applies, and a stopping worker closes us here.
      if (worker.stopping()) break;
      registration.set_idle(true);
      deadline.expires_after(kClientIdleTimeout);
      auto [rec, n] = co_await socket.async_read_some(buffer.prepare(kClientReadBytes), kAwait);
      registration.set_idle(false);
      if (rec) break;
      buffer.commit(n);
    }

    arena.reset();  // the previous request's parsers are gone
    std::optional<RequestParser> parser_storage;
    emplace_parser(parser_storage, arena);
    RequestParser& parser = *parser_storage;
    parser.header_limit(kMaxRequestHeaderBytes);
    parser.body_limit(boost::none);  // bodies stream through (the admin path applies its own limit)
    deadline.expires_after(kHeaderReadTimeout);
    beast::error_code hec;
    if (!parsed_from_buffer(parser, buffer, ParseUntil::HeaderDone, hec)) {
      std::tie(hec, std::ignore) = co_await http::async_read_header(socket, buffer, parser, kAwait);
    }
    if (hec) {
      const bool too_big = hec == http::error::header_limit;
      if (too_big || is_http_parse_error(hec)) {
        const int status = too_big ? 431 : 400;
        const std::string_view msg = too_big ? "request headers are too large" : "malformed HTTP request";
        co_await write_response(client, make_error_response(status, msg, "application/json", std::nullopt), 11,
                                false, false);
        linger = true;
      }
      break;
    }

    const bool admin =
        kind == ListenerKind::Admin || is_admin_host(first_field_value(parser.get(), http::field::host));
    const bool keep = admin ? co_await serve_admin(worker, client, parser, kind)
                            : co_await serve_proxy(worker, client, parser);
    proxy_call.reset();  // its parser's fields are in `arena`, which the next request reuses
    if (!keep) {
      linger = !parser.is_done();
      break;
    }
  }

  if (linger && socket.is_open()) co_await lingering_close(client);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace wasmgate::proxy
