#include "plugins/plugin_kind.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace wasmgate::plugins {
namespace {

struct KindCase {
  std::string_view cls;
  WasmPluginKind kind;
};

// Every built-in Wasm* class of package otoroshi.next.plugins (spec otoroshi-wasm.md §3.0).
const std::vector<KindCase>& all_kinds() {
  static const std::vector<KindCase> kinds{
      {"WasmRouteMatcher", WasmPluginKind::RouteMatcher},
      {"WasmRouter", WasmPluginKind::Router},
      {"WasmSink", WasmPluginKind::Sink},
      {"WasmPreRoute", WasmPluginKind::PreRoute},
      {"WasmAccessValidator", WasmPluginKind::AccessValidator},
      {"WasmOPA", WasmPluginKind::Opa},
      {"WasmRequestTransformer", WasmPluginKind::RequestTransformer},
      {"WasmResponseTransformer", WasmPluginKind::ResponseTransformer},
      {"WasmBackend", WasmPluginKind::Backend},
      {"WasmRequestHandler", WasmPluginKind::RequestHandler},
      {"WasmWebsocketTransformer", WasmPluginKind::WebsocketTransformer},
      {"WasmJob", WasmPluginKind::Job},
      {"NgHttpWasm", WasmPluginKind::HttpWasm},
  };
  return kinds;
}

TEST(WasmPluginKind, RecognisesEveryClassWithTheCpPrefix) {
  for (const auto& c : all_kinds()) {
    const std::string ref = "cp:otoroshi.next.plugins." + std::string(c.cls);
    const auto kind = wasm_plugin_kind(ref);
    ASSERT_TRUE(kind.has_value()) << ref;
    EXPECT_EQ(*kind, c.kind) << ref;
  }
}

TEST(WasmPluginKind, RecognisesEveryClassWithoutTheCpPrefix) {
  for (const auto& c : all_kinds()) {
    const std::string ref = "otoroshi.next.plugins." + std::string(c.cls);
    const auto kind = wasm_plugin_kind(ref);
    ASSERT_TRUE(kind.has_value()) << ref;
    EXPECT_EQ(*kind, c.kind) << ref;
  }
}

TEST(WasmPluginKind, ClassNameRoundTripsThroughTheKind) {
  for (const auto& c : all_kinds()) EXPECT_EQ(wasm_plugin_class(c.kind), c.cls);
}

TEST(WasmPluginKind, NonWasmAndMalformedReferencesAreNotWasmKinds) {
  for (std::string_view ref : {
           "",
           "cp:",
           "cp:otoroshi.next.plugins.",
           "cp:otoroshi.next.plugins.ApikeyCalls",           // a built-in, but not a wasm plugin
           "cp:otoroshi.next.plugins.WasmAccessValidatorX",  // prefix of a class only
           "cp:otoroshi.next.plugins.wasmaccessvalidator",   // class names are case-sensitive
           "cp:com.example.WasmAccessValidator",             // another package
           "cp:otoroshi.next.plugins.wasm.WasmAccessValidator",
           "WasmAccessValidator",  // no package
           "cp:cp:otoroshi.next.plugins.WasmAccessValidator",
           " cp:otoroshi.next.plugins.WasmAccessValidator",
           "cp:otoroshi.next.plugins.WasmAccessValidator ",
       }) {
    EXPECT_FALSE(wasm_plugin_kind(ref).has_value()) << "'" << ref << "'";
  }
}

// §3.0 table: the export called when neither the route slot nor the entity names a functionName.
TEST(WasmPluginKind, DefaultFunctionsFollowTheStepTable) {
  EXPECT_EQ(default_function(WasmPluginKind::RouteMatcher), "matches_route");
  EXPECT_EQ(default_function(WasmPluginKind::Router), "find_route");
  EXPECT_EQ(default_function(WasmPluginKind::Sink), "sink_handle");  // the matcher is fixed: sink_matches
  EXPECT_EQ(default_function(WasmPluginKind::PreRoute), "pre_route");
  EXPECT_EQ(default_function(WasmPluginKind::AccessValidator), "access");  // not the docs' "can_access"
  EXPECT_EQ(default_function(WasmPluginKind::RequestTransformer), "transform_request");
  EXPECT_EQ(default_function(WasmPluginKind::ResponseTransformer), "transform_response");
  EXPECT_EQ(default_function(WasmPluginKind::Backend), "call_backend");
  EXPECT_EQ(default_function(WasmPluginKind::RequestHandler), "handle_request");
  EXPECT_EQ(default_function(WasmPluginKind::Job), "job_run");
  EXPECT_EQ(default_function(WasmPluginKind::HttpWasm), "handle_request");
  EXPECT_EQ(default_function(WasmPluginKind::WebsocketTransformer), "on_request_message");
  // WasmOPA has no default export in the table (the OPA ABI drives the calls, §6): only require a name.
  EXPECT_FALSE(default_function(WasmPluginKind::Opa).empty());
}

}  // namespace
}  // namespace wasmgate::plugins
