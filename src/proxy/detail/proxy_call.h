// ProxyCall: the state and steps of one proxied request (proxy_call.cpp: routing and streaming; plugin_flow.cpp:
// the wasm plugin steps). Lives in the connection's ProxyCallSlot for the duration of the request.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/http_message.h"
#include "plugins/global_plan.h"
#include "plugins/plugin_binding.h"
#include "plugins/route_plan.h"
#include "proxy/detail/beast_io.h"
#include "proxy/detail/message_writer.h"
#include "proxy/header_rules.h"
#include "proxy/path_rewrite.h"
#include "proxy/route_index.h"
#include "proxy/snapshot.h"
#include "proxy/upstream_pool.h"

namespace wasmgate::proxy::detail {

struct PluginRequest;  // plugin_flow.h

using std::chrono::milliseconds;

enum class SendResult { Ok, UpstreamFailed, ClientFailed };

class ProxyCall {
 public:
  ProxyCall(Worker& worker, ClientConnection& client, RequestParser& parser)
      : worker_(worker), client_(client), parser_(parser) {}

  asio::awaitable<bool> run();

 private:
  // ---- wasm plugins (plugin_flow.cpp) ----
  // Runs the MatchRoute, PreRoute and ValidateAccess plugins of `plan`. Go on when it returns Go; Answered when
  // a plugin's answer (or an error answer) was written, with `keep` = the client connection can go on.
  enum class Gate { Go, Answered };
  // Creates plugin_ and records the request as plugins see it (once per request). False when this process has
  // no plugin runtime.
  bool begin_plugins();
  // Global steps before routing: a WasmRequestHandler for the host answers the request; WasmRouters may pick
  // a route (then `match` holds it).
  asio::awaitable<Gate> run_global_plugins(const plugins::GlobalPlan& global, std::string_view host,
                                           std::optional<RouteMatch>& match, bool& keep);
  // No route matched: the first WasmSink whose sink_matches says true answers; else 404.
  asio::awaitable<bool> serve_sink(const plugins::GlobalPlan& global);
  // Reads the whole request body into `body` (at most kMaxPluginBodyBytes). Ok, TooLarge (not answered yet) or
  // Failed (the client connection is gone).
  enum class BodyRead { Ok, TooLarge, Failed };
  asio::awaitable<BodyRead> read_whole_body(std::optional<std::string>& body);
  asio::awaitable<Gate> run_request_plugins(const plugins::RoutePlan& plan, const RouteMatch& match,
                                            std::string_view host, bool& keep);
  // The request path for routes with transformer or backend plugins: the request body and the response are
  // buffered (bounded) so plugins see and replace them.
  asio::awaitable<bool> serve_buffered(const plugins::RoutePlan& plan, const RouteMatch& match);
  asio::awaitable<Result<std::string>> call_plugin(const plugins::BoundPlugin& plugin, std::string_view function,
                                                   std::string input);
  // Evaluates an OPA policy (opa: true, spec §6) with `input` as its input; returns the result set's JSON. Runs
  // like call_plugin: inline when a VM is free, else on the blocking pool. The export name is ignored (OPA
  // evaluates entrypoint 0); the parameter gives call_plugin's signature, so callers pick one or the other.
  asio::awaitable<Result<std::string>> call_opa(const plugins::BoundPlugin& plugin, std::string_view function,
                                                std::string input);
  // The answer for a request that cannot go on (plugin decisions, plugin errors, 413).
  asio::awaitable<bool> answer(HttpResponse response);
  asio::awaitable<bool> answer_error(int status, std::string_view message);

  // ---- WebSocket tunnels (websocket_tunnel.cpp) ----
  // A WebSocket opening handshake: HTTP/1.1 GET with Connection: upgrade, Upgrade: websocket and no body.
  bool is_websocket_upgrade() const;
  // Tunnels an upgrade request on a matched route (after its request plugins ran): handshake with a target of
  // the route, then the client's, then messages relayed both ways (through the route's WasmWebsocketTransformer
  // slots, when `plan` has some) until either side closes. A failed backend handshake answers 502 (504 on
  // timeout). Returns whether the client connection can serve another request: false once upgraded.
  asio::awaitable<bool> serve_websocket(const plugins::RoutePlan* plan, const RouteMatch& match);

  void capture_request_facts();
  // The request's host (the absolute-form authority, else the Host header) and its origin-form path and
  // query.
  void locate_request();
  std::optional<RouteMatch> match_route() const;
  // The upstream target (`forwarded_path` of the route match plus the query) and the X-Forwarded-* values.
  void plan_request_head(std::string forwarded_path);
  void render_request_head(const model::Target& target);
  asio::awaitable<bool> fail(int status, std::string_view message);
  asio::awaitable<SendResult> send_request(UpstreamConnection& conn, milliseconds io_timeout);
  asio::awaitable<bool> relay_response(UpstreamConnectionPtr conn, ResponseParser& rp,
                                       const model::ClientConfig& client_config);

  Worker& worker_;
  ClientConnection& client_;
  RequestParser& parser_;

  // Read from the request head (which stays unchanged: the upstream head is rendered from it, see
  // render_request_head).
  std::optional<std::string_view> accept_;
  std::optional<std::string_view> otoroshi_state_;
  std::optional<std::string_view> host_;
  std::optional<std::string_view> forwarded_for_in_;
  unsigned version_ = 11;
  bool head_request_ = false;
  bool client_keep_ = false;
  bool expect_continue_ = false;
  bool continue_sent_ = false;
  // run() keeps what spans the request here rather than in locals: GCC gives every local of a coroutine its
  // own frame slot, and asio recycles frames of at most ~1 KiB (a larger one is a malloc and free per
  // request).
  SnapshotPtr snapshot_;
  std::string_view request_host_;
  SplitTarget request_split_;
  std::string upstream_key_;  // the pool key of the target being tried
  beast::error_code io_ec_;
  // The head sent upstream: the client's minus hop-by-hop and replaced headers, plus these.
  HopByHopFilter request_hop_by_hop_;
  std::string upstream_target_;
  std::string forwarded_for_;
  std::string forwarded_host_;
  bool upstream_chunked_ = false;
  // A body that fit whole in the first relay chunk stays there, so a stale pooled connection can be retried with
  // it; a longer body is streamed and, once its first bytes left the client, the request cannot be replayed.
  std::optional<ChunkLease> body_chunk_;
  std::size_t buffered_body_bytes_ = 0;
  bool body_buffered_whole_ = false;
  bool body_streamed_ = false;
  bool replayable() const { return !body_streamed_; }
  // The backend's answer. Kept here rather than in run()'s coroutine frame: asio recycles frames of at most
  // ~1 KiB per thread, and run() fits under that only without the parser (one malloc/free less per request).
  std::optional<ResponseParser> response_parser_;
  std::optional<MessageSender> head_sender_;  // a bodiless request's head (also kept out of run()'s frame)
  // State of the wasm plugins of the request; null unless its route has some (plugin_flow.h).
  std::unique_ptr<PluginRequest> plugin_;
};

}  // namespace wasmgate::proxy::detail
