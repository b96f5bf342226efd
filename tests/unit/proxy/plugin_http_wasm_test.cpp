// How the buffered exchange's request goes into an http-wasm Exchange and comes back (plugin_http_wasm.cpp).
#include "proxy/detail/plugin_http_wasm.h"

#include <gtest/gtest.h>

namespace wasmgate::proxy::detail {
namespace {

plugins::OutgoingRequest outgoing() {
  plugins::OutgoingRequest r;
  r.url = "http://10.0.0.1:8080/api/x?y=1";
  r.method = "GET";
  r.version = "HTTP/1.1";
  r.headers = {{"Accept", "*/*"}};
  return r;
}

TEST(HttpWasmRequestMapping, LoadsTheRequestAsTheBackendWouldGetIt) {
  abi::http_wasm::Exchange exchange;
  const std::optional<std::string> body("payload");
  load_http_wasm_request(exchange, outgoing(), body, "/api/x?y=1", "api.oto.tools");
  EXPECT_EQ(exchange.method, "GET");
  EXPECT_EQ(exchange.uri, "/api/x?y=1");
  EXPECT_EQ(exchange.protocol, "HTTP/1.1");
  EXPECT_EQ(exchange.request_headers, (HeaderList{{"Host", "api.oto.tools"}, {"Accept", "*/*"}}));
  EXPECT_EQ(exchange.request_body, "payload");
  abi::http_wasm::Exchange empty_uri;
  load_http_wasm_request(empty_uri, outgoing(), std::nullopt, "", "");
  EXPECT_EQ(empty_uri.request_headers.size(), 1u);  // no Host when the client sent none
  EXPECT_EQ(empty_uri.uri, "/");
}

TEST(HttpWasmRequestMapping, StoresTheGuestsChangesOnTheRoutesTarget) {
  abi::http_wasm::Exchange exchange;
  plugins::OutgoingRequest request = outgoing();
  std::optional<std::string> body;
  load_http_wasm_request(exchange, request, body, "/api/x?y=1", "api.oto.tools");
  exchange.method = "POST";
  exchange.uri = "/other?z=2";
  exchange.request_headers.emplace_back("X-Added", "1");
  store_http_wasm_request(exchange, "http://10.0.0.1:8080", "api.oto.tools", request, body);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.headers.front(),
            (std::pair<std::string, std::string>{"Accept", "*/*"}));  // Host unchanged: dropped
  EXPECT_EQ(request.url, "http://10.0.0.1:8080/other?z=2");
  EXPECT_EQ(request.headers.back(), (std::pair<std::string, std::string>{"X-Added", "1"}));
  EXPECT_FALSE(body.has_value());  // no body came and no guest wrote one

  exchange.request_body = "";
  exchange.request_body_written = true;  // a guest wrote an empty body: the request now has one
  exchange.request_headers.front().second = "guest.example";  // a guest chose the backend's Host
  store_http_wasm_request(exchange, "http://10.0.0.1:8080", "api.oto.tools", request, body);
  EXPECT_EQ(request.headers.front(), (std::pair<std::string, std::string>{"Host", "guest.example"}));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, "");
}

}  // namespace
}  // namespace wasmgate::proxy::detail
