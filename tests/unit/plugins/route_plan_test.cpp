#include "plugins/route_plan.h"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;

constexpr std::string_view kInline = R"({"source":{"kind":"Base64","path":"AGFzbQEAAAA=","opts":{}}})";

// A route slot of class `cls` (package otoroshi.next.plugins unless `cls` has a dot); `extra` is appended to
// the slot object, e.g. R"(,"enabled":false)".
model::PluginSlot slot(std::string_view cls, std::string_view extra = "", std::string_view config = kInline) {
  const std::string plugin = cls.find('.') == std::string_view::npos
                                 ? fmt::format("cp:otoroshi.next.plugins.{}", cls)
                                 : std::string(cls);
  const std::string text = fmt::format(R"({{"plugin":"{}","config":{}{}}})", plugin, config, extra);
  auto parsed = model::parse_plugin_slot(json::parse(text));
  if (!parsed) {
    ADD_FAILURE() << "bad test slot " << text << ": " << parsed.error().message;
    return {};
  }
  return *parsed;
}

model::RoutePtr route_with(std::vector<model::PluginSlot> slots, std::string id = "route_1") {
  auto route = std::make_shared<model::Route>();
  route->id = std::move(id);
  route->name = "a route";
  route->plugins = std::move(slots);
  return route;
}

RoutePlanPtr plan_of(std::vector<model::PluginSlot> slots, const PluginLookup& lookup = {}) {
  return build_route_plan(route_with(std::move(slots)), lookup);
}

std::vector<std::size_t> indexes(const std::vector<SlotPlan>& bucket) {
  std::vector<std::size_t> out;
  for (const auto& s : bucket) out.push_back(s.index);
  return out;
}

using Indexes = std::vector<std::size_t>;

// ---- buckets
// -------------------------------------------------------------------------------------------------

TEST(RoutePlan, SlotsAreBucketedByTheirStep) {
  auto plan = plan_of({slot("WasmRouteMatcher"), slot("WasmPreRoute"), slot("WasmAccessValidator"),
                       slot("WasmOPA"), slot("WasmRequestTransformer"), slot("WasmBackend"),
                       slot("WasmResponseTransformer"), slot("WasmWebsocketTransformer")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->matchers), Indexes{0});
  EXPECT_EQ(indexes(plan->pre_routes), Indexes{1});
  EXPECT_EQ(indexes(plan->access), (Indexes{2, 3}));  // WasmOPA validates access too
  EXPECT_EQ(indexes(plan->request_transformers), Indexes{4});
  EXPECT_EQ(indexes(plan->backends), Indexes{5});
  EXPECT_EQ(indexes(plan->response_transformers), Indexes{6});
  EXPECT_EQ(indexes(plan->websocket), Indexes{7});
  EXPECT_EQ(plan->access[0].kind, WasmPluginKind::AccessValidator);
  EXPECT_EQ(plan->access[1].kind, WasmPluginKind::Opa);
  EXPECT_EQ(plan->websocket[0].kind, WasmPluginKind::WebsocketTransformer);
}

TEST(RoutePlan, SlotPlanPointsAtTheRoutesOwnSlot) {
  auto route = route_with({slot("ApikeyCalls"), slot("WasmAccessValidator")});
  auto plan = build_route_plan(route, {});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->route, route);
  ASSERT_EQ(plan->access.size(), 1u);
  EXPECT_EQ(plan->access[0].slot, &route->plugins[1]);
}

TEST(RoutePlan, DisabledSlotsAreSkipped) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"enabled":false)"), slot("WasmAccessValidator"),
                       slot("WasmRequestTransformer", R"(,"enabled":false)")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->access), Indexes{1});
  EXPECT_TRUE(plan->request_transformers.empty());
}

TEST(RoutePlan, NonWasmSlotsAreSkippedButKeepTheirPosition) {
  auto plan =
      plan_of({slot("ApikeyCalls"), slot("com.example.CustomValidator"), slot("WasmAccessValidator")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->access), Indexes{2});
}

TEST(RoutePlan, GlobalOnlyClassesAreNotRouteSlots) {
  EXPECT_EQ(plan_of({slot("WasmRouter"), slot("WasmSink"), slot("WasmRequestHandler"), slot("WasmJob")}),
            nullptr);
}

TEST(RoutePlan, RouteWithoutWasmSlotsHasNoPlan) {
  EXPECT_EQ(plan_of({}), nullptr);
  EXPECT_EQ(plan_of({slot("ApikeyCalls"), slot("AdditionalHeadersIn")}), nullptr);
  EXPECT_EQ(plan_of({slot("WasmAccessValidator", R"(,"enabled":false)")}), nullptr);
}

TEST(RoutePlan, WebsocketOnlyRouteHasAPlan) {
  auto plan = plan_of({slot("WasmWebsocketTransformer")});
  ASSERT_NE(plan, nullptr);
  EXPECT_FALSE(plan->empty());
}

// ---- ordering
// ------------------------------------------------------------------------------------------------

TEST(RoutePlanOrder, WithoutPluginIndexSlotsRunInRouteOrder) {
  auto plan = plan_of({slot("WasmAccessValidator"), slot("WasmRequestTransformer"),
                       slot("WasmAccessValidator"), slot("WasmOPA")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->access), (Indexes{0, 2, 3}));
}

TEST(RoutePlanOrder, PluginIndexOfTheStepOrdersTheSlots) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":2})"),
                       slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":0})"),
                       slot("WasmOPA", R"(,"plugin_index":{"validate_access":1})")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->access), (Indexes{1, 2, 0}));
}

TEST(RoutePlanOrder, PluginIndexKeysOfEachStep) {
  auto plan = plan_of({
      slot("WasmRouteMatcher", R"(,"plugin_index":{"match_route":1})"),
      slot("WasmRouteMatcher", R"(,"plugin_index":{"match_route":0})"),
      slot("WasmPreRoute", R"(,"plugin_index":{"pre_route":1})"),
      slot("WasmPreRoute", R"(,"plugin_index":{"pre_route":0})"),
      slot("WasmRequestTransformer", R"(,"plugin_index":{"transform_request":1})"),
      slot("WasmRequestTransformer", R"(,"plugin_index":{"transform_request":0})"),
      slot("WasmResponseTransformer", R"(,"plugin_index":{"transform_response":1})"),
      slot("WasmResponseTransformer", R"(,"plugin_index":{"transform_response":0})"),
      slot("WasmBackend", R"(,"plugin_index":{"call_backend":1})"),
      slot("WasmBackend", R"(,"plugin_index":{"call_backend":0})"),
  });
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->matchers), (Indexes{1, 0}));
  EXPECT_EQ(indexes(plan->pre_routes), (Indexes{3, 2}));
  EXPECT_EQ(indexes(plan->request_transformers), (Indexes{5, 4}));
  EXPECT_EQ(indexes(plan->response_transformers), (Indexes{7, 6}));
  EXPECT_EQ(indexes(plan->backends), (Indexes{9, 8}));
}

TEST(RoutePlanOrder, PluginIndexOfAnotherStepIsIgnored) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"plugin_index":{"transform_request":5})"),
                       slot("WasmAccessValidator", R"(,"plugin_index":{"pre_route":0})")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->access), (Indexes{0, 1}));
}

TEST(RoutePlanOrder, EqualPluginIndexesKeepRouteOrder) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":1})"),
                       slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":1})"),
                       slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":1})")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->access), (Indexes{0, 1, 2}));
}

// Otoroshi (NgContextualPlugins): the slots with an index for the step, sorted by it, then those without one,
// in route order.
TEST(RoutePlanOrder, IndexedSlotsRunBeforeSlotsWithoutIndex) {
  auto plan = plan_of({slot("WasmAccessValidator"), slot("WasmAccessValidator"),
                       slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":5})"),
                       slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":0})")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->access), (Indexes{3, 2, 0, 1}));
}

// Otoroshi reads plugin_index values as doubles (PluginIndex: Option[Double]).
TEST(RoutePlanOrder, FractionalPluginIndexOrdersLikeANumber) {
  RoutePlanPtr plan;
  ASSERT_NO_THROW(plan = plan_of({slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":1.5})"),
                                  slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":1})"),
                                  slot("WasmAccessValidator", R"(,"plugin_index":{"validate_access":2})")}));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->access), (Indexes{1, 0, 2}));
}

// ---- include / exclude
// ---------------------------------------------------------------------------------------

// The plan's only access slot; an empty SlotPlan (and a failure) when there is not exactly one.
const SlotPlan& only_access(const RoutePlanPtr& plan) {
  static const SlotPlan kNone{};
  if (!plan || plan->access.size() != 1) {
    ADD_FAILURE() << "expected a plan with exactly one access slot";
    return kNone;
  }
  return plan->access[0];
}

TEST(SlotPlanAppliesTo, NoIncludeNorExcludeAppliesToEveryPath) {
  auto plan = plan_of({slot("WasmAccessValidator")});
  const SlotPlan& s = only_access(plan);
  for (std::string_view path : {"/", "/api", "/anything/at/all", ""}) EXPECT_TRUE(s.applies_to(path)) << path;
}

TEST(SlotPlanAppliesTo, IncludeMustMatchTheWholePath) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"include":["/api/.*"])")});
  const SlotPlan& s = only_access(plan);
  EXPECT_TRUE(s.applies_to("/api/users"));
  EXPECT_TRUE(s.applies_to("/api/"));
  EXPECT_FALSE(s.applies_to("/api"));
  EXPECT_FALSE(s.applies_to("/v1/api/users"));  // not a search: the pattern is anchored at both ends
  EXPECT_FALSE(s.applies_to("/other"));
}

TEST(SlotPlanAppliesTo, IncludeWithoutWildcardDoesNotMatchLongerPaths) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"include":["/api"])")});
  const SlotPlan& s = only_access(plan);
  EXPECT_TRUE(s.applies_to("/api"));
  EXPECT_FALSE(s.applies_to("/api/users"));
}

TEST(SlotPlanAppliesTo, AnyIncludeMatchIsEnough) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"include":["/a/.*","/b/.*"])")});
  const SlotPlan& s = only_access(plan);
  EXPECT_TRUE(s.applies_to("/a/1"));
  EXPECT_TRUE(s.applies_to("/b/2"));
  EXPECT_FALSE(s.applies_to("/c/3"));
}

TEST(SlotPlanAppliesTo, ExcludeAloneRemovesMatchingPaths) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"exclude":["/health","/admin/.*"])")});
  const SlotPlan& s = only_access(plan);
  EXPECT_FALSE(s.applies_to("/health"));
  EXPECT_FALSE(s.applies_to("/admin/users"));
  EXPECT_TRUE(s.applies_to("/health/deep"));  // full match: "/health" does not cover it
  EXPECT_TRUE(s.applies_to("/api"));
}

TEST(SlotPlanAppliesTo, ExcludeWinsOverInclude) {
  auto plan =
      plan_of({slot("WasmAccessValidator", R"(,"include":["/api/.*"],"exclude":["/api/private/.*"])")});
  const SlotPlan& s = only_access(plan);
  EXPECT_TRUE(s.applies_to("/api/public/1"));
  EXPECT_FALSE(s.applies_to("/api/private/1"));
  EXPECT_FALSE(s.applies_to("/other"));
}

TEST(SlotPlanBinding, InvalidIncludePatternIsTheSlotsBindingErrorNamingTheField) {
  auto plan = plan_of(
      {slot("ApikeyCalls"), slot("WasmAccessValidator", R"(,"include":["/ok/.*","/api/(unclosed"])")});
  const SlotPlan& s = only_access(plan);
  ASSERT_FALSE(s.binding.ok());
  EXPECT_EQ(s.binding.error().code, Errc::BadRequest);
  const std::string& message = s.binding.error().message;
  EXPECT_NE(message.find("route_1 plugins[1]"), std::string::npos) << message;
  EXPECT_NE(message.find("include[1]"), std::string::npos) << message;
  EXPECT_NE(message.find("/api/(unclosed"), std::string::npos) << message;
}

TEST(SlotPlanBinding, InvalidExcludePatternIsTheSlotsBindingErrorNamingTheField) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"exclude":["*bad"])")});
  const SlotPlan& s = only_access(plan);
  ASSERT_FALSE(s.binding.ok());
  EXPECT_EQ(s.binding.error().code, Errc::BadRequest);
  EXPECT_NE(s.binding.error().message.find("exclude[0]"), std::string::npos) << s.binding.error().message;
}

TEST(SlotPlanBinding, InvalidPatternDoesNotAffectOtherSlots) {
  auto plan = plan_of({slot("WasmAccessValidator", R"(,"include":["("])"), slot("WasmAccessValidator")});
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->access.size(), 2u);
  EXPECT_FALSE(plan->access[0].binding.ok());
  EXPECT_TRUE(plan->access[1].binding.ok()) << plan->access[1].binding.error().message;
}

// ---- binding
// -------------------------------------------------------------------------------------------------

TEST(SlotPlanBinding, InlineSlotIsBoundUnderTheRouteAndPosition) {
  auto plan = plan_of({slot("ApikeyCalls"), slot("WasmRequestTransformer")});
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->request_transformers.size(), 1u);
  const auto& binding = plan->request_transformers[0].binding;
  ASSERT_TRUE(binding.ok()) << binding.error().message;
  EXPECT_EQ(binding->plugin_id, "route_1/plugins[1]");
  EXPECT_EQ(binding->function, "transform_request");
}

TEST(SlotPlanBinding, LocalSlotIsBoundToTheEntity) {
  model::WasmPlugin entity;
  entity.id = "wasm-plugin_1";
  entity.config = *model::parse_wasm_config(json::parse(R"({"source":{"kind":"Base64","path":"AGFz"},
                                                             "functionName":"execute"})"));
  PluginLookup lookup = [&](std::string_view id) { return id == entity.id ? &entity : nullptr; };
  auto plan = plan_of(
      {slot("WasmAccessValidator", "", R"({"source":{"kind":"Local","path":"wasm-plugin_1","opts":{}}})"),
       slot("WasmAccessValidator", "", R"({"source":{"kind":"Local","path":"gone","opts":{}}})")},
      lookup);
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->access.size(), 2u);
  ASSERT_TRUE(plan->access[0].binding.ok()) << plan->access[0].binding.error().message;
  EXPECT_EQ(plan->access[0].binding->plugin_id, "wasm-plugin_1");
  EXPECT_EQ(plan->access[0].binding->function, "execute");
  ASSERT_FALSE(plan->access[1].binding.ok());  // kept in the plan: answered with a 500 when reached
  EXPECT_EQ(plan->access[1].binding.error().code, Errc::NotFound);
  EXPECT_EQ(plan->access[1].binding.error().message, "plugin not found: gone");
}

TEST(SlotPlanBinding, BadConfigIsTheSlotsBindingErrorNamingTheField) {
  auto plan = plan_of(
      {slot("WasmAccessValidator", "", R"({"source":{"kind":"Base64","path":"x"},"memoryPages":"many"})")});
  const SlotPlan& s = only_access(plan);
  ASSERT_FALSE(s.binding.ok());
  EXPECT_EQ(s.binding.error().code, Errc::BadRequest);
  EXPECT_NE(s.binding.error().message.find("route_1 plugins[0]"), std::string::npos)
      << s.binding.error().message;
  EXPECT_NE(s.binding.error().message.find("config.memoryPages"), std::string::npos)
      << s.binding.error().message;
}

// ---- buffering
// -----------------------------------------------------------------------------------------------

TEST(RoutePlanBuffering, RequestTransformerOrBackendBuffersTheRequest) {
  auto transformer = plan_of({slot("WasmRequestTransformer")});
  auto backend = plan_of({slot("WasmBackend")});
  ASSERT_TRUE(transformer && backend);
  EXPECT_TRUE(transformer->buffers_request());
  EXPECT_TRUE(backend->buffers_request());
  EXPECT_FALSE(transformer->buffers_response());
  EXPECT_FALSE(backend->buffers_response());
}

TEST(RoutePlanBuffering, ResponseTransformerBuffersTheResponseOnly) {
  auto plan = plan_of({slot("WasmResponseTransformer")});
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(plan->buffers_response());
  EXPECT_FALSE(plan->buffers_request());
}

TEST(RoutePlanBuffering, HttpWasmSlotsBufferBothWaysInTheirOwnBucket) {
  auto plan = plan_of({slot("WasmAccessValidator"), slot("NgHttpWasm"), slot("NgHttpWasm")});
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(indexes(plan->http_wasm), (Indexes{1, 2}));
  EXPECT_EQ(plan->http_wasm[0].kind, WasmPluginKind::HttpWasm);
  EXPECT_TRUE(plan->request_transformers.empty());
  EXPECT_TRUE(plan->buffers_request());
  EXPECT_TRUE(plan->buffers_response());
  EXPECT_FALSE(plan_of({slot("NgHttpWasm")})->empty());
}

TEST(RoutePlanBuffering, OtherStepsBufferNothing) {
  auto plan = plan_of({slot("WasmRouteMatcher"), slot("WasmPreRoute"), slot("WasmAccessValidator"),
                       slot("WasmOPA"), slot("WasmWebsocketTransformer")});
  ASSERT_NE(plan, nullptr);
  EXPECT_FALSE(plan->buffers_request());
  EXPECT_FALSE(plan->buffers_response());
}

TEST(RoutePlanBuffering, DisabledTransformerBuffersNothing) {
  auto plan = plan_of({slot("WasmAccessValidator"), slot("WasmRequestTransformer", R"(,"enabled":false)"),
                       slot("WasmResponseTransformer", R"(,"enabled":false)")});
  ASSERT_NE(plan, nullptr);
  EXPECT_FALSE(plan->buffers_request());
  EXPECT_FALSE(plan->buffers_response());
}

}  // namespace
}  // namespace wasmgate::plugins
