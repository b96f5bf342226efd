// http_request / http_status_code / http_headers through a guest, against a loopback server the test starts.
#include <gtest/gtest.h>

#include <chrono>

#include "loopback_http_server.h"
#include "loopback_tls_server.h"
#include "vm_test_support.h"
#include "wasm/vm_http_client.h"

namespace wasmgate::wasm {
namespace {

using namespace std::chrono_literals;
using testing::call_ok;
using testing::make_vm;
using testing::spec_for;

class VmHttp : public ::testing::Test {
 protected:
  VmPtr vm_with_hosts(std::vector<std::string> hosts) {
    auto spec = spec_for("http");
    spec.allowed_hosts = std::move(hosts);
    return make_vm(std::move(spec));
  }
  std::string request(const std::string& path, const std::string& extra = "") const {
    return "{\"url\":\"" + server_.url(path) + "\"" + extra + "}";
  }

  testing::LoopbackHttpServer server_;
};

TEST_F(VmHttp, AllowedHostGetsStatusAndBody) {
  auto vm = vm_with_hosts({"127.0.0.1"});
  EXPECT_EQ(call_ok(*vm, "fetch", request("/hello")), "200\nhello world");
  EXPECT_EQ(call_ok(*vm, "status"), "200");
}

TEST_F(VmHttp, ErrorStatusIsAResponseNotAFailure) {
  auto vm = vm_with_hosts({"127.0.0.1"});
  EXPECT_EQ(call_ok(*vm, "fetch", request("/status/404")), "404\nnope");
}

TEST_F(VmHttp, MethodHeadersAndBodyAreSent) {
  auto vm = vm_with_hosts({"127.*"});
  EXPECT_EQ(call_ok(*vm, "fetch_with_body",
                    request("/echo?q=1", ",\"method\":\"post\",\"headers\":{\"X-Guest\":\"yes\"}")),
            "200\nPOST /echo?q=1 ping yes");
}

TEST_F(VmHttp, HeadersOfTheLastResponseAreJsonWithRepeatsJoined) {
  auto vm = vm_with_hosts({"127.0.0.1"});
  EXPECT_EQ(call_ok(*vm, "headers"), "<none>");
  call_ok(*vm, "fetch", request("/hello"));
  EXPECT_EQ(call_ok(*vm, "headers"),
            R"({"Content-Length":"11","Connection":"close","X-Test":"a, b","Content-Type":"text/plain"})");
}

TEST_F(VmHttp, ChunkedResponsesAreDecoded) {
  auto vm = vm_with_hosts({"127.0.0.1"});
  EXPECT_EQ(call_ok(*vm, "fetch", request("/chunked")), "200\nchunked body");
}

TEST_F(VmHttp, EmptyAllowListAllowsNothing) {
  auto vm = vm_with_hosts({});
  auto result = vm->call("fetch", request("/hello"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTrap);
  EXPECT_NE(result.error().message.find("HTTP request to " + server_.url("/hello") +
                                        " is not allowed (allowedHosts is empty)"),
            std::string::npos)
      << result.error().message;
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(VmHttp, HostOutsideTheGlobsIsRefused) {
  auto vm = vm_with_hosts({"*.example.com", "localhost"});
  auto result = vm->call("fetch", request("/hello"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("is not allowed (allowedHosts: *.example.com, localhost)"),
            std::string::npos)
      << result.error().message;
}

TEST_F(VmHttp, ResponseAboveTheLimitFailsTheCall) {
  auto spec = spec_for("http");
  spec.allowed_hosts = {"127.0.0.1"};
  spec.max_http_response_bytes = 1000;
  auto vm = make_vm(std::move(spec));
  EXPECT_EQ(call_ok(*vm, "fetch", request("/big/1000")).size(), 4u + 1000u);
  auto result = vm->call("fetch", request("/big/1001"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("HTTP response exceeds the configured maximum number of bytes: 1000"),
            std::string::npos)
      << result.error().message;
}

TEST_F(VmHttp, SilentServerIsBoundedByTheCallDeadline) {
  auto spec = spec_for("http");
  spec.allowed_hosts = {"127.0.0.1"};
  spec.call_timeout = 300ms;
  auto vm = make_vm(std::move(spec));
  const auto start = std::chrono::steady_clock::now();
  auto result = vm->call("fetch", request("/silent"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("timeout: http_request to"), std::string::npos)
      << result.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(vm->failed());
}

TEST_F(VmHttp, ConnectionRefusedIsAnError) {
  auto vm = vm_with_hosts({"127.0.0.1"});
  auto result = vm->call("fetch", "{\"url\":\"http://127.0.0.1:1/\"}");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("http_request to http://127.0.0.1:1/ failed while connecting"),
            std::string::npos)
      << result.error().message;
}

TEST(VmHttps, VerifiedServerIsReachedOverTls) {
  testing::LoopbackTlsServer server;
  HttpClientOptions options;
  options.extra_ca_pem = server.cert_pem();
  auto client = BlockingHttpClient::create(options);
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto spec = spec_for("http");
  spec.allowed_hosts = {"127.0.0.1"};
  spec.http = *client;
  auto vm = make_vm(std::move(spec));
  EXPECT_EQ(call_ok(*vm, "fetch", "{\"url\":\"" + server.url("/secret?x=1") + "\"}"),
            "200\nsecure GET /secret?x=1");
}

TEST(VmHttps, UntrustedCertificateFailsTheHandshake) {
  testing::LoopbackTlsServer server;
  auto spec = spec_for("http");
  spec.allowed_hosts = {"127.0.0.1"};  // default client: system trust store only
  auto vm = make_vm(std::move(spec));
  auto result = vm->call("fetch", "{\"url\":\"" + server.url("/") + "\"}");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("failed while in the TLS handshake"), std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("certificate verify failed"), std::string::npos)
      << result.error().message;
}

TEST_F(VmHttp, MalformedRequestJsonIsAnError) {
  auto vm = vm_with_hosts({"*"});
  auto result = vm->call("fetch", "{\"method\":\"GET\"}");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("the request has no \"url\" string"), std::string::npos)
      << result.error().message;
}

TEST_F(VmHttp, HeaderInjectionIsRefused) {
  auto vm = vm_with_hosts({"127.0.0.1"});
  auto result = vm->call("fetch", request("/echo", R"(,"headers":{"X-A":"1\r\nX-Injected: 2"})"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("header \"X-A\" has an invalid name or value"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(server_.requests(), 0);
}

}  // namespace
}  // namespace wasmgate::wasm
