#include "model/wasm_plugin.h"

#include <gtest/gtest.h>

#include "json_test_util.h"

namespace wasmgate::model {
namespace {

using testing::at;
using testing::js;
namespace json = boost::json;

WasmPlugin parse_ok(std::string_view text) { return testing::expect_ok(parse_wasm_plugin(js(text))); }

std::string error_of(std::string_view text) {
  Result<WasmPlugin> p = parse_wasm_plugin(js(text));
  EXPECT_FALSE(p.ok()) << text;
  if (p.ok()) return "";
  EXPECT_EQ(p.error().code, Errc::BadRequest);
  return p.error().message;
}

TEST(ParseWasmPlugin, FillsDefaults) {
  WasmPlugin p = parse_ok(R"({"id":"wasm-plugin_1","name":"N","description":"D"})");
  EXPECT_EQ(p.id, "wasm-plugin_1");
  EXPECT_EQ(p.name, "N");
  EXPECT_EQ(p.description, "D");
  EXPECT_TRUE(p.steps.empty());
  EXPECT_TRUE(p.metadata.empty());
  EXPECT_TRUE(p.tags.empty());
  // An absent config is WasmConfig(): memoryPages 50, unlike a config without memoryPages (100).
  EXPECT_EQ(p.config.memory_pages, 50);
  EXPECT_EQ(json::value(p.config.json), json::value(default_wasm_config_json()));
  EXPECT_EQ(at(p.json, "/_loc"), js(R"({"tenant":"default","teams":["default"]})"));
  std::vector<std::string> keys;
  for (const auto& kv : p.json) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"_loc", "id", "name", "description", "config", "steps",
                                            "metadata", "tags"}));
}

TEST(ParseWasmPlugin, ConfigWithoutMemoryPagesReadsOneHundred) {
  EXPECT_EQ(parse_ok(R"({"id":"w","name":"N","description":"D","config":{}})").config.memory_pages, 100);
}

TEST(ParseWasmPlugin, ReadsStepsMetadataTagsAndConfig) {
  WasmPlugin p = parse_ok(R"({"id":"w","name":"N","description":"D","steps":["ValidateAccess","Job"],
      "metadata":{"created_at":"2024"},"tags":["t"],
      "config":{"raw_source":"https://x/p.wasm","functionName":"execute"}})");
  EXPECT_EQ(p.steps, (std::vector<std::string>{"ValidateAccess", "Job"}));
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(p.metadata, (Pairs{{"created_at", "2024"}}));
  EXPECT_EQ(p.tags, std::vector<std::string>{"t"});
  EXPECT_EQ(p.config.source.kind, WasmSourceKind::Http);
  EXPECT_EQ(p.config.function_name, "execute");
  EXPECT_EQ(at(p.json, "/config/source/path"), "https://x/p.wasm");
}

TEST(ParseWasmPlugin, AcceptsEveryOtoroshiStep) {
  WasmPlugin p = parse_ok(R"({"id":"w","name":"N","description":"D","steps":["Router","Sink","PreRoute",
      "ValidateAccess","TransformRequest","TransformResponse","MatchRoute","HandlesTunnel","HandlesRequest",
      "CallBackend","Job","DataExporterFilter","DataExporterTransform"]})");
  EXPECT_EQ(p.steps.size(), 13u);
}

TEST(ParseWasmPlugin, RejectsUnknownStepNamingTheValidOnes) {
  EXPECT_EQ(
      error_of(R"({"id":"w","name":"N","description":"D","steps":["Router","Sink","Foo"]})"),
      "steps[2]: unknown step 'Foo' (valid: Router, Sink, PreRoute, ValidateAccess, TransformRequest, "
      "TransformResponse, MatchRoute, HandlesTunnel, HandlesRequest, CallBackend, Job, DataExporterFilter, "
      "DataExporterTransform)");
}

TEST(ParseWasmPlugin, ErrorsNameTheField) {
  EXPECT_EQ(error_of(R"({"name":"N","description":"D"})"), "id: required");
  EXPECT_EQ(error_of(R"({"id":"w","description":"D"})"), "name: required");
  EXPECT_EQ(error_of(R"({"id":"w","name":"N"})"), "description: required");
  EXPECT_EQ(error_of(R"({"id":"w","name":"N","description":"D","config":{"memoryPages":"x"}})"),
            "config.memoryPages: must be an integer");
  EXPECT_EQ(error_of(R"({"id":"w","name":"N","description":"D","config":{"source":{"kind":"Http"}}})"),
            "config.source.path: required");
  EXPECT_EQ(error_of(R"({"id":"w","name":"N","description":"D","config":3})"), "config: must be an object");
  EXPECT_EQ(error_of(R"({"id":"w","name":"N","description":"D","steps":"Job"})"), "steps: must be an array");
  EXPECT_EQ(error_of(R"({"id":"w","name":"N","description":"D","metadata":{"k":2}})"),
            "metadata.k: must be a string");
  EXPECT_EQ(error_of("null"), "wasm plugin: must be an object");
}

TEST(ParseWasmPlugin, KeepsUnknownFieldsAndIsIdempotent) {
  WasmPlugin p = parse_ok(R"({"id":"w","name":"N","description":"D","x":{"y":1},"_loc":{"z":2},
      "config":{"compiler_source":"c","x_cfg":true,"source_extra":null}})");
  EXPECT_EQ(at(p.json, "/x"), js(R"({"y":1})"));
  EXPECT_EQ(at(p.json, "/_loc/z"), 2);
  EXPECT_EQ(at(p.json, "/config/x_cfg"), true);
  EXPECT_TRUE(at(p.json, "/config/source_extra").is_null());
  WasmPlugin again = parse_ok(json::serialize(p.json));
  EXPECT_EQ(p.json, again.json);
}

TEST(WasmPluginTemplate, IsAValidPluginWithWrittenDefaults) {
  json::object t = wasm_plugin_template();
  Result<WasmPlugin> p = parse_wasm_plugin(t);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->id.rfind("wasm-plugin_", 0), 0u);
  EXPECT_EQ(p->name, "New wasm plugin");
  EXPECT_EQ(p->description, "New wasm plugin");
  EXPECT_EQ(at(t, "/config/memoryPages"), 50);
  EXPECT_EQ(at(t, "/config/source"), js(R"({"kind":"Unknown","path":"","opts":{}})"));
  EXPECT_EQ(p->json, t);
}

}  // namespace
}  // namespace wasmgate::model
