// The gateway's network side: the proxy listener and the admin listener, N I/O threads with one io_context
// each. Requests to the admin listener, or to the proxy listener with Host `otoroshi-api.*`, go to the admin
// handler; everything else is routed through the current Snapshot and proxied upstream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/http_message.h"
#include "proxy/state.h"

namespace wasmgate::plugins {
class PluginRuntime;
}

namespace wasmgate::proxy {

using AdminHandler = std::function<HttpResponse(const HttpRequest&)>;

struct GatewayOptions {
  std::string listen = "0.0.0.0:8080";        // proxy listener, host:port (port 0 = ephemeral)
  std::string admin_listen = "127.0.0.1:8081";  // admin listener
  int threads = 0;                              // 0 = number of cores
  std::size_t admin_max_body_bytes = 16u << 20;  // admin API bodies beyond this get 413
};

class Gateway {
 public:
  Gateway(GatewayOptions options, std::shared_ptr<StateHolder> state, AdminHandler admin);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // The runtime that runs wasm plugins for routes (set before start(); without it, a route with wasm plugins
  // answers 500).
  void set_plugin_runtime(std::shared_ptr<plugins::PluginRuntime> runtime);

  // Binds both listeners (errors name the address and the reason). After ok, the ports below are known.
  Result<void> start();
  // Runs the I/O threads until stop() or SIGINT/SIGTERM; returns after in-flight work is closed.
  void run();
  // Thread-safe; asks run() to return.
  void stop();

  std::uint16_t proxy_port() const;
  std::uint16_t admin_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasmgate::proxy
