// The http-wasm driver and the http_handler host module, end to end on real VMs with the WAT guests of
// tests/fixtures/wasm/http_wasm.
#include "wasm/http_wasm_handler.h"

#include <gtest/gtest.h>

#include <string>

#include "vm_test_support.h"

#ifndef WASMGATE_HTTP_WASM_FIXTURES_DIR
#error \
    "WASMGATE_HTTP_WASM_FIXTURES_DIR must point at the built http-wasm fixtures (tests/fixtures/CMakeLists.txt)"
#endif

namespace wasmgate::wasm {
namespace {

using abi::http_wasm::Exchange;
using abi::http_wasm::GuestRequest;
using testing::make_vm;

std::vector<std::uint8_t> http_wasm_fixture(const std::string& name) {
  const std::string path = std::string(WASMGATE_HTTP_WASM_FIXTURES_DIR) + "/" + name + ".wasm";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path << " (build target wasm_http_wasm_fixtures)";
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

VmSpec http_wasm_spec(std::vector<std::uint8_t> wasm, std::string id, std::string config = {}) {
  VmSpec spec;
  spec.wasm = std::move(wasm);
  spec.plugin_id = std::move(id);
  spec.wasi = true;
  spec.log_level = abi::PluginLogLevel::Off;
  spec.import_hooks.push_back(http_wasm_imports_hook(std::move(config)));
  return spec;
}

VmPtr http_wasm_vm(const std::string& name, std::string config = {}) {
  return make_vm(http_wasm_spec(http_wasm_fixture(name), "http-wasm_" + name, std::move(config)));
}

std::vector<std::string> values(const HeaderList& headers, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) out.push_back(v);
  }
  return out;
}

Exchange request_to(std::string uri, HeaderList headers = {}, std::string body = {}) {
  Exchange e;
  e.method = "POST";
  e.uri = std::move(uri);
  e.source_addr = "1.2.3.4:5678";
  e.request_headers = std::move(headers);
  e.request_body = std::move(body);
  return e;
}

TEST(HttpWasmHandler, RewritesRequestHeadersAndUriThenSeesTheResponseWithItsCtx) {
  auto vm = http_wasm_vm("headers_uri");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to(
      "/path?x=1", {{"Accept", "*/*"}, {"X-Multi", "a"}, {"X-Remove", "gone"}, {"x-remove", "too"}});
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_TRUE(decision.ok()) << decision.error().message;
  EXPECT_TRUE(decision->next);
  EXPECT_EQ(decision->ctx, 7u);
  EXPECT_EQ(exchange.uri, "/rewritten/path?x=1");
  EXPECT_EQ(values(exchange.request_headers, "x-set"), std::vector<std::string>{"set-value"});
  EXPECT_EQ(values(exchange.request_headers, "x-multi"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(values(exchange.request_headers, "x-remove").empty());
  EXPECT_EQ(values(exchange.request_headers, "x-seen-multi"), std::vector<std::string>{"a,b,"});
  // accept, x-multi, x-set, x-seen-multi: names are distinct and lowercase.
  EXPECT_EQ(values(exchange.request_headers, "x-names"), std::vector<std::string>{"4"});
  EXPECT_EQ(values(exchange.response_headers, "x-pre-next"), std::vector<std::string>{"yes"});

  exchange.status = 200;
  auto done = http_wasm_handle_response(*vm, guest, decision->ctx, /*is_error=*/false);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(values(exchange.response_headers, "x-ctx"), std::vector<std::string>{"7"});
  // _start enabled buffer_response (2) for the VM: the response change after next is allowed.
  EXPECT_EQ(values(exchange.response_headers, "x-features"), std::vector<std::string>{"2"});
  EXPECT_EQ(values(exchange.response_headers, "x-is-error"), std::vector<std::string>{"0"});
  EXPECT_FALSE(vm->failed());
}

TEST(HttpWasmHandler, PassesIsErrorToHandleResponse) {
  auto vm = http_wasm_vm("headers_uri");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/");
  GuestRequest guest{&exchange};
  ASSERT_TRUE(http_wasm_handle_request(*vm, guest).ok());
  ASSERT_TRUE(http_wasm_handle_response(*vm, guest, 7, /*is_error=*/true).ok());
  EXPECT_EQ(values(exchange.response_headers, "x-is-error"), std::vector<std::string>{"1"});
}

TEST(HttpWasmHandler, ShortCircuitReadsTheBodyAsAStreamAndAnswers) {
  auto vm = http_wasm_vm("short_circuit");
  ASSERT_TRUE(vm);
  // 4-byte reads: 11 bytes take 4+4+3(EOF); exactly 8 bytes take 4+4+0(EOF), as http-wasm-host-go reports
  // EOF.
  for (const auto& [body, reads] :
       std::vector<std::pair<std::string, std::string>>{{"hello world", "3"}, {"12345678", "3"}, {"", "1"}}) {
    Exchange exchange = request_to("/", {}, body);
    GuestRequest guest{&exchange};
    auto decision = http_wasm_handle_request(*vm, guest);
    ASSERT_TRUE(decision.ok()) << decision.error().message;
    EXPECT_FALSE(decision->next);
    EXPECT_EQ(exchange.status, 201);
    EXPECT_EQ(exchange.response_body, "echo:" + body);  // the second write_body appended
    EXPECT_EQ(values(exchange.response_headers, "content-type"), std::vector<std::string>{"text/plain"});
    EXPECT_EQ(values(exchange.response_headers, "x-method"), std::vector<std::string>{"POST"});
    EXPECT_EQ(values(exchange.response_headers, "x-reads"), std::vector<std::string>{reads}) << body;
  }
}

TEST(HttpWasmHandler, RewritesTheResponseWhenBufferResponseIsEnabledForTheRequest) {
  auto vm = http_wasm_vm("response_rewrite");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/");
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_TRUE(decision.ok()) << decision.error().message;
  ASSERT_TRUE(decision->next);
  exchange.status = 200;
  exchange.response_body = std::string(3000, 'z');  // several 1 KiB reads
  auto done = http_wasm_handle_response(*vm, guest, decision->ctx, false);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(exchange.status, 201);
  EXPECT_EQ(exchange.response_body, "wrapped[" + std::string(3000, 'z') + "]");
  EXPECT_EQ(values(exchange.response_headers, "x-original-status"), std::vector<std::string>{"200"});
}

TEST(HttpWasmHandler, GuestTrapFailsTheCallAndTheVm) {
  auto vm = http_wasm_vm("trap");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/");
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_FALSE(decision.ok());
  EXPECT_EQ(decision.error().code, Errc::PluginTrap);
  EXPECT_NE(decision.error().message.find("handle_request"), std::string::npos) << decision.error().message;
  EXPECT_TRUE(vm->failed());
}

TEST(HttpWasmHandler, InvalidUriFromTheGuestTraps) {
  auto vm = http_wasm_vm("trap");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/kept", {{"X-Host-Trap", "1"}});
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_FALSE(decision.ok());
  EXPECT_NE(decision.error().message.find("set_uri: \"no-slash\" is not an origin-form URI"),
            std::string::npos)
      << decision.error().message;
  EXPECT_EQ(exchange.uri, "/kept");
  EXPECT_TRUE(vm->failed());
}

TEST(HttpWasmHandler, ResponseChangeAfterNextWithoutBufferResponseTraps) {
  auto vm = http_wasm_vm("trap");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/", {{"X-Late-Trap", "1"}});
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_TRUE(decision.ok()) << decision.error().message;
  exchange.status = 200;
  auto done = http_wasm_handle_response(*vm, guest, decision->ctx, false);
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("unless buffer_response is enabled"), std::string::npos)
      << done.error().message;
  EXPECT_EQ(exchange.status, 200);
}

TEST(HttpWasmHandler, GetConfigReturnsTheJsonOfTheConfigMap) {
  auto vm = http_wasm_vm("config", http_wasm_guest_config({{"a", "1"}, {"b", "x\"y"}}));
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/");
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_TRUE(decision.ok()) << decision.error().message;
  EXPECT_FALSE(decision->next);
  EXPECT_EQ(exchange.response_body, R"({"a":"1","b":"x\"y"})");
  EXPECT_EQ(values(exchange.response_headers, "x-protocol"), std::vector<std::string>{"HTTP/1.1"});
  EXPECT_EQ(values(exchange.response_headers, "x-source"), std::vector<std::string>{"1.2.3.4:5678"});
  EXPECT_EQ(values(exchange.response_headers, "x-log-enabled"), std::vector<std::string>{"0"});  // level off
}

TEST(HttpWasmHandler, EmptyConfigMapIsNoConfiguration) {
  EXPECT_EQ(http_wasm_guest_config({}), "");
  auto vm = http_wasm_vm("config");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/");
  GuestRequest guest{&exchange};
  ASSERT_TRUE(http_wasm_handle_request(*vm, guest).ok());
  EXPECT_EQ(exchange.response_body, "");
}

TEST(HttpWasmHandler, GuestWithoutTheHandlerExportsIsALoadError) {
  auto vm = make_vm(http_wasm_spec(testing::fixture("count_vowels"), "not-http-wasm"));
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/");
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_FALSE(decision.ok());
  EXPECT_EQ(decision.error().code, Errc::PluginLoad);
  EXPECT_NE(decision.error().message.find("does not export handle_request"), std::string::npos)
      << decision.error().message;
}

TEST(HttpWasmHandler, VmWithoutTheHookIsRefused) {
  auto vm = make_vm("count_vowels");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/");
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_FALSE(decision.ok());
  EXPECT_EQ(decision.error().code, Errc::Internal);
}

TEST(HttpWasmHandler, StartEndingWithProcExitZeroIsALoadError) {
  auto vm = http_wasm_vm("start_exit");
  ASSERT_TRUE(vm);
  Exchange exchange = request_to("/");
  GuestRequest guest{&exchange};
  auto decision = http_wasm_handle_request(*vm, guest);
  ASSERT_FALSE(decision.ok());
  EXPECT_EQ(decision.error().code, Errc::PluginLoad);
  EXPECT_NE(decision.error().message.find("_start ended with proc_exit(0)"), std::string::npos)
      << decision.error().message;
}

TEST(HttpWasmHandler, DecodesCtxNext) {
  EXPECT_FALSE(decode_ctx_next(0).next);
  EXPECT_TRUE(decode_ctx_next(1).next);
  EXPECT_EQ(decode_ctx_next(1).ctx, 0u);
  const auto d = decode_ctx_next(static_cast<std::int64_t>((std::uint64_t{16} << 32) | 1));
  EXPECT_TRUE(d.next);
  EXPECT_EQ(d.ctx, 16u);
  EXPECT_FALSE(
      decode_ctx_next(static_cast<std::int64_t>((std::uint64_t{16} << 32) | 16)).next);  // ABI example
  EXPECT_EQ(decode_ctx_next(static_cast<std::int64_t>(0xffffffff00000001ull)).ctx, 0xffffffffu);
}

}  // namespace
}  // namespace wasmgate::wasm
