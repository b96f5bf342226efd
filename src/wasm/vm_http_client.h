// The HTTP client behind http_request: small, blocking, HTTP/1.1 over plain TCP or TLS, one connection per
// request. Beast over Asio on a private io_context per request, so a call needs no shared thread and cannot
// stall another VM; every step (resolve, connect, handshake, write, read) is bounded by the deadline given
// (min of the call's remaining time and 30 s, decided by the caller).
//
// https: OpenSSL via Asio, peer verification always on (system trust store plus optional extra CAs), SNI, and
// host name or IP checked against the certificate. There is no switch to turn verification off.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "wasm/abi/extism/http_fetcher.h"

namespace wasmgate::wasm {

struct HttpClientOptions {
  // PEM certificates trusted in addition to the system store (a private CA, a test's self-signed cert).
  std::string extra_ca_pem;
};

class BlockingHttpClient final : public abi::HttpFetcher {
 public:
  // Internal error when the TLS context cannot be set up (unreadable extra CA).
  static Result<std::shared_ptr<BlockingHttpClient>> create(const HttpClientOptions& options = {});
  ~BlockingHttpClient() override;

  Result<abi::HttpFetchResponse> fetch(const abi::HttpFetchRequest& request, engine::Deadline deadline,
                                       std::uint64_t max_body_bytes) override;

  struct Tls;  // the shared SSL context (vm_http_client.cpp)

 private:
  explicit BlockingHttpClient(std::unique_ptr<Tls> tls);
  std::unique_ptr<Tls> tls_;
};

// One client for the process (system trust store; thread-safe): VmSpec::http's default.
std::shared_ptr<abi::HttpFetcher> default_http_client();

}  // namespace wasmgate::wasm
