// WebSocket tunnels (Otoroshi's HandlesTunnel for WebSocket routes): the upgrade request is replayed as a
// WebSocket handshake to a target of the route; once the backend accepted, the client's handshake is accepted
// and messages are relayed both ways, each through the route's WasmWebsocketTransformer slots when it has
// some (spec otoroshi-wasm.md §3.2). The gateway terminates WebSocket on both sides (frames are re-framed,
// pings are answered per side, close codes are carried across); permessage-deflate is not negotiated on
// either side.
//
// The only file that includes Beast's WebSocket headers.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/wasm_config.h"
#include "plugins/step_output.h"
#include "plugins/websocket_steps.h"
#include "proxy/detail/ascii.h"
#include "proxy/detail/beast_io.h"
#include "proxy/detail/plugin_flow.h"
#include "proxy/detail/proxy_call.h"
#include "proxy/detail/upstream_connect.h"
#include "proxy/error_response.h"
#include "proxy/header_rules.h"
#include "proxy/limits.h"
#include "proxy/target_selector.h"

namespace wasmgate::proxy::detail {

namespace {

namespace websocket = beast::websocket;
using WsStream = websocket::stream<tcp::socket&>;
using std::chrono::milliseconds;

// One message (all its frames) is read whole before it is relayed: a bound on what one tunnel pins per
// direction. Routes with message transformers use the plugins' body bound instead (each message becomes
// JSON).
constexpr std::size_t kMaxWebsocketMessageBytes = 16u << 20;
// A close handshake we start (to pass a close on, or after a failure) waits this long for the peer's answer.
constexpr std::chrono::seconds kWebsocketCloseTimeout{5};
// The longest Sec-WebSocket-Key Beast accepts (a valid key is 24 base64 characters).
constexpr std::size_t kMaxSecKeyChars = 24;
constexpr std::string_view kMsgStopping = "the gateway is shutting down: open the WebSocket again later";

// Client headers the backend handshake does not copy: the handshake's own (Beast writes Host, Upgrade,
// Connection, Sec-WebSocket-Key and -Version), extensions (compression is not negotiated), framing, and the
// X-Forwarded-* headers the proxy sets itself. Hop-by-hop ones are dropped by the caller.
bool is_handshake_owned_request_header(std::string_view name) {
  return ascii_iequals(name, "host") ||
         (ascii_istarts_with(name, "sec-websocket-") && !ascii_iequals(name, "sec-websocket-protocol")) ||
         ascii_iequals(name, "content-length") || ascii_iequals(name, "transfer-encoding") ||
         ascii_iequals(name, "expect") || ascii_iequals(name, "x-forwarded-for") ||
         ascii_iequals(name, "x-forwarded-proto") || ascii_iequals(name, "x-forwarded-host");
}

// Backend 101 headers the client's 101 does not copy (Beast writes the handshake's own).
bool is_handshake_owned_response_header(std::string_view name) {
  return is_hop_by_hop(name) ||
         (ascii_istarts_with(name, "sec-websocket-") && !ascii_iequals(name, "sec-websocket-protocol")) ||
         ascii_iequals(name, "content-length") || ascii_iequals(name, "transfer-encoding");
}

// A route's message transformer, resolved once per tunnel.
struct Transformer {
  const plugins::BoundPlugin* plugin;
  const boost::json::object* config;  // the slot's config as stored in the route
  std::size_t idx;                    // position among the route's websocket transformers
  std::string on_request;             // export for client -> backend messages
  std::string on_response;            // export for backend -> client messages
};

// The tunnels open on this I/O thread. A stopping worker asks each to close with 1001 "going away" instead of
// leaving them open until the shutdown grace ends. One worker runs per I/O thread, so a thread-local list and
// one stop hook per worker suffice (Worker keeps its hooks for its lifetime).
struct OpenTunnels {
  const Worker* hooked = nullptr;  // the worker whose stop hook calls `stops`
  std::list<std::function<void()>> stops;
};
thread_local OpenTunnels t_open_tunnels;

class TunnelStopRegistration {
 public:
  TunnelStopRegistration(Worker& worker, std::function<void()> stop) {
    OpenTunnels& open = t_open_tunnels;
    if (open.hooked != &worker) {
      open.hooked = &worker;
      worker.on_stop([] {
        const auto stops = t_open_tunnels.stops;  // a copy: a stop may end its tunnel, and its registration
        for (const auto& stop : stops) stop();
      });
    }
    it_ = open.stops.insert(open.stops.end(), std::move(stop));
  }
  ~TunnelStopRegistration() { t_open_tunnels.stops.erase(it_); }
  TunnelStopRegistration(const TunnelStopRegistration&) = delete;
  TunnelStopRegistration& operator=(const TunnelStopRegistration&) = delete;

 private:
  std::list<std::function<void()>>::iterator it_;
};

// Once both handshakes are done. Beast's own timer bounds what the Deadlines cannot: [limit] Beast 1.81's TCP
// teardown (after a close handshake) ignores a cancelled wait and waits for the peer's EOF again, so only a
// closed socket ends it; Beast's timer closes the socket. Close handshakes get kWebsocketCloseTimeout; a peer
// silent for half the idle timeout is pinged, and closed when it does not answer either (a dead peer, not an
// idle tunnel: tunnel idleness is the Deadlines' job).
void configure(WsStream& ws, std::size_t max_message_bytes, std::chrono::milliseconds idle_timeout) {
  ws.read_message_max(max_message_bytes);
  ws.auto_fragment(false);  // a message leaves as one frame (no 4 KiB re-fragmentation)
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = kWebsocketCloseTimeout;
  timeouts.idle_timeout = idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
}

}  // namespace

bool ProxyCall::is_websocket_upgrade() const {
  // upgrade(): the parser saw Connection: upgrade and an Upgrade header (no lookup for ordinary requests).
  return parser_.upgrade() && parser_.is_done() && websocket::is_upgrade(parser_.get());
}

asio::awaitable<bool> ProxyCall::serve_websocket(const plugins::RoutePlan* plan, const RouteMatch& match) {
  using namespace asio::experimental::awaitable_operators;
  const auto& req = parser_.get();
  const model::Route& route = *match.route;
  const model::ClientConfig& client_config = route.backend.client;

  // The checks Beast's accept would make, before a backend connection is spent on a handshake we cannot
  // finish.
  if (req.version() != 11 || !host_) {
    co_return co_await fail(400, "WebSocket upgrade: HTTP/1.1 with a Host header is required");
  }
  const auto key = req.find(http::field::sec_websocket_key);
  if (key == req.end() || key->value().empty() || key->value().size() > kMaxSecKeyChars) {
    co_return co_await fail(400, "WebSocket upgrade: missing or invalid Sec-WebSocket-Key");
  }
  const auto version = req.find(http::field::sec_websocket_version);
  if (version == req.end() || version->value() != "13") {
    co_return co_await fail(400, "WebSocket upgrade: Sec-WebSocket-Version must be 13");
  }

  if (worker_.stopping()) co_return co_await fail(503, kMsgStopping);

  // ---- the route's message transformers that apply to this path
  std::vector<Transformer> transformers;
  if (plan != nullptr && !plan->websocket.empty()) {
    const std::string_view uri = plugin_->facts.uri;
    const std::string_view path = uri.substr(0, uri.find('?'));
    for (std::size_t i = 0; i < plan->websocket.size(); ++i) {
      const plugins::SlotPlan& slot = plan->websocket[i];
      if (!slot.applies_to(path)) continue;
      if (!slot.binding) {
        spdlog::warn("route {} plugins[{}] (WasmWebsocketTransformer): {}", route.id, slot.index,
                     slot.binding.error().message);
        co_return co_await answer_error(500, slot.binding.error().message);
      }
      // The slot's own functionName (not the entity's: §3.2); it parsed already when the slot was bound.
      auto slot_config = model::parse_wasm_config(slot.slot->config);
      const model::WasmConfig config = slot_config ? std::move(*slot_config) : model::WasmConfig{};
      transformers.push_back(
          Transformer{&*slot.binding, &slot.slot->config, i,
                      plugins::websocket_function(config, plugins::WebsocketDirection::ClientToBackend),
                      plugins::websocket_function(config, plugins::WebsocketDirection::BackendToClient)});
    }
  }

  // ---- a connection to a target (as the HTTP path: down targets skipped, a few attempts)
  const auto& targets = route.backend.targets;
  const milliseconds connect_timeout = positive_ms(client_config.connection_timeout_ms, milliseconds(10000));
  const milliseconds call_timeout = positive_ms(client_config.call_timeout_ms, milliseconds(30000));
  const milliseconds idle_timeout = positive_ms(client_config.idle_timeout_ms, milliseconds(60000));
  const std::uint64_t counter = worker_.next_round_robin(match.slot);
  int attempts_left = std::clamp(1 + std::max(0, client_config.retries), 1, kMaxConnectAttempts);
  const model::Target* target = nullptr;
  UpstreamConnectionPtr conn;
  for (std::uint64_t attempt = 0; !conn; ++attempt) {
    const auto now = std::chrono::steady_clock::now();
    auto picked = select_target(targets, counter + attempt, [&](std::size_t i) {
      return !worker_.has_down_targets() || !worker_.target_down(upstream_pool_key(targets[i]), now);
    });
    if (!picked) picked = select_target(targets, counter + attempt);
    if (!picked) co_return co_await fail(502, kMsgNoTarget);
    target = &targets[*picked];
    if (target->tls) co_return co_await fail(502, kMsgTlsBackendUnsupported);
    std::string key_text = upstream_pool_key(*target);
    ConnectResult connected = co_await connect_upstream(worker_, *target, key_text, connect_timeout);
    if (!connected.ec) {
      conn = std::move(connected.conn);
      break;
    }
    worker_.mark_target_down(key_text, std::chrono::steady_clock::now());
    spdlog::warn("route {}: WebSocket connect to {} failed: {}", route.id, key_text,
                 connected.timed_out ? "timed out" : connected.ec.message());
    if (--attempts_left > 0) continue;
    if (connected.timed_out) co_return co_await fail(504, kMsgBackendTimeout);
    co_return co_await fail(
        502, connected.ec == asio::error::connection_refused ? kMsgConnectionRefused : kMsgBackendError);
  }

  // ---- the backend's handshake: the client's path and end-to-end headers, plus X-Forwarded-*
  std::vector<std::pair<std::string_view, std::string_view>> forwarded;
  for (const auto& f : req) {
    const std::string_view name = f.name_string();
    if (request_hop_by_hop_.drop(name) || is_handshake_owned_request_header(name)) continue;
    forwarded.emplace_back(name, f.value());
  }
  forwarded.emplace_back("X-Forwarded-For", forwarded_for_);
  forwarded.emplace_back("X-Forwarded-Proto", "http");
  forwarded.emplace_back("X-Forwarded-Host", forwarded_host_);

  WsStream up(conn->socket);
  up.set_option(websocket::stream_base::decorator([&forwarded](websocket::request_type& r) {
    for (const auto& [name, value] : forwarded) r.insert(name, value);
  }));
  websocket::response_type up_response;
  conn->deadline.expires_after(call_timeout);
  auto [hec] =
      co_await up.async_handshake(up_response, upstream_host_header(*target), upstream_target_, kAwait);
  if (hec) {
    const bool timed_out = conn->deadline.expired();
    spdlog::warn("route {}: WebSocket handshake with {} failed: {}{}", route.id, conn->key,
                 timed_out ? "no answer in time" : hec.message(),
                 hec == websocket::error::upgrade_declined
                     ? " (status " + std::to_string(up_response.result_int()) + ")"
                     : std::string());
    co_return co_await fail(timed_out ? 504 : 502, timed_out ? kMsgBackendTimeout : kMsgBackendError);
  }

  // ---- the client's handshake, answered with the backend's end-to-end headers (Sec-WebSocket-Protocol...)
  WsStream down(client_.socket);
  HeaderList answer_headers;
  for (const auto& f : up_response) {
    if (!is_handshake_owned_response_header(f.name_string())) {
      answer_headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
  }
  if (plugin_) {
    for (auto& h : plugins::response_add_headers(plugin_->attrs)) answer_headers.push_back(std::move(h));
  }
  down.set_option(websocket::stream_base::decorator([&answer_headers](websocket::response_type& r) {
    for (const auto& [name, value] : answer_headers) r.insert(name, value);
  }));
  if (client_.buffer.size() != 0) {
    // A client must wait for our 101 before sending frames (RFC 6455 §4.1); bytes sent early are not relayed.
    spdlog::debug("route {}: {} bytes arrived before the WebSocket handshake completed; dropped", route.id,
                  client_.buffer.size());
  }
  client_.deadline.expires_after(kClientIoTimeout);
  auto [aec] = co_await down.async_accept(req, kAwait);
  if (aec) {
    spdlog::debug("route {}: accepting the client's WebSocket handshake failed: {}", route.id, aec.message());
    configure(up, kMaxWebsocketMessageBytes, idle_timeout);  // bounds the close (see configure)
    co_await up.async_close(websocket::close_code::going_away, kAwait);
    co_return false;
  }

  // ---- relay, both directions at once, until both ended
  const std::size_t max_message = transformers.empty() ? kMaxWebsocketMessageBytes : kMaxPluginBodyBytes;
  // Idle: no message and no ping from a peer in either direction for the route's idle timeout closes both
  // sides (the deadlines cancel the sockets; each side's silence alone is not idleness).
  auto touch = [&] {
    client_.deadline.expires_after(idle_timeout);
    conn->deadline.expires_after(idle_timeout);
  };
  configure(up, max_message, idle_timeout);
  configure(down, max_message, idle_timeout);
  touch();
  // A peer's ping counts as activity (its keep-alive); pongs (answers to our keep-alive pings) and close
  // frames (the close handshake has its own, shorter bound) do not.
  auto on_control = [&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) touch();
  };
  up.control_callback(on_control);
  down.control_callback(on_control);

  std::optional<plugins::WebsocketContext> context;
  if (!transformers.empty()) {
    plugins::OutgoingRequest handshake;
    handshake.url = "http://" + target->hostname + ":" + std::to_string(target->port) + upstream_target_;
    handshake.method = "GET";
    handshake.backend = *target;
    for (const auto& [name, value] : forwarded)
      handshake.headers.emplace_back(std::string(name), std::string(value));
    context.emplace(plugin_->facts, handshake, *target, &route);
  }

  // The message passes every transformer in order, each output replacing it; a rejection or a failed call
  // drops it (Otoroshi's reject strategy Drop). False: dropped.
  auto transform = [&](plugins::WebsocketMessage& message,
                       plugins::WebsocketDirection direction) -> asio::awaitable<bool> {
    const bool to_backend = direction == plugins::WebsocketDirection::ClientToBackend;
    for (const Transformer& t : transformers) {
      const std::string& function = to_backend ? t.on_request : t.on_response;
      auto out = co_await call_plugin(*t.plugin, function,
                                      context->render(t.idx, *t.config, plugin_->attrs, message));
      Result<boost::json::object> json =
          out ? plugins::parse_output(*out) : Result<boost::json::object>(out.error());
      if (!json) {
        spdlog::warn("route {}: plugin {} {} failed, message dropped: {}", route.id, t.plugin->plugin_id,
                     function, json.error().message);
        co_return false;
      }
      plugins::apply_attrs_update(*json, plugin_->attrs);
      plugins::WebsocketDecision decision = plugins::websocket_decision(*json);
      if (decision.rejected) {
        spdlog::info("route {}: plugin {} {} rejected a message ({}, {})", route.id, t.plugin->plugin_id,
                     function, decision.status_code, decision.reason);
        co_return false;
      }
      message = std::move(decision.message);
    }
    co_return true;
  };

  // One direction. It ends when `from` closes (the close is passed on to `to` with its code and reason),
  // fails or times out (`to` is closed with "going away"), or when writing to `to` fails (then `to`'s socket
  // is cancelled so that the other direction, reading it, ends too and closes `from`).
  //
  // Beast allows one close operation per stream at a time: both a direction and the stop closer below may
  // want to close a stream, so each stream is closed once, by whoever comes first.
  bool up_close_started = false;
  bool down_close_started = false;
  auto close_once = [](WsStream& ws, bool& started, websocket::close_reason reason) -> asio::awaitable<void> {
    if (std::exchange(started, true)) co_return;
    co_await ws.async_close(reason, kAwait);
  };
  auto pump = [&](WsStream& from, WsStream& to, Deadline& to_deadline, bool& to_close_started,
                  plugins::WebsocketDirection direction) -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    for (;;) {
      auto [rec, rn] = co_await from.async_read(buffer, kAwait);
      if (rec) {
        const websocket::close_reason reason =
            rec == websocket::error::closed ? from.reason()
                                            : websocket::close_reason(websocket::close_code::going_away);
        to_deadline.expires_after(kWebsocketCloseTimeout);
        co_await close_once(to, to_close_started, reason);
        co_return;
      }
      touch();
      beast::error_code wec;
      if (transformers.empty()) {
        to.text(from.got_text());
        auto [ec, n] = co_await to.async_write(buffer.data(), kAwait);
        wec = ec;
        buffer.consume(buffer.size());
      } else {
        plugins::WebsocketMessage message{!from.got_text(), beast::buffers_to_string(buffer.data())};
        buffer.consume(buffer.size());
        if (!co_await transform(message, direction)) continue;
        touch();
        to.text(!message.binary);
        auto [ec, n] = co_await to.async_write(asio::buffer(message.payload), kAwait);
        wec = ec;
      }
      if (wec) {
        beast::error_code ignored;
        beast::get_lowest_layer(to).cancel(ignored);
        co_return;
      }
    }
  };

  // Both directions, plus a closer that waits for the worker to stop: it then closes both sides with "going
  // away" (Beast allows a close beside a pending read and write; close_once keeps it from racing a
  // direction's own close). It is woken, and ends, when both directions ended.
  asio::steady_timer stop_signal(client_.socket.get_executor(), asio::steady_timer::time_point::max());
  bool stop_requested = false;
  bool relay_done = false;
  TunnelStopRegistration stop_registration(worker_, [&] {
    stop_requested = true;
    client_.deadline.expires_after(kWebsocketCloseTimeout);
    conn->deadline.expires_after(kWebsocketCloseTimeout);
    stop_signal.cancel();
  });
  auto relay = [&]() -> asio::awaitable<void> {
    co_await (
        pump(down, up, conn->deadline, up_close_started, plugins::WebsocketDirection::ClientToBackend) &&
        pump(up, down, client_.deadline, down_close_started, plugins::WebsocketDirection::BackendToClient));
    relay_done = true;
    stop_signal.cancel();
  };
  auto close_on_stop = [&]() -> asio::awaitable<void> {
    // Woken by cancel() either way (the flags tell why), also when that came before the wait began.
    if (!stop_requested && !relay_done) co_await stop_signal.async_wait(kAwait);
    if (!stop_requested) co_return;
    const websocket::close_reason going_away(websocket::close_code::going_away);
    co_await (close_once(down, down_close_started, going_away) &&
              close_once(up, up_close_started, going_away));
  };
  co_await (relay() && close_on_stop());
  spdlog::debug("route {}: WebSocket tunnel to {} closed", route.id, conn->key);
  co_return false;
}

}  // namespace wasmgate::proxy::detail
