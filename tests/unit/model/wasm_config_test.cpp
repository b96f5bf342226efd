#include "model/wasm_config.h"

#include <gtest/gtest.h>

#include "json_test_util.h"

namespace wasmgate::model {
namespace {

using testing::at;
using testing::has;
using testing::js;
namespace json = boost::json;

WasmConfig parse_ok(std::string_view text) { return testing::expect_ok(parse_wasm_config(js(text))); }

std::string error_of(std::string_view text, std::string_view path = "") {
  Result<WasmConfig> c = parse_wasm_config_at(js(text), path);
  EXPECT_FALSE(c.ok()) << text;
  if (c.ok()) return "";
  EXPECT_EQ(c.error().code, Errc::BadRequest);
  return c.error().message;
}

TEST(ParseWasmConfig, EmptyObjectReadsOtoroshiReadDefaults) {
  WasmConfig c = parse_ok("{}");
  EXPECT_EQ(c.source.kind, WasmSourceKind::Unknown);
  EXPECT_EQ(c.source.path, "");
  EXPECT_EQ(c.memory_pages, 100);  // read default, not the written 50 [quirk]
  EXPECT_EQ(c.function_name, "");
  EXPECT_TRUE(c.config.empty());
  EXPECT_TRUE(c.allowed_hosts.empty());
  EXPECT_TRUE(c.allowed_paths.empty());
  EXPECT_FALSE(c.wasi);
  EXPECT_FALSE(c.opa);
  EXPECT_FALSE(c.http_wasm);
  EXPECT_FALSE(c.authorizations.http_access);
  EXPECT_EQ(c.authorizations.proxy_http_call_timeout_ms, 5000);
  EXPECT_FALSE(c.authorizations.global_data_store_access.read);
  EXPECT_FALSE(c.authorizations.plugin_map_access.write);
  EXPECT_FALSE(c.authorizations.proxy_state_access);
  EXPECT_FALSE(c.authorizations.configuration_access);
  EXPECT_EQ(c.instances, 1);
  EXPECT_FALSE(c.kill_options.immortal);
  EXPECT_EQ(c.kill_options.max_calls, 2147483647);
  EXPECT_EQ(c.kill_options.max_memory_usage, 0.0);
  EXPECT_EQ(c.kill_options.max_avg_call_duration_ms, 0);
  EXPECT_EQ(c.kill_options.max_unused_duration_ms, 300000);
  EXPECT_FALSE(c.is_js);
  EXPECT_EQ(c.call_timeout_ms, 10000);
}

TEST(ParseWasmConfig, WritesExactlyOtoroshisKeysPlusCallTimeout) {
  WasmConfig c = parse_ok("{}");
  json::value expected = js(R"({
    "source": {"kind":"Unknown","path":"","opts":{}},
    "memoryPages": 100, "functionName": null, "config": {}, "allowedHosts": [], "allowedPaths": {},
    "wasi": false, "opa": false, "httpWasm": false,
    "authorizations": {"httpAccess":false,"proxyHttpCallTimeout":5000,
      "globalDataStoreAccess":{"read":false,"write":false},"pluginDataStoreAccess":{"read":false,"write":false},
      "globalMapAccess":{"read":false,"write":false},"pluginMapAccess":{"read":false,"write":false},
      "proxyStateAccess":false,"configurationAccess":false},
    "instances": 1,
    "killOptions": {"immortal":false,"max_calls":2147483647,"max_memory_usage":0.0,"max_avg_call_duration":0,
                    "max_unused_duration":300000},
    "isJS": false, "callTimeoutMs": 10000})");
  EXPECT_EQ(json::value(c.json), expected);
  // Key order as Otoroshi writes it.
  std::vector<std::string> keys;
  for (const auto& kv : c.json) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"source", "memoryPages", "functionName", "config", "allowedHosts",
                                            "allowedPaths", "wasi", "opa", "httpWasm", "authorizations",
                                            "instances", "killOptions", "isJS", "callTimeoutMs"}));
}

TEST(ParseWasmConfig, DefaultConfigJsonIsWhatOtoroshiWritesForWasmConfig) {
  json::object d = default_wasm_config_json();
  EXPECT_EQ(at(d, "/memoryPages"), kWrittenDefaultMemoryPages);
  EXPECT_EQ(at(d, "/source/kind"), "Unknown");
  EXPECT_EQ(parse_ok(json::serialize(d)).json, d);
}

TEST(ParseWasmConfig, ReadsEveryField) {
  WasmConfig c = parse_ok(R"({
    "source":{"kind":"http","path":"https://x/p.wasm","opts":{"headers":{"a":"b"}}},
    "memoryPages":4,"functionName":"execute","config":{"k":"v"},"allowedHosts":["*.x"],
    "allowedPaths":{"/tmp":"/data"},"wasi":true,"opa":true,"httpWasm":true,
    "authorizations":{"httpAccess":true,"proxyHttpCallTimeout":1000,"globalDataStoreAccess":{"read":true},
                      "pluginMapAccess":{"write":true},"proxyStateAccess":true,"configurationAccess":true},
    "instances":4,
    "killOptions":{"immortal":true,"max_calls":10,"max_memory_usage":0.9,"max_avg_call_duration":5,
                   "max_unused_duration":60000},
    "isJS":true,"callTimeoutMs":250})");
  EXPECT_EQ(c.source.kind, WasmSourceKind::Http);
  EXPECT_EQ(c.source.path, "https://x/p.wasm");
  EXPECT_EQ(json::value(c.source.opts), js(R"({"headers":{"a":"b"}})"));
  EXPECT_EQ(c.memory_pages, 4);
  EXPECT_EQ(c.function_name, "execute");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(c.config, (Pairs{{"k", "v"}}));
  EXPECT_EQ(c.allowed_hosts, std::vector<std::string>{"*.x"});
  EXPECT_EQ(c.allowed_paths, (Pairs{{"/tmp", "/data"}}));
  EXPECT_TRUE(c.wasi && c.opa && c.http_wasm && c.is_js);
  EXPECT_TRUE(c.authorizations.http_access);
  EXPECT_EQ(c.authorizations.proxy_http_call_timeout_ms, 1000);
  EXPECT_TRUE(c.authorizations.global_data_store_access.read);
  EXPECT_FALSE(c.authorizations.global_data_store_access.write);
  EXPECT_TRUE(c.authorizations.plugin_map_access.write);
  EXPECT_TRUE(c.authorizations.proxy_state_access);
  EXPECT_TRUE(c.authorizations.configuration_access);
  EXPECT_EQ(c.instances, 4);
  EXPECT_TRUE(c.kill_options.immortal);
  EXPECT_EQ(c.kill_options.max_calls, 10);
  EXPECT_DOUBLE_EQ(c.kill_options.max_memory_usage, 0.9);
  EXPECT_EQ(c.kill_options.max_avg_call_duration_ms, 5);
  EXPECT_EQ(c.kill_options.max_unused_duration_ms, 60000);
  EXPECT_EQ(c.call_timeout_ms, 250);
  EXPECT_EQ(at(c.json, "/source/kind"), "Http");  // written capitalised
  EXPECT_EQ(at(c.json, "/authorizations/globalDataStoreAccess"), js(R"({"read":true,"write":false})"));
}

TEST(ParseWasmConfig, ReadsKindsCaseInsensitively) {
  struct Case {
    const char* written;
    WasmSourceKind kind;
    const char* name;
  };
  for (const Case& c :
       {Case{"BASE64", WasmSourceKind::Base64, "Base64"}, Case{"hTTp", WasmSourceKind::Http, "Http"},
        Case{"wasmo", WasmSourceKind::Wasmo, "Wasmo"}, Case{"WasmManager", WasmSourceKind::Wasmo, "Wasmo"},
        Case{"local", WasmSourceKind::Local, "Local"}, Case{"FILE", WasmSourceKind::File, "File"},
        Case{"classpath", WasmSourceKind::ClassPath, "ClassPath"},
        Case{"unknown", WasmSourceKind::Unknown, "Unknown"}}) {
    WasmConfig cfg = parse_ok(std::string(R"({"source":{"kind":")") + c.written + R"(","path":"p"}})");
    EXPECT_EQ(cfg.source.kind, c.kind) << c.written;
    EXPECT_EQ(at(cfg.json, "/source/kind"), c.name) << c.written;
    EXPECT_EQ(at(cfg.json, "/source/opts"), json::object{});
  }
}

TEST(ParseWasmConfig, MissingKindReadsAsUnknown) {
  EXPECT_EQ(parse_ok(R"({"source":{"path":"p"}})").source.kind, WasmSourceKind::Unknown);
}

TEST(ParseWasmConfig, RejectsAnUnknownKindNamingTheValidOnes) {
  EXPECT_EQ(error_of(R"({"source":{"kind":"ftp","path":"p"}})"),
            "source.kind: unknown kind 'ftp' (valid: Base64, Http, Wasmo, Local, File, ClassPath, Unknown)");
}

TEST(ParseWasmConfig, SourceRequiresPath) {
  EXPECT_EQ(error_of(R"({"source":{"kind":"Http"}})"), "source.path: required");
}

TEST(ParseWasmConfig, ReadsLegacyCompilerSource) {
  WasmConfig c = parse_ok(R"({"compiler_source":"my-plugin"})");
  EXPECT_EQ(c.source.kind, WasmSourceKind::Wasmo);
  EXPECT_EQ(c.source.path, "my-plugin");
  EXPECT_EQ(at(c.json, "/source"), js(R"({"kind":"Wasmo","path":"my-plugin","opts":{}})"));
  EXPECT_FALSE(has(c.json, "/compiler_source"));
}

TEST(ParseWasmConfig, ReadsLegacyRawSourceByPrefix) {
  struct Case {
    const char* raw;
    WasmSourceKind kind;
    const char* path;
  };
  for (const Case& c : {Case{"http://h/x.wasm", WasmSourceKind::Http, "http://h/x.wasm"},
                        Case{"https://h/x.wasm", WasmSourceKind::Http, "https://h/x.wasm"},
                        Case{"file://./x.wasm", WasmSourceKind::File, "./x.wasm"},
                        Case{"base64://AGFzbQ==", WasmSourceKind::Base64, "AGFzbQ=="},
                        Case{"entity://wasm-plugin_1", WasmSourceKind::Local, "wasm-plugin_1"},
                        Case{"local://wasm-plugin_2", WasmSourceKind::Local, "wasm-plugin_2"},
                        Case{"AGFzbQEAAAA=", WasmSourceKind::Base64, "AGFzbQEAAAA="}}) {
    WasmConfig cfg = parse_ok(std::string(R"({"raw_source":")") + c.raw + R"("})");
    EXPECT_EQ(cfg.source.kind, c.kind) << c.raw;
    EXPECT_EQ(cfg.source.path, c.path) << c.raw;
    EXPECT_FALSE(has(cfg.json, "/raw_source"));
  }
}

TEST(ParseWasmConfig, SourceWinsOverLegacyKeysWhichAreDropped) {
  WasmConfig c = parse_ok(R"({"source":{"kind":"File","path":"a.wasm"},"raw_source":"http://x",
                              "compiler_source":"y"})");
  EXPECT_EQ(c.source.kind, WasmSourceKind::File);
  EXPECT_FALSE(has(c.json, "/raw_source"));
  EXPECT_FALSE(has(c.json, "/compiler_source"));
  EXPECT_EQ(parse_ok(R"({"compiler_source":"w","raw_source":"http://x"})").source.kind,
            WasmSourceKind::Wasmo);
}

TEST(ParseWasmConfig, ReadsLegacyAccessesAsAuthorizations) {
  WasmConfig c = parse_ok(R"({"accesses":{"httpAccess":true,"proxyStateAccess":true}})");
  EXPECT_TRUE(c.authorizations.http_access);
  EXPECT_TRUE(c.authorizations.proxy_state_access);
  EXPECT_EQ(at(c.json, "/authorizations/httpAccess"), true);
  EXPECT_FALSE(has(c.json, "/accesses"));
  // `authorizations` wins when both are present.
  WasmConfig both = parse_ok(R"({"authorizations":{"httpAccess":false},"accesses":{"httpAccess":true}})");
  EXPECT_FALSE(both.authorizations.http_access);
  EXPECT_FALSE(has(both.json, "/accesses"));
  EXPECT_EQ(error_of(R"({"accesses":{"httpAccess":1}})"), "accesses.httpAccess: must be a boolean");
}

TEST(ParseWasmConfig, EmptyFunctionNameMeansNone) {
  WasmConfig c = parse_ok(R"({"functionName":""})");
  EXPECT_EQ(c.function_name, "");
  EXPECT_TRUE(at(c.json, "/functionName").is_null());
}

TEST(ParseWasmConfig, KeepsUnknownFieldsAtEveryLevel) {
  WasmConfig c = parse_ok(R"({"x":1,"lifetime":"Forever","source":{"kind":"Local","path":"p","x_src":2},
      "authorizations":{"x_auth":3,"globalMapAccess":{"x_rights":4}},"killOptions":{"x_kill":5}})");
  EXPECT_EQ(at(c.json, "/x"), 1);
  EXPECT_EQ(at(c.json, "/lifetime"), "Forever");
  EXPECT_EQ(at(c.json, "/source/x_src"), 2);
  EXPECT_EQ(at(c.json, "/authorizations/x_auth"), 3);
  EXPECT_EQ(at(c.json, "/authorizations/globalMapAccess/x_rights"), 4);
  EXPECT_EQ(at(c.json, "/killOptions/x_kill"), 5);
}

TEST(ParseWasmConfig, NormalizationIsIdempotent) {
  for (const char* in :
       {"{}", R"({"raw_source":"local://p","accesses":{"httpAccess":true},"x":[1]})",
        R"({"source":{"kind":"wasmmanager","path":"w"},"functionName":"","memoryPages":4.0})"}) {
    WasmConfig once = parse_ok(in);
    WasmConfig twice = parse_ok(json::serialize(once.json));
    EXPECT_EQ(once.json, twice.json) << in;
  }
}

TEST(ParseWasmConfig, ErrorsNameTheField) {
  EXPECT_EQ(error_of("[]"), "config: must be an object");
  EXPECT_EQ(error_of(R"({"memoryPages":"4"})"), "memoryPages: must be an integer");
  EXPECT_EQ(error_of(R"({"memoryPages":"4"})", "config"), "config.memoryPages: must be an integer");
  EXPECT_EQ(error_of(R"({"memoryPages":0})"), "memoryPages: must be between 1 and 65536");
  EXPECT_EQ(error_of(R"({"config":{"k":1}})"), "config.k: must be a string");
  EXPECT_EQ(error_of(R"({"allowedHosts":["a",true]})"), "allowedHosts[1]: must be a string");
  EXPECT_EQ(error_of(R"({"allowedPaths":{"/a":null}})"), "allowedPaths./a: must be a string");
  EXPECT_EQ(error_of(R"({"instances":0})"), "instances: must be between 1 and 2147483647");
  EXPECT_EQ(error_of(R"({"callTimeoutMs":0})"), "callTimeoutMs: must be >= 1");
  EXPECT_EQ(error_of(R"({"functionName":3})"), "functionName: must be a string");
  EXPECT_EQ(error_of(R"({"killOptions":{"max_memory_usage":"x"}})"),
            "killOptions.max_memory_usage: must be a number");
  EXPECT_EQ(error_of(R"({"killOptions":{"max_calls":-1}})"),
            "killOptions.max_calls: must be between 0 and 2147483647");
  EXPECT_EQ(error_of(R"({"authorizations":{"pluginDataStoreAccess":{"read":"yes"}}})"),
            "authorizations.pluginDataStoreAccess.read: must be a boolean");
  EXPECT_EQ(error_of(R"({"raw_source":42})"), "raw_source: must be a string");
  EXPECT_EQ(error_of(R"({"source":"http://x"})"), "source: must be an object");
}

TEST(SourceCacheKey, IsLowerCaseKindThenPath) {
  EXPECT_EQ(source_cache_key(WasmSource{WasmSourceKind::Http, "https://h/x.wasm", {}}),
            "http://https://h/x.wasm");
  EXPECT_EQ(source_cache_key(WasmSource{WasmSourceKind::Local, "my-id", {}}), "local://my-id");
  EXPECT_EQ(source_cache_key(WasmSource{WasmSourceKind::ClassPath, "w/c.wasm", {}}), "classpath://w/c.wasm");
}

TEST(WasmSourceKindNames, RoundTrip) {
  for (WasmSourceKind k :
       {WasmSourceKind::Base64, WasmSourceKind::Http, WasmSourceKind::Wasmo, WasmSourceKind::Local,
        WasmSourceKind::File, WasmSourceKind::ClassPath, WasmSourceKind::Unknown}) {
    EXPECT_EQ(parse_wasm_source_kind(wasm_source_kind_name(k)), k);
  }
  EXPECT_FALSE(parse_wasm_source_kind("nope").has_value());
}

}  // namespace
}  // namespace wasmgate::model
