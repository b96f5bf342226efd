// PluginRuntime against the real V8 engine and the Extism guest fixtures (tests/fixtures/wasm/extism).
#include "plugins/plugin_runtime.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

#include "core/base64.h"
#include "wasm/engine/v8/v8_engine.h"

#ifndef WASMGATE_EXTISM_FIXTURES_DIR
#error "WASMGATE_EXTISM_FIXTURES_DIR must point at the built Extism fixtures (tests/fixtures/CMakeLists.txt)"
#endif

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string fixture_path(std::string_view name) {
  return std::string(WASMGATE_EXTISM_FIXTURES_DIR) + "/" + std::string(name) + ".wasm";
}

std::string fixture_bytes(std::string_view name) {
  std::ifstream in(fixture_path(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << fixture_path(name)
                         << " (build target wasm_extism_fixtures)";
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// One engine for the whole binary: V8 is process-wide and an engine owns a compile isolate and a watchdog.
engine::Engine& shared_engine() {
  static std::unique_ptr<engine::Engine> engine = engine::create_v8_engine();
  return *engine;
}

json::object source(std::string_view kind, std::string_view path) {
  return json::object{{"kind", kind}, {"path", path}, {"opts", json::object{}}};
}

json::object base64_config(std::string_view fixture) {
  return json::object{{"source", source("Base64", base64_encode(fixture_bytes(fixture)))}};
}

json::object file_config(std::string_view fixture) {
  return json::object{{"source", source("File", fixture_path(fixture))}};
}

// A slot config bound as the route step would bind it (no entities: inline configs only).
BoundPlugin bound(const json::object& config, std::string slot_name = "route_rt/plugins[0]") {
  auto parsed = model::parse_wasm_config(config);
  EXPECT_TRUE(parsed.ok()) << (parsed ? "" : parsed.error().message);
  if (!parsed) return {};
  auto binding = bind_plugin(*parsed, WasmPluginKind::AccessValidator, PluginLookup{}, std::move(slot_name));
  EXPECT_TRUE(binding.ok()) << (binding ? "" : binding.error().message);
  return binding ? *binding : BoundPlugin{};
}

std::string ok_or_error(const Result<std::string>& result) {
  return result ? *result : "<error: " + result.error().message + ">";
}

class PluginRuntimeTest : public ::testing::Test {
 protected:
  static PluginRuntimeOptions options() {
    PluginRuntimeOptions o;
    o.blocking_threads = 1;
    return o;
  }
  wasm::PoolStats stats_of(const BoundPlugin& plugin) {
    auto pool = runtime_.pools().find(plugin.pool_key);
    EXPECT_NE(pool, nullptr) << "no pool for " << plugin.pool_key;
    return pool ? pool->stats() : wasm::PoolStats{};
  }

  PluginRuntime runtime_{shared_engine(), options()};
};

// ---- sources
// -------------------------------------------------------------------------------------------------

TEST_F(PluginRuntimeTest, Base64SourceLoadsAndRuns) {
  const BoundPlugin echo = bound(base64_config("echo"));
  EXPECT_EQ(ok_or_error(runtime_.call(echo, "echo", "hello")), "hello");
}

TEST_F(PluginRuntimeTest, FileSourceLoadsAndRuns) {
  const BoundPlugin echo = bound(file_config("echo"));
  EXPECT_EQ(ok_or_error(runtime_.call(echo, "echo", "from a file")), "from a file");
}

TEST_F(PluginRuntimeTest, FileSourceAcceptsAFileUrl) {
  const BoundPlugin echo = bound(json::object{{"source", source("File", "file://" + fixture_path("echo"))}});
  EXPECT_EQ(ok_or_error(runtime_.call(echo, "echo", "x")), "x");
}

TEST_F(PluginRuntimeTest, MissingFileIsPluginLoadNamingThePluginAndPath) {
  const std::string path = fixture_path("does_not_exist");
  const BoundPlugin missing = bound(json::object{{"source", source("File", path)}}, "route_rt/plugins[4]");
  auto result = runtime_.call(missing, "echo", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginLoad);
  EXPECT_NE(result.error().message.find("route_rt/plugins[4]"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(path), std::string::npos) << result.error().message;
  EXPECT_EQ(runtime_.pools().size(), 0u);
}

TEST_F(PluginRuntimeTest, InvalidBase64IsPluginLoadNamingThePlugin) {
  const BoundPlugin bad = bound(json::object{{"source", source("Base64", "not base64!")}});
  auto result = runtime_.call(bad, "echo", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginLoad);
  EXPECT_NE(result.error().message.find("route_rt/plugins[0]"), std::string::npos) << result.error().message;
}

TEST_F(PluginRuntimeTest, UnsupportedSourceKindIsPluginLoadNamingTheKind) {
  for (std::string_view kind : {"Wasmo", "ClassPath"}) {
    const BoundPlugin plugin = bound(json::object{{"source", source(kind, "some-plugin")}});
    auto result = runtime_.call(plugin, "echo", "");
    ASSERT_FALSE(result.ok()) << kind;
    EXPECT_EQ(result.error().code, Errc::PluginLoad) << kind;
    EXPECT_NE(result.error().message.find(kind), std::string::npos) << result.error().message;
    EXPECT_NE(result.error().message.find("route_rt/plugins[0]"), std::string::npos)
        << result.error().message;
  }
}

TEST_F(PluginRuntimeTest, NotAWasmModuleIsPluginLoad) {
  const BoundPlugin plugin =
      bound(json::object{{"source", source("Base64", base64_encode("not wasm at all"))}});
  auto result = runtime_.call(plugin, "echo", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginLoad);
}

// ---- calls
// ---------------------------------------------------------------------------------------------------

TEST_F(PluginRuntimeTest, CallReturnsTheGuestOutput) {
  const BoundPlugin errors = bound(base64_config("errors"));
  EXPECT_EQ(ok_or_error(runtime_.call(errors, "ok", "")), "ok");
}

TEST_F(PluginRuntimeTest, SuccessfulCallsReuseOneVm) {
  const BoundPlugin echo = bound(base64_config("echo"));
  ASSERT_TRUE(runtime_.call(echo, "echo", "1").ok());
  ASSERT_TRUE(runtime_.call(echo, "noop", "").ok());
  const auto stats = stats_of(echo);
  EXPECT_EQ(stats.creations, 1u);
  EXPECT_EQ(stats.leases, 2u);
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_EQ(stats.idle, 1u);
}

TEST_F(PluginRuntimeTest, FailingCallReturnsTheGuestErrorAndRecyclesTheVm) {
  const BoundPlugin errors = bound(base64_config("errors"));
  auto failed = runtime_.call(errors, "fail", "");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("something bad happened"), std::string::npos)
      << failed.error().message;
  auto after_failure = stats_of(errors);
  EXPECT_EQ(after_failure.errors, 1u);
  EXPECT_EQ(after_failure.alive, 0u);  // the failed call's VM was destroyed, not returned
  EXPECT_EQ(after_failure.idle, 0u);
  EXPECT_EQ(after_failure.creations, 1u);

  EXPECT_EQ(ok_or_error(runtime_.call(errors, "ok", "")), "ok");
  EXPECT_EQ(stats_of(errors).creations, 2u);  // a fresh VM served the next call
}

TEST_F(PluginRuntimeTest, CallOfAMissingExportFailsAndRecyclesTheVm) {
  const BoundPlugin echo = bound(base64_config("echo"));
  ASSERT_FALSE(runtime_.call(echo, "no_such_export", "").ok());
  EXPECT_EQ(stats_of(echo).errors, 1u);
  EXPECT_EQ(ok_or_error(runtime_.call(echo, "echo", "again")), "again");
}

TEST_F(PluginRuntimeTest, CallPastItsTimeoutFailsAndRecyclesTheVm) {
  json::object config = base64_config("loop");
  config["callTimeoutMs"] = 100;
  const BoundPlugin loop = bound(config);
  auto result = runtime_.call(loop, "spin", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTimeout);
  EXPECT_EQ(ok_or_error(runtime_.call(loop, "ok", "")), "ok");
  EXPECT_EQ(stats_of(loop).creations, 2u);
}

// ---- try_call
// ------------------------------------------------------------------------------------------------

TEST_F(PluginRuntimeTest, TryCallRunsWhenAVmCanBeHad) {
  const BoundPlugin echo = bound(base64_config("echo"));
  // No pool yet: building one may download and compile, which is not for an I/O thread.
  EXPECT_FALSE(runtime_.try_call(echo, "echo", "created").has_value());
  ASSERT_TRUE(runtime_.call(echo, "noop", "").ok());
  auto second = runtime_.try_call(echo, "echo", "reused");  // the idle VM
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(ok_or_error(*second), "reused");
}

TEST_F(PluginRuntimeTest, TryCallIsNulloptWhileTheOnlyVmIsLeased) {
  const BoundPlugin echo = bound(base64_config("echo"));  // instances: 1
  ASSERT_TRUE(runtime_.call(echo, "noop", "").ok());
  auto pool = runtime_.pools().find(echo.pool_key);
  ASSERT_NE(pool, nullptr);
  auto lease = pool->acquire(std::chrono::steady_clock::now() + 5s);
  ASSERT_TRUE(lease.ok()) << lease.error().message;

  EXPECT_FALSE(runtime_.try_call(echo, "echo", "busy").has_value());

  lease->release();
  auto after = runtime_.try_call(echo, "echo", "free");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(ok_or_error(*after), "free");
}

TEST_F(PluginRuntimeTest, TryCallLeavesCallsThatMayBlockToTheBlockingPool) {
  json::object config = base64_config("http");  // imports extism:host/env.http_request
  const BoundPlugin refused = bound(config);    // no allowedHosts: its calls cannot go out, so they stay inline
  ASSERT_FALSE(runtime_.call(refused, "no_such_export", "").ok());  // builds the pool
  EXPECT_TRUE(runtime_.try_call(refused, "no_such_export", "").has_value());
  config["allowedHosts"] = json::array{"127.0.0.1"};
  const BoundPlugin allowed = bound(config);
  ASSERT_FALSE(runtime_.call(allowed, "no_such_export", "").ok());
  EXPECT_FALSE(runtime_.try_call(allowed, "no_such_export", "").has_value());  // a VM is free, still not inline
}

TEST_F(PluginRuntimeTest, TryCallLeavesLoadingToCall) {
  const BoundPlugin missing = bound(json::object{{"source", source("File", fixture_path("does_not_exist"))}});
  EXPECT_FALSE(runtime_.try_call(missing, "echo", "").has_value());  // the caller moves to call()
  auto result = runtime_.call(missing, "echo", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginLoad);
}

TEST_F(PluginRuntimeTest, RetainPoolsRetiresPoolsThatLeftTheState) {
  const BoundPlugin kept = bound(base64_config("echo"));
  json::object other_config = base64_config("echo");
  other_config["config"] = json::object{{"k", "v"}};
  const BoundPlugin dropped = bound(other_config);
  ASSERT_NE(kept.pool_key, dropped.pool_key);
  ASSERT_TRUE(runtime_.call(kept, "noop", "").ok());
  ASSERT_TRUE(runtime_.call(dropped, "noop", "").ok());
  runtime_.retain_pools({kept.pool_key});
  EXPECT_NE(runtime_.pools().find(kept.pool_key), nullptr);
  EXPECT_EQ(runtime_.pools().find(dropped.pool_key), nullptr);
  EXPECT_TRUE(runtime_.call(dropped, "noop", "").ok());  // a late caller still works: a fresh pool
}

TEST(PluginRuntime, CallGivesUpWithPluginTimeoutWhenEveryVmStaysBusy) {
  PluginRuntimeOptions options;
  options.blocking_threads = 1;
  options.acquire_wait = 1ms;
  PluginRuntime runtime(shared_engine(), options);
  const BoundPlugin echo = bound(base64_config("echo"));
  ASSERT_TRUE(runtime.call(echo, "noop", "").ok());
  auto lease = runtime.pools().find(echo.pool_key)->acquire(std::chrono::steady_clock::now() + 5s);
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  auto result = runtime.call(echo, "echo", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::PluginTimeout);
}

// ---- calls_may_block
// -----------------------------------------------------------------------------------------------

engine::ModuleInfo importing(std::initializer_list<std::pair<const char*, const char*>> names) {
  engine::ModuleInfo info;
  for (const auto& [module, name] : names) {
    info.imports.push_back(engine::ImportDesc{module, name, engine::ExternType::of(engine::ExternKind::Func)});
  }
  return info;
}

TEST(PluginRuntime, CallsMayBlockOnlyWhenTheModuleImportsAnOutboundCallItMayMakeOrASleep) {
  model::WasmConfig config;
  const auto extism_http = importing({{"extism:host/env", "http_request"}});
  const auto legacy_http = importing({{"env", "extism_http_request"}});
  const auto otoroshi_http = importing({{"env", "proxy_http_call"}});
  const auto js_http = importing({{"env/Otoroshi", "proxy_http_call"}});
  const auto sleep = importing({{"wasi_snapshot_preview1", "poll_oneoff"}});
  const auto plain = importing({{"extism:host/env", "output_set"}, {"env", "proxy_log"}});
  EXPECT_FALSE(calls_may_block(config, extism_http));  // no allowedHosts: every call would be refused at once
  config.allowed_hosts = {"api.example.com"};
  EXPECT_TRUE(calls_may_block(config, extism_http));
  EXPECT_TRUE(calls_may_block(config, legacy_http));
  EXPECT_FALSE(calls_may_block(config, plain));  // hosts allowed but never called: stays inline
  EXPECT_FALSE(calls_may_block(config, otoroshi_http));
  config.authorizations.http_access = true;
  EXPECT_TRUE(calls_may_block(config, otoroshi_http));
  EXPECT_TRUE(calls_may_block(config, js_http));
  EXPECT_FALSE(calls_may_block(config, sleep));
  config.wasi = true;
  EXPECT_TRUE(calls_may_block(config, sleep));
}

// ---- pools
// ---------------------------------------------------------------------------------------------------

TEST_F(PluginRuntimeTest, BindingsWithEqualPoolKeysShareOnePool) {
  model::WasmPlugin entity;
  entity.id = "wasm-plugin_echo";
  entity.config = *model::parse_wasm_config(base64_config("echo"));
  const PluginLookup lookup = [&](std::string_view id) { return id == entity.id ? &entity : nullptr; };
  const json::value local = json::parse(R"({"source":{"kind":"Local","path":"wasm-plugin_echo","opts":{}}})");
  auto a = bind_plugin(*model::parse_wasm_config(local), WasmPluginKind::AccessValidator, lookup,
                       "route_a/plugins[0]");
  auto b = bind_plugin(*model::parse_wasm_config(local), WasmPluginKind::RequestTransformer, lookup,
                       "route_b/plugins[1]");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->pool_key, b->pool_key);

  EXPECT_EQ(ok_or_error(runtime_.call(*a, "echo", "a")), "a");
  EXPECT_EQ(ok_or_error(runtime_.call(*b, "echo", "b")), "b");
  EXPECT_EQ(runtime_.pools().size(), 1u);
  const auto stats = stats_of(*a);
  EXPECT_EQ(stats.leases, 2u);
  EXPECT_EQ(stats.creations, 1u);
}

TEST_F(PluginRuntimeTest, BindingsWithDifferentPoolKeysGetTheirOwnPools) {
  const BoundPlugin small = bound(base64_config("echo"));
  json::object bigger_config = base64_config("echo");
  bigger_config["memoryPages"] = 200;
  const BoundPlugin bigger = bound(bigger_config);
  ASSERT_NE(small.pool_key, bigger.pool_key);
  ASSERT_TRUE(runtime_.call(small, "noop", "").ok());
  ASSERT_TRUE(runtime_.call(bigger, "noop", "").ok());
  EXPECT_EQ(runtime_.pools().size(), 2u);
  EXPECT_NE(runtime_.pools().find(small.pool_key), runtime_.pools().find(bigger.pool_key));
}

TEST_F(PluginRuntimeTest, PoolTakesItsCapFromTheConfigInstances) {
  json::object config = base64_config("echo");
  config["instances"] = 3;
  const BoundPlugin echo = bound(config);
  ASSERT_TRUE(runtime_.call(echo, "noop", "").ok());
  EXPECT_EQ(stats_of(echo).instances, 3u);
}

}  // namespace
}  // namespace wasmgate::plugins
