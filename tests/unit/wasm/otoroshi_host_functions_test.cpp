// Otoroshi's host functions (wasm/abi/otoroshi, spec otoroshi-wasm.md §4) through a real VM: the fixture
// tests/fixtures/wasm/extism/otoroshi_host.c calls any of them by name ("invoke": "<function>\n<argument>").
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <map>

#include "core/base64.h"
#include "loopback_http_server.h"
#include "store/sqlite_kv_store.h"
#include "vm_test_support.h"
#include "wasm/abi/otoroshi/otoroshi_functions.h"

namespace wasmgate::wasm {
namespace {

using testing::call_ok;
using testing::spec_for;
namespace oto = abi::otoroshi;

class TestServices final : public oto::HostServices {
 public:
  TestServices(std::shared_ptr<store::KvStore> kv, std::uint64_t maps_max_bytes)
      : kv_(std::move(kv)), maps_(maps_max_bytes) {}
  boost::json::object state() override {
    return {{"routes", boost::json::array{boost::json::object{{"id", "route_1"}}}},
            {"apikeys", boost::json::array()}};
  }
  std::optional<boost::json::value> state_value(std::string_view entity,
                                                std::optional<std::string_view> id) override {
    if (entity != "routes") return std::nullopt;
    if (!id) return boost::json::value(boost::json::array{boost::json::object{{"id", "route_1"}}});
    return *id == "route_1" ? boost::json::value(boost::json::object{{"id", "route_1"}})
                            : boost::json::value();
  }
  boost::json::object global_config() override { return {{"otoroshiId", "test"}}; }
  boost::json::object static_config() override { return {{"listen", "127.0.0.1:0"}}; }
  boost::json::object cluster_state() override {
    return {{"mode", "Off"},
            {"leader", boost::json::object{{"urls", boost::json::array{"http://a", "http://b"}}}}};
  }
  store::KvStore* kv_store() override { return kv_.get(); }
  store::MemoryMaps& memory_maps() override { return maps_; }
  void log_event(const boost::json::object& event) override { events.push_back(event); }

  std::vector<boost::json::object> events;

 private:
  std::shared_ptr<store::KvStore> kv_;
  store::MemoryMaps maps_;
};

// Attrs with one settable key, as the plugins layer's RequestAttrs would apply them.
class TestAttrs final : public oto::CallAttrs {
 public:
  const boost::json::object& all() const override { return attrs; }
  bool set(std::string_view key, const boost::json::value& value) override {
    if (key != "otoroshi.core.ElCtx") return false;
    attrs[key] = value;
    return true;
  }
  bool del(std::string_view needle) override {
    bool removed = false;
    for (auto it = attrs.begin(); it != attrs.end();) {
      if (it->key().find(needle) != std::string_view::npos) {
        it = attrs.erase(it);
        removed = true;
      } else {
        ++it;
      }
    }
    return removed;
  }
  void clear() override { attrs.clear(); }
  boost::json::object attrs;
};

oto::Grants all_grants() {
  oto::Grants g;
  g.http_access = true;
  g.global_data_store = g.plugin_data_store = g.global_map = g.plugin_map = {true, true};
  g.proxy_state = g.configuration = true;
  return g;
}

class OtoroshiHostFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wg-hostfn-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto kv = store::SqliteKvStore::open(dir_.string(), [this] { return now_ms_; });
    ASSERT_TRUE(kv.ok()) << kv.error().message;
    kv_ = *kv;
    services_ = std::make_shared<TestServices>(kv_, 256);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  VmSpec spec(oto::Grants grants, std::vector<std::string> allowed_hosts = {}, bool is_js = false) {
    VmSpec s = spec_for("otoroshi_host");
    oto::LinkOptions link;
    link.plugin_id = "wasm-plugin_counter";
    link.grants = grants;
    link.allowed_hosts = std::move(allowed_hosts);
    link.is_js = is_js;
    link.services = services_;
    s.import_hooks.push_back([link](engine::Imports& imports, abi::VmHostContext& context, engine::Store&) {
      return oto::add_host_functions(imports, context, link);
    });
    return s;
  }
  VmPtr vm(oto::Grants grants = all_grants(), std::vector<std::string> allowed_hosts = {}) {
    return testing::make_vm(spec(grants, std::move(allowed_hosts)));
  }
  static std::string invoke(Vm& vm, std::string_view function, std::string_view argument = "") {
    return call_ok(vm, "invoke", std::string(function) + "\n" + std::string(argument));
  }

  std::filesystem::path dir_;
  std::int64_t now_ms_ = 1'700'000'000'000;
  std::shared_ptr<store::SqliteKvStore> kv_;
  std::shared_ptr<TestServices> services_;
};

// ---- registration = authorization

TEST_F(OtoroshiHostFunctionsTest, AnUnauthorizedImportFailsTheLoadNamingItsFlag) {
  oto::Grants no_http = all_grants();
  no_http.http_access = false;
  auto loaded = Vm::create(testing::shared_engine(), spec(no_http));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, Errc::PluginLoad);
  EXPECT_NE(loaded.error().message.find("import env.proxy_http_call requires authorizations.httpAccess"),
            std::string::npos)
      << loaded.error().message;

  oto::Grants no_plugin_write = all_grants();
  no_plugin_write.plugin_data_store.write = false;
  loaded = Vm::create(testing::shared_engine(), spec(no_plugin_write));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find(
                "import env.proxy_plugin_datastore_set requires authorizations.pluginDataStoreAccess.write"),
            std::string::npos)
      << loaded.error().message;
  EXPECT_EQ(loaded.error().message.find("proxy_plugin_datastore_get"), std::string::npos)  // read is granted
      << loaded.error().message;
}

TEST_F(OtoroshiHostFunctionsTest, IsJsMovesTheFunctionsToEnvOtoroshi) {
  auto loaded = Vm::create(testing::shared_engine(), spec(all_grants(), {}, /*is_js=*/true));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("unknown import env.proxy_log "), std::string::npos)
      << loaded.error().message;
}

TEST(OtoroshiFunctionGates, EveryFunctionOfTheSpecWithItsFlag) {
  std::map<std::string, std::string> gates;
  for (const auto& g : oto::function_gates()) gates[std::string(g.name)] = std::string(g.flag);
  EXPECT_EQ(gates.size(), 42u);
  for (const char* always : {"proxy_log", "proxy_log_event", "proxy_get_attrs", "proxy_get_attr",
                             "proxy_set_attr", "proxy_del_attr", "proxy_clear_attrs"}) {
    EXPECT_EQ(gates.at(always), "") << always;
  }
  EXPECT_EQ(gates.at("proxy_http_call"), "authorizations.httpAccess");
  EXPECT_EQ(gates.at("proxy_global_config"), "authorizations.proxyStateAccess");
  EXPECT_EQ(gates.at("proxy_cluster_state_value"), "authorizations.configurationAccess");
  EXPECT_EQ(gates.at("proxy_global_map_del"), "authorizations.globalMapAccess.write");
  EXPECT_EQ(gates.at("proxy_plugin_map"), "authorizations.pluginMapAccess.read");
  EXPECT_EQ(gates.at("proxy_datastore_all_matching"), "authorizations.globalDataStoreAccess.read");
  EXPECT_EQ(gates.at("proxy_plugin_datastore_pexpire"), "authorizations.pluginDataStoreAccess.write");
}

// ---- log

TEST_F(OtoroshiHostFunctionsTest, LogAndLogEvent) {
  auto v = vm();
  ASSERT_TRUE(v);
  EXPECT_EQ(invoke(*v, "proxy_log", "hello from the guest"), "0");
  EXPECT_EQ(invoke(*v, "proxy_log_event", R"({"route_id":"route_1","message":"m","level":3})"), "0");
  EXPECT_EQ(invoke(*v, "proxy_log_event", "not json"), "2");  // StatusBadArgument
  ASSERT_EQ(services_->events.size(), 1u);
  const auto& event = services_->events[0];
  EXPECT_EQ(event.at("@type"), "WasmLogEvent");
  EXPECT_EQ(event.at("@serviceId"), "route_1");
  EXPECT_EQ(event.at("message"), "m");
  EXPECT_EQ(event.at("level"), "LogLevelWarn");
  EXPECT_EQ(event.at("function"), "unknown function");
}

// ---- attrs

TEST_F(OtoroshiHostFunctionsTest, AttrsOutsideARequestAreEmpty) {
  auto v = vm();
  ASSERT_TRUE(v);
  EXPECT_EQ(invoke(*v, "proxy_get_attrs"), "{}");
  EXPECT_EQ(invoke(*v, "proxy_get_attr", "otoroshi.core.SnowFlake"), "");
  EXPECT_EQ(invoke(*v, "proxy_set_attr", R"({"key":"otoroshi.core.ElCtx","value":{"a":"b"}})"), "0");
  EXPECT_EQ(invoke(*v, "proxy_clear_attrs"), "0");
}

TEST_F(OtoroshiHostFunctionsTest, AttrsOfTheCurrentRequestAreReadAndChanged) {
  auto v = vm();
  ASSERT_TRUE(v);
  TestAttrs attrs;
  attrs.attrs["otoroshi.core.SnowFlake"] = "123";
  const oto::AttrsScope scope(v->host_context(), &attrs);
  EXPECT_EQ(invoke(*v, "proxy_get_attr", "otoroshi.core.SnowFlake"), R"("123")");
  EXPECT_EQ(invoke(*v, "proxy_set_attr", R"({"key":"otoroshi.core.ElCtx","value":{"a":"b"}})"), "1");
  EXPECT_EQ(invoke(*v, "proxy_set_attr", R"({"key":"not.settable","value":1})"), "0");
  EXPECT_EQ(boost::json::parse(invoke(*v, "proxy_get_attrs")),
            boost::json::parse(R"({"otoroshi.core.SnowFlake":"123","otoroshi.core.ElCtx":{"a":"b"}})"));
  EXPECT_EQ(invoke(*v, "proxy_del_attr", "ElCtx"), "1");
  EXPECT_EQ(invoke(*v, "proxy_del_attr", "ElCtx"), "0");
  EXPECT_EQ(invoke(*v, "proxy_clear_attrs"), "0");
  EXPECT_TRUE(attrs.attrs.empty());
}

TEST_F(OtoroshiHostFunctionsTest, AMalformedArgumentFailsTheCallNamingTheFunction) {
  auto v = vm();
  ASSERT_TRUE(v);
  auto out = v->call("invoke", "proxy_set_attr\n[1,2]");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("env.proxy_set_attr: the argument is not a JSON object"),
            std::string::npos)
      << out.error().message;
}

// ---- proxy_http_call

boost::json::object http_answer(Vm& vm, const std::string& request) {
  const std::string out = call_ok(vm, "invoke", "proxy_http_call\n" + request);
  boost::system::error_code ec;
  auto value = boost::json::parse(out, ec);
  EXPECT_FALSE(ec) << out;
  return value.is_object() ? value.get_object() : boost::json::object();
}

std::string body_of(const boost::json::object& answer) {
  auto body = base64_decode(answer.at("body_base64").as_string());
  return body ? *body : "<bad base64>";
}

TEST_F(OtoroshiHostFunctionsTest, HttpCallToAnAllowedHost) {
  testing::LoopbackHttpServer server;
  auto v = vm(all_grants(), {"127.0.0.*"});
  ASSERT_TRUE(v);
  auto answer = http_answer(*v, R"({"url":")" + server.url("/hello") + R"("})");
  EXPECT_EQ(answer.at("status"), 200);
  EXPECT_EQ(body_of(answer), "hello world");
  EXPECT_EQ(answer.at("headers").at("X-Test"), "a");  // the first value, as Otoroshi

  answer = http_answer(
      *v, R"({"url":")" + server.url("/echo") +
              R"(","method":"post","query":{"q":"a b"},"headers":{"X-Guest":"g"},"body_json":{"k":1}})");
  EXPECT_EQ(answer.at("status"), 200);
  EXPECT_EQ(body_of(answer), R"(POST /echo?q=a%20b {"k":1} g)");
}

TEST_F(OtoroshiHostFunctionsTest, HttpCallToARefusedHostAnswers403) {
  testing::LoopbackHttpServer server;
  auto v = vm(all_grants(), {"*.example.com"});
  ASSERT_TRUE(v);
  auto answer = http_answer(*v, R"({"url":")" + server.url("/hello") + R"("})");
  EXPECT_EQ(answer.at("status"), 403);
  EXPECT_EQ(answer.at("headers").at("content-type"), "text/plain");
  EXPECT_EQ(body_of(answer), "you cannot access host: 127.0.0.1");
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(OtoroshiHostFunctionsTest, HttpCallIsBoundedByProxyHttpCallTimeout) {
  testing::LoopbackHttpServer server;
  oto::Grants grants = all_grants();
  grants.http_call_timeout = std::chrono::milliseconds(100);
  auto v = vm(grants);  // empty allowedHosts: every host, Otoroshi's rule for proxy_http_call
  ASSERT_TRUE(v);
  auto answer = http_answer(*v, R"({"url":")" + server.url("/silent") + R"("})");
  EXPECT_EQ(answer.at("status"), 504) << body_of(answer);
}

// ---- datastores

TEST_F(OtoroshiHostFunctionsTest, DatastoresHaveRedisSemanticsAndTheirOwnScopes) {
  auto v = vm();
  ASSERT_TRUE(v);
  EXPECT_EQ(invoke(*v, "proxy_datastore_set", R"({"key":"k","value":"global"})"), "1");
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_set", R"({"key":"k","value_base64":"cGx1Z2lu"})"), "1");
  EXPECT_EQ(invoke(*v, "proxy_datastore_get", "k"), "global");
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_get", "k"), "plugin");
  EXPECT_EQ(kv_->get("otoroshi:wasm:wasm-plugin_counter:k")->value_or(""), "plugin");
  EXPECT_EQ(invoke(*v, "proxy_datastore_get", "absent"), "");
  EXPECT_EQ(invoke(*v, "proxy_datastore_exists", "k"), "1");
  EXPECT_EQ(invoke(*v, "proxy_datastore_exists", "absent"), "0");
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_setnx", R"({"key":"k","value":"again"})"), "0");
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_setnx", R"({"key":"k2","value":"v2"})"), "1");
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_keys", "k*"),
            R"(["otoroshi:wasm:wasm-plugin_counter:k","otoroshi:wasm:wasm-plugin_counter:k2"])");
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_all_matching", "k*"), R"(["cGx1Z2lu","djI="])");
  EXPECT_EQ(invoke(*v, "proxy_datastore_keys", "k*"), R"(["otoroshi:k"])");  // not the plugin's keys
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_del", R"({"keys":["k","k2","absent"]})"), "2");

  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_incrby", R"({"key":"hits","incr":1})"), "1");
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_incrby", R"({"key":"hits","incr":"41"})"), "42");
  EXPECT_EQ(invoke(*v, "proxy_plugin_datastore_incrby", R"({"key":"hits","incr":-50})"), "-8");
  auto not_integer = v->call("invoke", R"(proxy_datastore_incrby
{"key":"k","incr":1})");
  ASSERT_FALSE(not_integer.ok());
  EXPECT_NE(not_integer.error().message.find("env.proxy_datastore_incrby:"), std::string::npos)
      << not_integer.error().message;
}

TEST_F(OtoroshiHostFunctionsTest, DatastoreTtlsFollowTheClock) {
  auto v = vm();
  ASSERT_TRUE(v);
  EXPECT_EQ(invoke(*v, "proxy_datastore_set", R"({"key":"t","value":"v","ttl":1000})"), "1");
  EXPECT_EQ(invoke(*v, "proxy_datastore_pttl", "t"), "1000");
  EXPECT_EQ(invoke(*v, "proxy_datastore_set", R"({"key":"forever","value":"v"})"), "1");
  EXPECT_EQ(invoke(*v, "proxy_datastore_pttl", "forever"), "-1");
  EXPECT_EQ(invoke(*v, "proxy_datastore_pttl", "absent"), "-2");
  EXPECT_EQ(invoke(*v, "proxy_datastore_pexpire", R"({"key":"forever","pttl":"500"})"), "1");
  EXPECT_EQ(invoke(*v, "proxy_datastore_pexpire", R"({"key":"absent","pttl":500})"), "0");
  now_ms_ += 600;
  EXPECT_EQ(invoke(*v, "proxy_datastore_exists", "forever"), "0");
  EXPECT_EQ(invoke(*v, "proxy_datastore_pttl", "t"), "400");
  now_ms_ += 400;
  EXPECT_EQ(invoke(*v, "proxy_datastore_get", "t"), "");
  EXPECT_EQ(invoke(*v, "proxy_datastore_pttl", "t"), "-2");
}

// ---- maps

TEST_F(OtoroshiHostFunctionsTest, MapsAreScopedAndBounded) {
  auto v = vm();
  ASSERT_TRUE(v);
  EXPECT_EQ(invoke(*v, "proxy_global_map"), "");  // never existed
  EXPECT_EQ(invoke(*v, "proxy_global_map_set", R"({"key":"a","value":"1"})"), "0");
  EXPECT_EQ(invoke(*v, "proxy_plugin_map_set", R"({"key":"a","value":"plugin"})"), "0");
  EXPECT_EQ(invoke(*v, "proxy_global_map_get", "a"), "1");
  EXPECT_EQ(invoke(*v, "proxy_plugin_map_get", "a"), "plugin");
  EXPECT_EQ(invoke(*v, "proxy_plugin_map"), R"({"a":"cGx1Z2lu"})");
  EXPECT_EQ(invoke(*v, "proxy_global_map_del", "a"), "StatusOK");
  EXPECT_EQ(invoke(*v, "proxy_global_map_get", "a"), "");
  EXPECT_EQ(invoke(*v, "proxy_global_map"), "{}");
  // The maps hold 256 bytes here: a bigger write is refused with StatusInternalFailure, nothing changes.
  const std::string big(300, 'x');
  EXPECT_EQ(invoke(*v, "proxy_global_map_set", R"({"key":"big","value":")" + big + R"("})"), "5");
  EXPECT_EQ(invoke(*v, "proxy_global_map_get", "big"), "");
  EXPECT_EQ(invoke(*v, "proxy_plugin_map_get", "a"), "plugin");
}

// ---- state and configuration

TEST_F(OtoroshiHostFunctionsTest, StateAndConfiguration) {
  auto v = vm();
  ASSERT_TRUE(v);
  EXPECT_EQ(invoke(*v, "proxy_state"), R"({"routes":[{"id":"route_1"}],"apikeys":[]})");
  EXPECT_EQ(invoke(*v, "proxy_state_value", R"({"entity":"routes","id":"route_1"})"), R"({"id":"route_1"})");
  EXPECT_EQ(invoke(*v, "proxy_state_value", R"({"entity":"routes","id":"nope"})"), "null");
  EXPECT_EQ(invoke(*v, "proxy_state_value", R"({"entity":"routes"})"), R"([{"id":"route_1"}])");
  EXPECT_EQ(invoke(*v, "proxy_state_value", R"({"entity":"unknown"})"), "null");
  EXPECT_EQ(invoke(*v, "proxy_global_config"), R"({"otoroshiId":"test"})");
  EXPECT_EQ(invoke(*v, "proxy_config"), R"({"listen":"127.0.0.1:0"})");
  EXPECT_EQ(invoke(*v, "proxy_cluster_state_value", "mode"), R"("Off")");
  EXPECT_EQ(invoke(*v, "proxy_cluster_state_value", "leader.urls.1"), R"("http://b")");
  EXPECT_EQ(invoke(*v, "proxy_cluster_state_value", "/leader/urls/0"), R"("http://a")");
  EXPECT_EQ(invoke(*v, "proxy_cluster_state_value", "no.such.path"), "null");
}

}  // namespace
}  // namespace wasmgate::wasm
