// The buffered exchange for routes with TransformRequest, CallBackend or TransformResponse wasm plugins (spec
// otoroshi-wasm.md §3.2): the request body is read whole (at most kMaxPluginBodyBytes, else 413), request
// transformers may rewrite or answer, a wasm backend may answer in place of the backend, the backend's answer is
// read whole, and response transformers may rewrite it before it is written.
#include <spdlog/spdlog.h>

#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "plugins/step_output.h"
#include "proxy/detail/ascii.h"
#include "proxy/detail/plugin_flow.h"
#include "proxy/detail/plugin_http_wasm.h"
#include "proxy/detail/proxy_call.h"
#include "proxy/detail/upstream_connect.h"
#include "proxy/error_response.h"
#include "proxy/limits.h"
#include "proxy/target_selector.h"
#include "proxy/worker.h"

namespace wasmgate::proxy::detail {

namespace {

using plugins::BoundPlugin;
using plugins::SlotPlan;

using Clock = std::chrono::steady_clock;

bool is_framing_or_hop(std::string_view name) {
  static constexpr std::string_view kNames[] = {"connection",        "keep-alive", "proxy-connection",
                                                "transfer-encoding", "te",         "trailer",
                                                "upgrade",           "content-length"};
  for (auto n : kNames) {
    if (ascii_iequals(name, n)) return true;
  }
  return false;
}

HeaderList without_framing(HeaderList headers) {
  std::erase_if(headers, [](const auto& h) { return is_framing_or_hop(h.first); });
  return headers;
}

std::string target_base_url(const model::Target& t) {
  return std::string(t.tls ? "https://" : "http://") + t.hostname + ":" + std::to_string(t.port);
}

// The origin-form part of a URL a transformer returned ("http://h:1/p?q" -> "/p?q"; "/p" stays). The request
// still goes to the route's target: a transformer rewrites the path and query, not the destination.
std::string origin_form(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return url.empty() ? "/" : std::string(url);
  const auto rest = url.substr(scheme + 3);
  const auto cut = rest.find_first_of("/?");
  if (cut == std::string_view::npos) return "/";
  if (rest[cut] == '?') return "/" + std::string(rest.substr(cut));
  return std::string(rest.substr(cut));
}

struct UpstreamAnswer {
  int status = 502;
  std::string_view error;  // non-empty: the gateway's error message for `status`
  plugins::IncomingResponse head;
  std::string body;
};

// One buffered request/response with `target`, on a pooled or new connection.
asio::awaitable<UpstreamAnswer> exchange(Worker& worker, const model::Target& target,
                                         const model::ClientConfig& client, const plugins::OutgoingRequest& request,
                                         const std::string& body) {
  using std::chrono::milliseconds;
  UpstreamAnswer answer;
  const auto ms = [](std::int64_t v, std::int64_t fallback) { return milliseconds(v > 0 ? v : fallback); };
  std::string key = upstream_pool_key(target);
  UpstreamConnectionPtr conn = worker.upstream_pool().take(key, Clock::now());
  std::string head;
  begin_request_head(head, request.method, origin_form(request.url));
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    if (is_framing_or_hop(name)) continue;
    has_host = has_host || ascii_iequals(name, "host");
    append_field(head, name, value);
  }
  if (!has_host) {
    head.append("Host: ");
    append_upstream_host_header(head, target);
    head.append("\r\n");
  }
  if (!body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    append_field(head, "Content-Length", std::to_string(body.size()));
  }
  end_head(head);

  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn) {
      ConnectResult connected = co_await connect_upstream(worker, target, key, ms(client.connection_timeout_ms, 10000));
      if (connected.ec) {
        worker.mark_target_down(key, Clock::now());
        answer.status = connected.timed_out ? 504 : 502;
        answer.error = connected.timed_out ? kMsgBackendTimeout
                       : connected.ec == asio::error::connection_refused ? kMsgConnectionRefused
                                                                          : kMsgBackendError;
        co_return answer;
      }
      conn = std::move(connected.conn);
    }
    const bool reused = conn->reused;
    std::array<asio::const_buffer, 2> wire{asio::buffer(head), asio::buffer(body)};
    conn->deadline.expires_after(ms(client.idle_timeout_ms, 60000));
    auto [wec, wn] = co_await asio::async_write(conn->socket, wire, kAwait);
    http::response_parser<http::string_body> parser;
    parser.header_limit(kMaxResponseHeaderBytes);
    parser.body_limit(kMaxPluginBodyBytes);
    if (request.method == "HEAD") parser.skip(true);
    beast::error_code ec = wec;
    if (!ec) {
      conn->deadline.expires_after(ms(client.call_timeout_ms, 30000));
      auto [rec, rn] = co_await http::async_read(conn->socket, conn->buffer, parser, kAwait);
      ec = rec;
    }
    if (ec) {
      if (reused && attempt == 0 && !conn->deadline.expired()) {  // a stale pooled connection: one fresh retry
        conn.reset();
        continue;
      }
      answer.status = conn->deadline.expired() ? 504 : 502;
      answer.error = conn->deadline.expired() ? kMsgBackendTimeout : kMsgBackendError;
      if (ec == http::error::body_limit) answer.error = "the backend's response is too large for the route's wasm plugins";
      spdlog::warn("backend {}: buffered exchange failed: {}", key, ec.message());
      co_return answer;
    }
    auto& res = parser.get();
    answer.status = static_cast<int>(res.result_int());
    answer.head.status = answer.status;
    for (const auto& f : res) answer.head.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    answer.body = std::move(res.body());
    answer.error = {};
    if (parser.keep_alive()) {
      worker.upstream_pool().give_back(std::move(conn), Clock::now(), ms(client.idle_timeout_ms, 0));
    }
    co_return answer;
  }
  co_return answer;
}

}  // namespace

asio::awaitable<ProxyCall::BodyRead> ProxyCall::read_whole_body(std::optional<std::string>& body) {
  if (parser_.is_done()) co_return BodyRead::Ok;  // no body: stays nullopt
  if (expect_continue_ && !continue_sent_) {
    client_.deadline.expires_after(kClientIoTimeout);
    auto [cec, cn] = co_await asio::async_write(client_.socket, asio::buffer(kContinueLine), kAwait);
    if (cec) co_return BodyRead::Failed;
    continue_sent_ = true;
  }
  std::string bytes;
  ChunkLease chunk(worker_);
  auto& req = parser_.get();
  while (!parser_.is_done()) {
    req.body().data = chunk.data();
    req.body().size = kRelayChunkBytes;
    client_.deadline.expires_after(kClientIoTimeout);
    beast::error_code rec;
    if (!parsed_from_buffer(parser_, client_.buffer, ParseUntil::Some, rec)) {
      std::tie(rec, std::ignore) =
          co_await http::async_read_some(client_.socket, client_.buffer, parser_, kAwait);
    }
    if (rec == http::error::need_buffer) rec = {};
    if (rec) co_return BodyRead::Failed;
    bytes.append(chunk.data(), kRelayChunkBytes - req.body().size);
    if (bytes.size() > kMaxPluginBodyBytes) co_return BodyRead::TooLarge;
  }
  body = std::move(bytes);
  co_return BodyRead::Ok;
}

asio::awaitable<bool> ProxyCall::serve_buffered(const plugins::RoutePlan& plan, const RouteMatch& match) {
  PluginRequest& state = *plugin_;
  const model::Route& route = *match.route;
  const plugins::RequestFacts& facts = state.facts;
  const std::string_view path = std::string_view(facts.uri).substr(0, facts.uri.find('?'));

  // ---- the request body, whole
  std::optional<std::string> body;
  switch (co_await read_whole_body(body)) {
    case BodyRead::Ok: break;
    case BodyRead::Failed: co_return false;
    case BodyRead::TooLarge: co_return co_await answer_error(413, kMsgPluginBodyTooLarge);
  }

  // ---- the request as it would leave for the backend
  const auto& targets = route.backend.targets;
  const auto picked = select_target(targets, worker_.next_round_robin(match.slot));
  if (!picked) co_return co_await answer_error(502, kMsgNoTarget);
  const model::Target& target = targets[*picked];
  plugins::OutgoingRequest current;
  current.url = target_base_url(target) + upstream_target_;
  current.method = facts.method;
  current.version = facts.version;
  current.backend = target;
  for (const auto& [name, value] : facts.headers) {
    if (is_framing_or_hop(name) || request_hop_by_hop_.drop(name) || ascii_iequals(name, "host") ||
        ascii_iequals(name, "x-forwarded-for") || ascii_iequals(name, "x-forwarded-proto") ||
        ascii_iequals(name, "x-forwarded-host")) {
      continue;
    }
    current.headers.emplace_back(name, value);
  }
  current.headers.emplace_back("X-Forwarded-For", forwarded_for_);
  current.headers.emplace_back("X-Forwarded-Proto", "http");
  current.headers.emplace_back("X-Forwarded-Host", forwarded_host_);
  const plugins::OutgoingRequest raw = current;

  const plugins::StepText text = state.step_text(plan, route);
  auto unbound = [&](const SlotPlan& slot) {
    spdlog::warn("route {} plugins[{}] ({}): {}", route.id, slot.index, plugins::wasm_plugin_class(slot.kind),
                 slot.binding.error().message);
    return answer_error(500, slot.binding.error().message);
  };

  // ---- TransformRequest
  for (const SlotPlan& slot : plan.request_transformers) {
    if (!slot.applies_to(path)) continue;
    if (!slot.binding) co_return co_await unbound(slot);
    const BoundPlugin& plugin = *slot.binding;
    auto out = co_await call_plugin(
        plugin, plugin.function,
        plugins::request_transformer_context_text(raw, current, body, state.with_call(text, slot)));
    Result<boost::json::object> json = out ? plugins::parse_output(*out) : Result<boost::json::object>(out.error());
    if (!json) co_return co_await answer(HttpResponse::json(400, plugins::call_error_json(json.error().message)));
    plugins::apply_attrs_update(*json, state.attrs);
    plugins::RequestTransform t = plugins::request_transform(*json);
    if (t.respond) co_return co_await answer(std::move(*t.respond));
    if (t.method) current.method = std::move(*t.method);
    if (t.url) current.url = std::move(*t.url);
    if (t.headers) current.headers = std::move(*t.headers);
    if (t.set_cookies) {
      std::erase_if(current.headers, [](const auto& h) { return ascii_iequals(h.first, "cookie"); });
      for (auto& c : *t.set_cookies) current.headers.emplace_back("Cookie", std::move(c.second));
    }
    if (t.body) body = std::move(*t.body);
  }

  // ---- NgHttpWasm handle_request (plugin_http_wasm.cpp): guests may rewrite the request or answer themselves.
  HttpWasmChain http_wasm;
  auto answer_stop = [&](StepStop stop) {
    if (stop.response) stop.response->headers = without_framing(std::move(stop.response->headers));
    return stop.response ? answer(std::move(*stop.response)) : answer_error(stop.status, stop.message);
  };
  if (!plan.http_wasm.empty()) {
    load_http_wasm_request(http_wasm.exchange, current, body, origin_form(current.url), forwarded_host_);
    http_wasm.exchange.source_addr = source_address(client_.socket);
    if (auto stop = co_await run_http_wasm_requests(*state.runtime, plan.http_wasm, path, route, http_wasm)) {
      co_return co_await answer_stop(std::move(*stop));
    }
    store_http_wasm_request(http_wasm.exchange, target_base_url(target), forwarded_host_, current, body);
  }

  // ---- CallBackend: the first applying wasm backend answers, unless it delegates the call.
  std::optional<HttpResponse> response;
  for (const SlotPlan& slot : plan.backends) {
    if (!slot.applies_to(path)) continue;
    if (!slot.binding) co_return co_await unbound(slot);
    const BoundPlugin& plugin = *slot.binding;
    auto out = co_await call_plugin(
        plugin, plugin.function,
        plugins::backend_context_text(current, target, body, state.with_call(text, slot)));
    if (!out) {  // Otoroshi: 400, no headers, the error JSON as body
      HttpResponse failed;
      failed.status = 400;
      failed.body = plugins::call_error_json(out.error().message);
      response = std::move(failed);
      break;
    }
    auto json = plugins::parse_output(*out);
    const boost::json::object output = json ? std::move(*json) : boost::json::object{};  // not JSON reads as {}
    plugins::apply_attrs_update(output, state.attrs);
    plugins::BackendDecision decision = plugins::backend_decision(output);
    if (!decision.delegate) response = std::move(decision.response);
    break;
  }

  // ---- the backend itself (unless a wasm backend answered)
  if (!response) {
    if (target.tls) co_return co_await answer_error(502, kMsgTlsBackendUnsupported);
    UpstreamAnswer up = co_await exchange(worker_, target, route.backend.client, current, body.value_or(""));
    if (!up.error.empty() && !http_wasm.held.empty()) {  // held http-wasm guests see the error (is_error=1)
      HttpResponse failed = make_error_response(up.status, up.error, accept_, otoroshi_state_);
      if (auto stop = run_http_wasm_responses(http_wasm, failed, /*is_error=*/true)) {
        co_return co_await answer_stop(std::move(*stop));
      }
      failed.headers = without_framing(std::move(failed.headers));
      co_return co_await answer(std::move(failed));
    }
    if (!up.error.empty()) co_return co_await answer_error(up.status, up.error);
    HttpResponse backend_response;
    backend_response.status = up.status;
    backend_response.headers = std::move(up.head.headers);
    backend_response.body = std::move(up.body);
    response = std::move(backend_response);
  }
  response->headers = without_framing(std::move(response->headers));
  if (!http_wasm.held.empty()) {  // ---- NgHttpWasm handle_response, last slot first
    if (auto stop = run_http_wasm_responses(http_wasm, *response, /*is_error=*/false)) {
      co_return co_await answer_stop(std::move(*stop));
    }
    response->headers = without_framing(std::move(response->headers));
  }

  // ---- TransformResponse (also over a wasm backend's answer, as in Otoroshi)
  const plugins::IncomingResponse raw_response{response->status, response->headers};
  for (const SlotPlan& slot : plan.response_transformers) {
    if (!slot.applies_to(path)) continue;
    if (!slot.binding) co_return co_await unbound(slot);
    const BoundPlugin& plugin = *slot.binding;
    const plugins::IncomingResponse current_response{response->status, response->headers};
    const std::optional<std::string> seen_body(response->body);
    auto out = co_await call_plugin(plugin, plugin.function,
                                    plugins::response_transformer_context_text(raw_response, current_response,
                                                                               seen_body, state.with_call(text, slot)));
    Result<boost::json::object> json = out ? plugins::parse_output(*out) : Result<boost::json::object>(out.error());
    if (!json) co_return co_await answer(HttpResponse::json(400, plugins::call_error_json(json.error().message)));
    plugins::apply_attrs_update(*json, state.attrs);
    plugins::ResponseTransform t = plugins::response_transform(*json);
    if (t.respond) co_return co_await answer(std::move(*t.respond));
    response->status = t.status;
    if (t.headers) response->headers = without_framing(std::move(*t.headers));
    if (t.set_cookies) {
      std::erase_if(response->headers, [](const auto& h) { return ascii_iequals(h.first, "set-cookie"); });
      for (auto& c : *t.set_cookies) response->headers.emplace_back("Set-Cookie", std::move(c.second));
    }
    if (t.body) response->body = std::move(*t.body);
  }
  co_return co_await answer(std::move(*response));
}

}  // namespace wasmgate::proxy::detail
