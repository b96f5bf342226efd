#include "wasm/vm_http_client.h"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>
#include <string>

namespace wasmgate::wasm {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// SSL_CTX is safe to share between threads once configured; each request makes its own SSL object from it.
struct BlockingHttpClient::Tls {
  ssl::context context{ssl::context::tls_client};
};

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Response headers beyond this are refused (Beast's default is 8 KiB, too small for some APIs).
constexpr std::uint32_t kMaxResponseHeaderBytes = 64 * 1024;

std::string host_header(const abi::HttpUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  const bool default_port =
      (url.scheme == "http" && url.port == 80) || (url.scheme == "https" && url.port == 443);
  return default_port ? host : fmt::format("{}:{}", host, url.port);
}

http::request<http::string_body> build_request(const abi::HttpFetchRequest& request) {
  http::request<http::string_body> out;
  out.version(11);
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    out.method_string(request.method);
  } else {
    out.method(verb);
  }
  out.target(request.target.target);
  out.set(http::field::host, host_header(request.target));
  out.set(http::field::user_agent, "wasmgate");
  for (const auto& [name, value] : request.headers) out.set(name, value);
  out.keep_alive(false);
  if (!request.body.empty()) out.body() = request.body;
  out.prepare_payload();
  return out;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// One request/response, as a coroutine on a private io_context; the outcome lands in `result`.
struct Exchange {
  const abi::HttpFetchRequest& request;
  engine::Deadline deadline;
  std::uint64_t max_body_bytes;
  ssl::context* tls = nullptr;  // set for https
  std::optional<Result<abi::HttpFetchResponse>> result;

  void fail(const boost::system::error_code& ec, std::string_view step) {
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
      result.emplace(make_error(Errc::UpstreamTimeout,
                                fmt::format("timeout: http_request to {} ({})", request.url, step)));
    } else if (ec == http::error::body_limit) {
      result.emplace(make_error(
          Errc::PayloadTooLarge,
          fmt::format("HTTP response exceeds the configured maximum number of bytes: {}", max_body_bytes)));
    } else {
      result.emplace(
          make_error(Errc::UpstreamUnavailable,
                     fmt::format("http_request to {} failed while {}: {}", request.url, step, ec.message())));
    }
  }

  asio::awaitable<void> run() {
    auto executor = co_await asio::this_coro::executor;
    tcp::resolver resolver(executor);
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(request.target.host, std::to_string(request.target.port), kTuple);
    if (resolve_ec) co_return fail(resolve_ec, "resolving the host");

    if (tls == nullptr) {
      beast::tcp_stream stream(executor);
      stream.expires_at(deadline);
      auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, kTuple);
      if (connect_ec) co_return fail(connect_ec, "connecting");
      co_await exchange(stream);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }

    beast::ssl_stream<beast::tcp_stream> stream(executor, *tls);
    const std::string& host = request.target.host;
    if (!is_ip_literal(host)) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());  // SNI
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification(host));
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [connect_ec, endpoint] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, kTuple);
    if (connect_ec) co_return fail(connect_ec, "connecting");
    auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, kTuple);
    if (handshake_ec) co_return fail(handshake_ec, "in the TLS handshake");
    co_await exchange(stream);
    // No TLS close_notify wait: the response is complete, and many servers never answer it.
  }

  template <typename Stream>
  asio::awaitable<void> exchange(Stream& stream) {
    auto outgoing = build_request(request);
    auto [write_ec, written] = co_await http::async_write(stream, outgoing, kTuple);
    if (write_ec) co_return fail(write_ec, "sending the request");

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_body_bytes);
    parser.header_limit(kMaxResponseHeaderBytes);
    if (outgoing.method() == http::verb::head) parser.skip(true);
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (read_ec) co_return fail(read_ec, "reading the response");

    abi::HttpFetchResponse response;
    const auto& message = parser.get();
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(parser.release().body());
    result.emplace(std::move(response));
  }
};

}  // namespace

Result<std::shared_ptr<BlockingHttpClient>> BlockingHttpClient::create(const HttpClientOptions& options) {
  auto tls = std::make_unique<Tls>();
  boost::system::error_code ec;
  tls->context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                           ec);
  tls->context.set_default_verify_paths(ec);  // a missing system store only means fewer trusted CAs
  if (!options.extra_ca_pem.empty()) {
    tls->context.add_certificate_authority(asio::buffer(options.extra_ca_pem), ec);
    if (ec)
      return make_error(Errc::Internal, "http client: cannot use the extra CA certificates: " + ec.message());
  }
  return std::shared_ptr<BlockingHttpClient>(new BlockingHttpClient(std::move(tls)));
}

BlockingHttpClient::BlockingHttpClient(std::unique_ptr<Tls> tls) : tls_(std::move(tls)) {}
BlockingHttpClient::~BlockingHttpClient() = default;

Result<abi::HttpFetchResponse> BlockingHttpClient::fetch(const abi::HttpFetchRequest& request,
                                                         engine::Deadline deadline,
                                                         std::uint64_t max_body_bytes) {
  const auto now = engine::Clock::now();
  if (deadline <= now) {
    return make_error(Errc::UpstreamTimeout,
                      fmt::format("timeout: http_request to {} (no time left)", request.url));
  }
  Exchange exchange{request, deadline, max_body_bytes, nullptr, std::nullopt};
  if (request.target.scheme == "https") exchange.tls = &tls_->context;
  asio::io_context io;
  asio::co_spawn(io, exchange.run(), asio::detached);
  // The stream's expiry bounds connect/handshake/write/read; this bounds the resolver too (a lookup still
  // running in Asio's resolver thread is abandoned, though destroying `io` waits for getaddrinfo to return).
  io.run_until(deadline);
  if (!exchange.result) {
    return make_error(Errc::UpstreamTimeout,
                      fmt::format("timeout: http_request to {} (no response by the deadline)", request.url));
  }
  return std::move(*exchange.result);
}

std::shared_ptr<abi::HttpFetcher> default_http_client() {
  static const std::shared_ptr<abi::HttpFetcher> client = [] {
    auto created = BlockingHttpClient::create();
    return created ? std::shared_ptr<abi::HttpFetcher>(*created) : nullptr;
  }();
  return client;
}

}  // namespace wasmgate::wasm
