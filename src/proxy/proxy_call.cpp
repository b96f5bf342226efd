// The proxy path of one request: route it, pick a target, get a keep-alive connection, stream the request up and
// the response down with one bounded buffer per direction, and map failures to Otoroshi's error answers.
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <tuple>

#include "proxy/detail/ascii.h"
#include "proxy/detail/beast_io.h"
#include "proxy/detail/message_writer.h"
#include "proxy/detail/plugin_flow.h"
#include "proxy/detail/proxy_call.h"
#include "plugins/step_output.h"
#include "proxy/detail/upstream_connect.h"
#include "proxy/error_response.h"
#include "proxy/header_rules.h"
#include "proxy/limits.h"
#include "proxy/path_rewrite.h"
#include "proxy/route_index.h"
#include "proxy/target_selector.h"
#include "proxy/upstream_pool.h"

namespace wasmgate::proxy::detail {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class FieldsHeaderSource final : public HeaderSource {
 public:
  explicit FieldsHeaderSource(const Fields& fields) : fields_(fields) {}
  std::optional<std::string_view> get(std::string_view name) const override {
    const auto it = fields_.find(name);
    if (it == fields_.end()) return std::nullopt;
    return it->value();
  }

 private:
  const Fields& fields_;
};

// A reused connection the backend closed while it sat in the pool fails like this before any response byte.
bool is_stale_connection_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

// Before streaming a body (which cannot be replayed) on a pooled connection: has the backend closed it?
bool socket_looks_alive(tcp::socket& socket) {
  char c;
  const ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return false;  // 0: closed by the backend; > 0: unsolicited bytes, not a clean keep-alive
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

// What the proxy needs from a response head, in one linear pass (a dozen fields: cheaper than one tree lookup per
// question). The hop-by-hop filter (the static list and the headers Connection names) decides which fields are
// left out when the head is rendered for the client.
struct ResponseHeadFacts {
  HopByHopFilter hop_by_hop;
  bool has_content_length = false;
  const RelayResponseParser::Field* transfer_encoding = nullptr;  // the first one
};
ResponseHeadFacts scan_response_head(std::span<const RelayResponseParser::Field> fields) {
  ResponseHeadFacts facts;
  for (const auto& f : fields) {
    if (f.id == http::field::connection) facts.hop_by_hop.add_connection_header(f.value);
    else if (f.id == http::field::content_length) facts.has_content_length = true;
    else if (f.id == http::field::transfer_encoding && facts.transfer_encoding == nullptr)
      facts.transfer_encoding = &f;
  }
  return facts;
}

// Request headers the proxy sets itself (rendered after the forwarded ones, in this order).
bool is_replaced_request_header(const Fields::value_type& f) {
  switch (f.name()) {
    case http::field::host:
    case http::field::expect:  // we answer Expect: 100-continue ourselves (the backend gets the body as we stream it)
      return true;
    case http::field::unknown: {
      const std::string_view name = f.name_string();
      return name.size() >= 15 && ascii_istarts_with(name, "x-forwarded-") &&
             (ascii_iequals(name, "x-forwarded-for") || ascii_iequals(name, "x-forwarded-proto") ||
              ascii_iequals(name, "x-forwarded-host"));
    }
    default:
      return false;
  }
}

// Out of ProxyCall::run(): in a coroutine every temporary string of these would take frame space.
void note_connect_failure(Worker& worker, const model::Route& route, const std::string& key,
                          const ConnectResult& connected, milliseconds timeout) {
  // Warn when a target goes down, not on every request that still tries it (a dead backend under load would
  // flood the log).
  const bool already_down = worker.target_down(key, Clock::now());
  worker.mark_target_down(key, Clock::now());
  spdlog::log(already_down ? spdlog::level::debug : spdlog::level::warn,
              "route {}: connecting to {} failed: {}", route.id, key,
              connected.timed_out ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                  : connected.ec.message());
}

void log_failed_response_read(const model::Route& route, const std::string& key,
                              const beast::error_code& ec) {
  spdlog::warn("route {}: reading the response of {} failed: {}", route.id, key, ec.message());
}

}  // namespace

// ---- RelayResponseParser (relay_response_parser.h)

std::string_view RelayResponseParser::keep(string_view s) {
  if (s.empty()) return {};
  auto* copy = static_cast<char*>(arena_->allocate(s.size(), 1));
  std::memcpy(copy, s.data(), s.size());
  return {copy, s.size()};
}

void RelayResponseParser::on_response_impl(int code, string_view reason, int /*version*/,
                                           error_code& /*ec*/) {
  status_ = static_cast<unsigned>(code);
  reason_ = keep(reason);
}

void RelayResponseParser::on_field_impl(http::field id, string_view name, string_view value,
                                        error_code& /*ec*/) {
  fields_.push_back(Field{id, keep(name), keep(value)});
}

std::size_t RelayResponseParser::take_body(string_view body, error_code& ec) {
  if (body_data_ == nullptr) {  // as http::buffer_body: no buffer yet
    ec = http::error::need_buffer;
    return 0;
  }
  const std::size_t n = std::min(body.size(), body_space_);
  std::memcpy(body_data_, body.data(), n);
  body_data_ += n;
  body_space_ -= n;
  if (n < body.size()) ec = http::error::need_buffer;
  return n;
}

// One linear pass over the request fields (first occurrence wins, as with find()), instead of a tree lookup
// per header.
void ProxyCall::capture_request_facts() {
  auto& req = parser_.get();
  version_ = req.version();
  head_request_ = req.method() == http::verb::head;
  client_keep_ = req.keep_alive() && !worker_.stopping();
  bool expect_seen = false;
  for (const auto& f : req) {
    switch (f.name()) {
      case http::field::host:
        if (!host_) host_ = f.value();
        break;
      case http::field::accept:
        if (!accept_) accept_ = f.value();
        break;
      case http::field::expect:
        if (!expect_seen) expect_continue_ = expects_continue(f.value());
        expect_seen = true;
        break;
      case http::field::connection:
        request_hop_by_hop_.add_connection_header(f.value());
        break;
      case http::field::unknown: {
        const std::string_view name = f.name_string();
        if (!otoroshi_state_ && ascii_iequals(name, "otoroshi-state")) otoroshi_state_ = f.value();
        if (!forwarded_for_in_ && ascii_iequals(name, "x-forwarded-for")) forwarded_for_in_ = f.value();
        break;
      }
      default:
        break;
    }
  }
}

void ProxyCall::locate_request() {
  const TargetParts parts = split_absolute_form(parser_.get().target());
  request_host_ = parts.authority.empty() ? host_.value_or(std::string_view{}) : parts.authority;
  request_split_ = split_target(parts.origin);
}

std::optional<RouteMatch> ProxyCall::match_route() const {
  const auto& req = parser_.get();
  const FieldsHeaderSource headers(req.base());
  return snapshot_->routes.match(
      MatchRequest{req.method_string(), request_host_, request_split_.path, request_split_.query, &headers});
}

void ProxyCall::plan_request_head(std::string forwarded_path) {
  forwarded_for_ = append_forwarded_for(forwarded_for_in_, client_.remote_ip);
  forwarded_host_.assign(request_host_);
  upstream_target_ = std::move(forwarded_path);
  if (!request_split_.query.empty()) {
    upstream_target_ += '?';
    upstream_target_ += request_split_.query;
  }
  // Framing follows the forwarded Transfer-Encoding (dropped only if the Connection header names it).
  upstream_chunked_ = parser_.chunked() && !request_hop_by_hop_.drop("Transfer-Encoding");
}

void ProxyCall::render_request_head(const model::Target& target) {
  const auto& req = parser_.get();
  std::string& out = client_.wire_head;
  begin_request_head(out, req.method_string(), upstream_target_);
  for (const auto& f : req) {
    if (is_replaced_request_header(f) || request_hop_by_hop_.drop(f.name_string())) continue;
    append_field(out, f.name_string(), f.value());
  }
  append_field(out, "X-Forwarded-For", forwarded_for_);
  append_field(out, "X-Forwarded-Proto", "http");
  append_field(out, "X-Forwarded-Host", forwarded_host_);
  out.append("Host: ");
  append_upstream_host_header(out, target);
  out.append("\r\n");
  end_head(out);
}

asio::awaitable<bool> ProxyCall::fail(int status, std::string_view message) {
  bool keep = client_keep_;
  if (!parser_.is_done()) {
    // A client waiting for "100 Continue" has not sent its body: answering without reading it is the protocol.
    const bool body_held_back = expect_continue_ && !continue_sent_;
    keep = keep && !body_held_back && co_await drain_body(worker_, client_, parser_);
  }
  HttpResponse response = make_error_response(status, message, accept_, otoroshi_state_);
  const bool ok = co_await write_response(client_, std::move(response), version_, keep, head_request_);
  co_return ok && keep;
}

asio::awaitable<SendResult> ProxyCall::send_request(UpstreamConnection& conn, milliseconds io_timeout) {
  auto& req = parser_.get();
  MessageSender up(conn.socket, conn.deadline, client_.wire_head, upstream_chunked_);

  if (body_buffered_whole_ || parser_.is_done()) {  // a retry with the whole body in our chunk, or no body
    const char* data = body_buffered_whole_ ? body_chunk_->data() : nullptr;
    const std::size_t size = body_buffered_whole_ ? buffered_body_bytes_ : 0;
    beast::error_code ec;
    if (up.send(data, size, true, ec)) std::tie(ec, std::ignore) = co_await up.write(io_timeout);
    co_return ec ? SendResult::UpstreamFailed : SendResult::Ok;
  }
  // The head goes first: a stale pooled connection shows before any body byte is taken from the client.
  beast::error_code ec;
  if (up.send(nullptr, 0, false, ec)) std::tie(ec, std::ignore) = co_await up.write(io_timeout);
  if (ec) co_return SendResult::UpstreamFailed;

  if (expect_continue_ && !continue_sent_) {
    client_.deadline.expires_after(kClientIoTimeout);
    auto [cec, cn] = co_await asio::async_write(client_.socket, asio::buffer(kContinueLine), kAwait);
    if (cec) co_return SendResult::ClientFailed;
    continue_sent_ = true;
  }

  if (!body_chunk_) body_chunk_.emplace(worker_);
  bool first_read = true;
  while (!parser_.is_done()) {
    req.body().data = body_chunk_->data();
    req.body().size = kRelayChunkBytes;
    client_.deadline.expires_after(kClientIoTimeout);
    // read_some: what arrived is relayed now, not held until the chunk is full.
    beast::error_code rec;
    if (!parsed_from_buffer(parser_, client_.buffer, ParseUntil::Some, rec)) {
      std::tie(rec, std::ignore) =
          co_await http::async_read_some(client_.socket, client_.buffer, parser_, kAwait);
    }
    if (rec == http::error::need_buffer) rec = {};
    if (rec) co_return SendResult::ClientFailed;
    const std::size_t got = kRelayChunkBytes - req.body().size;
    if (first_read && parser_.is_done()) {
      body_buffered_whole_ = true;
      buffered_body_bytes_ = got;
    } else {
      body_streamed_ = true;
    }
    first_read = false;
    if (up.send(body_chunk_->data(), got, parser_.is_done(), ec)) {
      std::tie(ec, std::ignore) = co_await up.write(io_timeout);
    }
    if (ec) co_return SendResult::UpstreamFailed;
  }
  co_return SendResult::Ok;
}

asio::awaitable<bool> ProxyCall::relay_response(UpstreamConnectionPtr conn, ResponseParser& rp,
                                                const model::ClientConfig& client_config) {
  const bool upstream_keep = rp.keep_alive();
  const unsigned status = rp.status();
  const bool has_body = !head_request_ && status >= 200 && status != 204 && status != 304;
  const ResponseHeadFacts facts = scan_response_head(rp.fields());
  const HopByHopFilter& hop_by_hop = facts.hop_by_hop;
  bool chunked = rp.chunked();
  bool reframed = false;  // the client gets other framing than the backend sent: Transfer-Encoding rewritten

  bool keep = client_keep_ && parser_.is_done() && !worker_.stopping();
  if (has_body) {
    if (chunked) {
      if (version_ < 11) {  // an HTTP/1.0 client cannot read chunks: send raw and close
        reframed = true;
        chunked = false;
        keep = false;
      }
    } else if (!facts.has_content_length) {  // body delimited by the backend closing
      if (version_ >= 11) {
        reframed = true;
        chunked = true;
      } else {
        keep = false;
      }
    }
  }

  // The backend's fields minus hop-by-hop ones; our own Connection decision last (HTTP/1.1: keep-alive is the
  // default, so only "close" is said).
  std::string& out = client_.wire_head;
  begin_response_head(out, status, rp.reason());
  for (const auto& f : rp.fields()) {
    if (reframed && f.id == http::field::transfer_encoding) continue;  // rewritten below
    if (!hop_by_hop.drop(f.name)) append_field(out, f.name, f.value);
  }
  if (reframed) {  // Beast's message::chunked(bool) put it last, as one field
    const std::string te = reframed_transfer_encoding(
        facts.transfer_encoding != nullptr ? facts.transfer_encoding->value : std::string_view(), chunked);
    if (!te.empty() && !hop_by_hop.drop("Transfer-Encoding")) append_field(out, "Transfer-Encoding", te);
  }
  if (plugin_) {  // attrs["otoroshi.next.core.ResponseAddHeaders"] set by the route's plugins
    for (const auto& [name, value] : plugins::response_add_headers(plugin_->attrs)) append_field(out, name, value);
  }
  if (!keep) append_field(out, "Connection", "close");
  end_head(out);
  MessageSender down(client_.socket, client_.deadline, out, has_body && chunked);
  // When body bytes came with the head (the common small answer), head and first piece leave in one write;
  // otherwise the head goes now, so a slow or streaming body does not hold it back.
  beast::error_code wec;
  if (!has_body || conn->buffer.size() == 0) {
    if (down.send(nullptr, 0, false, wec)) std::tie(wec, std::ignore) = co_await down.write(kClientIoTimeout);
    if (wec) co_return false;
  }

  if (has_body) {
    const milliseconds io_timeout = positive_ms(client_config.idle_timeout_ms, milliseconds(60000));
    ChunkLease chunk(worker_);
    while (!rp.is_done()) {
      rp.set_body_buffer(chunk.data(), kRelayChunkBytes);
      conn->deadline.expires_after(io_timeout);
      // read_some: a streaming backend's bytes (SSE, long polls) reach the client as they arrive.
      beast::error_code rec;
      if (!parsed_from_buffer(rp, conn->buffer, ParseUntil::Some, rec)) {
        std::tie(rec, std::ignore) = co_await http::async_read_some(conn->socket, conn->buffer, rp, kAwait);
      }
      if (rec == http::error::need_buffer) rec = {};
      if (rec) {
        // The status line is gone already: all we can do is cut the client connection.
        spdlog::debug("backend {} failed mid-body ({}); closing the client connection", conn->key, rec.message());
        co_return false;
      }
      const std::size_t got = kRelayChunkBytes - rp.body_space_left();
      if (down.send(chunk.data(), got, rp.is_done(), wec)) {
        std::tie(wec, std::ignore) = co_await down.write(kClientIoTimeout);
      }
      if (wec) co_return false;
    }
    // A body that was empty from the start: the head (and a last chunk) may still be pending.
    if (down.send(nullptr, 0, true, wec)) std::tie(wec, std::ignore) = co_await down.write(kClientIoTimeout);
    if (wec) co_return false;
  }

  if (upstream_keep && rp.is_done()) {
    worker_.upstream_pool().give_back(std::move(conn), coarse_now(),
                                      positive_ms(client_config.idle_timeout_ms, milliseconds(0)));
  }
  co_return keep;
}

// Keep this frame under ~1 KiB (see the members it uses instead of locals, proxy_call.h): check with a
// histogram of memalign sizes under load, where a frame that no longer fits shows as one allocation per
// request.
asio::awaitable<bool> ProxyCall::run() {
  capture_request_facts();
  snapshot_ = worker_.snapshot();
  locate_request();
  std::optional<RouteMatch> match;
  if (const plugins::GlobalPlan* global = snapshot_->global_plan.get()) {
    bool keep = false;
    if (co_await run_global_plugins(*global, request_host_, match, keep) == Gate::Answered) co_return keep;
  }
  if (!match) match = match_route();
  if (!match) {
    if (snapshot_->global_plan && !snapshot_->global_plan->sinks.empty()) {
      co_return co_await serve_sink(*snapshot_->global_plan);
    }
    co_return co_await fail(404, kMsgNoRoute);
  }

  const model::Route& route = *match->route;
  const model::ClientConfig& client_config = route.backend.client;
  plan_request_head(std::move(match->forwarded_path));
  const plugins::RoutePlan* plan = snapshot_->plan(match->slot);
  if (plan == nullptr && plugin_) plan = plugin_->dynamic_plan.get();  // a route a WasmRouter returned
  if (plan != nullptr) {
    bool keep = false;
    if (co_await run_request_plugins(*plan, *match, request_host_, keep) == Gate::Answered) co_return keep;
  }
  if (is_websocket_upgrade()) co_return co_await serve_websocket(plan, *match);
  if (plan != nullptr && (plan->buffers_request() || plan->buffers_response())) {
    co_return co_await serve_buffered(*plan, *match);
  }

  const auto& targets = route.backend.targets;
  const milliseconds connect_timeout = positive_ms(client_config.connection_timeout_ms, milliseconds(10000));
  const milliseconds call_timeout = positive_ms(client_config.call_timeout_ms, milliseconds(30000));
  const milliseconds io_timeout = positive_ms(client_config.idle_timeout_ms, milliseconds(60000));
  const std::uint64_t counter = worker_.next_round_robin(match->slot);
  int connect_attempts_left = std::clamp(1 + std::max(0, client_config.retries), 1, kMaxConnectAttempts);
  bool stale_retry_left = true;
  bool fresh_only = false;  // after a stale pooled connection: the others in the pool are likely stale too
  std::uint64_t attempt = 0;

  // Failures leave the loop with a status and message, answered once below: every `co_await fail(...)` site
  // would add its own temporaries to the coroutine frame.
  int fail_status = 502;
  std::string_view fail_message = kMsgBackendError;
  for (;;) {
    const auto now = coarse_now();  // pool idle times and down marks are seconds long
    auto picked = select_target(targets, counter + attempt, [&](std::size_t i) {
      return !worker_.has_down_targets() || !worker_.target_down(upstream_pool_key(targets[i]), now);
    });
    if (!picked) picked = select_target(targets, counter + attempt);  // all marked down: try anyway
    if (!picked) {
      fail_message = kMsgNoTarget;
      break;
    }
    const model::Target& target = targets[*picked];
    if (target.tls) {
      fail_message = kMsgTlsBackendUnsupported;
      break;
    }

    upstream_key_ = upstream_pool_key(target);
    const std::string& key = upstream_key_;
    UpstreamConnectionPtr conn = fresh_only ? nullptr : worker_.upstream_pool().take(key, now);
    if (conn && !parser_.is_done() && !socket_looks_alive(conn->socket)) conn.reset();
    if (!conn) {
      ConnectResult connected = co_await connect_upstream(worker_, target, key, connect_timeout);
      if (connected.ec) {
        note_connect_failure(worker_, route, key, connected, connect_timeout);
        if (--connect_attempts_left > 0) {
          ++attempt;
          continue;
        }
        if (connected.timed_out) {
          fail_status = 504;
          fail_message = kMsgBackendTimeout;
        } else if (connected.ec == asio::error::connection_refused) {
          fail_message = kMsgConnectionRefused;
        }
        break;
      }
      conn = std::move(connected.conn);
    }

    render_request_head(target);
    SendResult sent = SendResult::Ok;
    if (parser_.is_done() && !body_buffered_whole_) {
      // No body (the common case): the head is written from here, without send_request's coroutine frame.
      MessageSender& up = head_sender_.emplace(conn->socket, conn->deadline, client_.wire_head, upstream_chunked_);
      if (up.send(nullptr, 0, true, io_ec_)) std::tie(io_ec_, std::ignore) = co_await up.write(io_timeout);
      if (io_ec_) sent = SendResult::UpstreamFailed;
    } else {
      sent = co_await send_request(*conn, io_timeout);
    }
    if (sent == SendResult::ClientFailed) co_return false;
    if (sent == SendResult::UpstreamFailed) {
      if (conn->reused && replayable() && stale_retry_left) {
        stale_retry_left = false;
        fresh_only = true;
        continue;
      }
      spdlog::warn("route {}: sending the request to {} failed", route.id, key);
      break;
    }

    std::optional<ResponseParser>& rp = response_parser_;
    beast::error_code ec;
    for (;;) {  // interim 1xx answers (100 Continue...) are consumed here, never relayed
      rp.emplace(client_.arena);
      rp->header_limit(kMaxResponseHeaderBytes);
      rp->body_limit(boost::none);
      if (head_request_) rp->skip(true);
      conn->deadline.expires_after(call_timeout);
      if (!parsed_from_buffer(*rp, conn->buffer, ParseUntil::HeaderDone, ec)) {
        std::tie(ec, std::ignore) = co_await http::async_read_header(conn->socket, conn->buffer, *rp, kAwait);
      }
      if (ec || rp->status() >= 200 || rp->status() == 101) break;
    }
    if (ec) {
      if (conn->deadline.expired()) {
        spdlog::debug("route {}: {} sent no response head within {} ms", route.id, key, call_timeout.count());
        fail_status = 504;
        fail_message = kMsgBackendTimeout;
        break;
      }
      if (conn->reused && replayable() && stale_retry_left && is_stale_connection_error(ec)) {
        stale_retry_left = false;
        fresh_only = true;
        continue;
      }
      log_failed_response_read(route, key, ec);
      break;
    }
    // Upgrade is hop-by-hop and never forwarded, so a 101 is a backend bug; do not relay a protocol switch.
    if (rp->status() == 101) break;
    co_return co_await relay_response(std::move(conn), *rp, client_config);
  }
  co_return co_await fail(fail_status, fail_message);
}

// Not a coroutine: the call's state lives in the connection's slot (emptied by the caller once the returned
// awaitable is done), so only run() has a frame.
asio::awaitable<bool> serve_proxy(Worker& worker, ClientConnection& client, RequestParser& parser) {
  static_assert(sizeof(ProxyCall) <= ProxyCallSlot::kBytes);
  static_assert(alignof(ProxyCall) <= alignof(std::max_align_t));
  client.proxy_call.reset();
  auto* call = new (client.proxy_call.storage()) ProxyCall(worker, client, parser);
  client.proxy_call.set_destroy([](void* p) { static_cast<ProxyCall*>(p)->~ProxyCall(); });
  return call->run();
}

}  // namespace wasmgate::proxy::detail
