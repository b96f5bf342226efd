#include "proxy/gateway.h"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <thread>
#include <vector>

#include "proxy/limits.h"
#include "proxy/listen_address.h"
#include "proxy/worker.h"

namespace wasmgate::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

Error listen_error(std::string_view what, const std::string& text, const boost::system::error_code& ec) {
  return make_error(Errc::Internal,
                    "cannot listen on " + std::string(what) + " " + text + ": " + ec.message() +
                        (ec == asio::error::address_in_use ? " (another process holds that port)" : ""));
}

Result<tcp::endpoint> resolve_listen(const std::string& text, std::string_view what) {
  auto parsed = parse_listen_address(text);
  if (!parsed) return parsed.take_error();
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(parsed->host, ec);
  if (!ec) return tcp::endpoint(address, parsed->port);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(parsed->host, std::to_string(parsed->port), ec);
  if (ec || results.empty()) return listen_error(what, text, ec ? ec : asio::error::host_not_found);
  return results.begin()->endpoint();
}

Result<tcp::acceptor> open_acceptor(asio::io_context& ioc, const tcp::endpoint& endpoint, std::string_view what,
                                    const std::string& text) {
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  // One acceptor per I/O thread on the same port: the kernel spreads new connections over them.
  if (!ec) acceptor.set_option(ReusePort(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return listen_error(what, text, ec);
  return acceptor;
}

// SO_REUSEPORT would let us share a port silently with another process of the same user (say a forgotten
// wasmgate). A plain bind first tells "port in use" apart from "our own sibling acceptors".
Result<void> check_port_free(const tcp::endpoint& endpoint, std::string_view what, const std::string& text) {
  if (endpoint.port() == 0) return {};
  asio::io_context ioc;
  tcp::acceptor probe(ioc);
  boost::system::error_code ec;
  probe.open(endpoint.protocol(), ec);
  if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) probe.bind(endpoint, ec);
  if (ec) return listen_error(what, text, ec);
  return {};
}

// Binds `count` acceptors for one listener on the workers' io_contexts; the first fixes the port when 0 is asked.
Result<std::uint16_t> bind_listener(const std::string& text, std::string_view what, std::vector<Worker*> workers,
                                    ListenerKind kind) {
  auto endpoint = resolve_listen(text, what);
  if (!endpoint) return endpoint.take_error();
  if (auto free = check_port_free(*endpoint, what, text); !free) return free.take_error();
  for (Worker* worker : workers) {
    auto acceptor = open_acceptor(worker->io(), *endpoint, what, text);
    if (!acceptor) return acceptor.take_error();
    boost::system::error_code ec;
    const auto local = acceptor->local_endpoint(ec);
    if (ec) return listen_error(what, text, ec);
    endpoint->port(local.port());  // siblings bind the port the first one got
    worker->add_acceptor(std::move(acceptor).value(), kind);
  }
  return endpoint->port();
}

}  // namespace

struct Gateway::Impl {
  GatewayShared shared;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<Worker> admin;
  // I/O objects on the admin io_context: declared after `admin` so they go first.
  std::unique_ptr<asio::steady_timer> refresh_timer;
  std::unique_ptr<asio::signal_set> signals;
  std::uint16_t proxy_port = 0;
  std::uint16_t admin_port = 0;
  bool started = false;

  void schedule_refresh() {
    if (shared.stopping) return;
    refresh_timer->expires_after(kStateRefreshInterval);
    refresh_timer->async_wait([this](boost::system::error_code ec) {
      if (ec || shared.stopping) return;
      if (auto r = shared.state->reload_if_changed(); !r) {
        spdlog::error("reloading entities from the store: {}", r.error().message);
      }
      schedule_refresh();
    });
  }
};

Gateway::Gateway(GatewayOptions options, std::shared_ptr<StateHolder> state, AdminHandler admin)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared.options = std::move(options);
  impl_->shared.state = std::move(state);
  impl_->shared.admin = std::move(admin);
}

Gateway::~Gateway() {
  if (impl_) {
    impl_->signals.reset();
    impl_->refresh_timer.reset();
  }
}

void Gateway::set_plugin_runtime(std::shared_ptr<plugins::PluginRuntime> runtime) {
  impl_->shared.plugins = std::move(runtime);
}

Result<void> Gateway::start() {
  Impl& impl = *impl_;
  if (impl.started) return make_error(Errc::Internal, "the gateway is already started");
  const int threads = impl.shared.options.threads > 0 ? impl.shared.options.threads
                                                        : static_cast<int>(std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Worker*> raw;
  for (int i = 0; i < std::max(1, threads); ++i) {
    workers.push_back(std::make_unique<Worker>(static_cast<std::size_t>(i), impl.shared));
    raw.push_back(workers.back().get());
  }
  // The admin listener gets one thread of its own: admin calls block on the store (SQLite writes, snapshot
  // rebuilds) and are rare, so they must never stall proxy I/O; proxy-side `otoroshi-api.*` calls hop there too.
  auto admin = std::make_unique<Worker>(workers.size(), impl.shared);

  auto proxy_port = bind_listener(impl.shared.options.listen, "the proxy listener", raw, ListenerKind::Proxy);
  if (!proxy_port) return proxy_port.take_error();
  auto admin_port =
      bind_listener(impl.shared.options.admin_listen, "the admin listener", {admin.get()}, ListenerKind::Admin);
  if (!admin_port) return admin_port.take_error();

  impl.workers = std::move(workers);
  impl.admin = std::move(admin);
  impl.shared.admin_executor = impl.admin->io().get_executor();
  impl.refresh_timer = std::make_unique<asio::steady_timer>(impl.admin->io());
  impl.signals = std::make_unique<asio::signal_set>(impl.admin->io(), SIGINT, SIGTERM);
  impl.admin->on_stop([&impl] {
    boost::system::error_code ignored;
    impl.refresh_timer->cancel();
    impl.signals->cancel(ignored);
  });
  impl.proxy_port = *proxy_port;
  impl.admin_port = *admin_port;
  impl.started = true;
  return {};
}

void Gateway::run() {
  Impl& impl = *impl_;
  if (!impl.started) {
    spdlog::error("Gateway::run() called without a successful start()");
    return;
  }
  impl.signals->async_wait([this](boost::system::error_code ec, int signal_number) {
    if (ec) return;
    spdlog::info("signal {} received: stopping (in-flight requests get up to {} s)", signal_number,
                 kShutdownGrace.count());
    stop();
  });
  impl.schedule_refresh();

  std::vector<std::thread> threads;
  threads.reserve(impl.workers.size());
  for (auto& worker : impl.workers) {
    worker->start();
    threads.emplace_back([w = worker.get()] { w->run(); });
  }
  impl.admin->start();
  impl.admin->run();
  for (auto& t : threads) t.join();
}

void Gateway::stop() {
  Impl& impl = *impl_;
  if (!impl.started || impl.shared.stopping.exchange(true)) return;
  for (auto& worker : impl.workers) worker->request_stop();
  impl.admin->request_stop();
}

std::uint16_t Gateway::proxy_port() const { return impl_->proxy_port; }
std::uint16_t Gateway::admin_port() const { return impl_->admin_port; }

}  // namespace wasmgate::proxy
