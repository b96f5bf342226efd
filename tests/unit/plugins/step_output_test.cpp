#include "plugins/step_output.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace wasmgate::plugins {
namespace {

namespace json = boost::json;

json::object out(std::string_view text) {
  return json::parse(text).as_object();
}

std::vector<std::string> values_of(const HeaderList& headers, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) values.push_back(v);
  }
  return values;
}

// ---- BodyHelper
// ------------------------------------------------------------------------------------------------

TEST(ExtractBody, NoneWhenNoBodyField) {
  EXPECT_FALSE(extract_body(out(R"({"status":200})")).has_value());
}

TEST(ExtractBody, BodyStrWinsOverEverything) {
  EXPECT_EQ(extract_body(out(
                R"({"body_str":"s","body":"b","body_json":{"a":1},"body_base64":"Zg==","body_bytes":[65]})")),
            "s");
}

TEST(ExtractBody, BodyIsReadWhenBodyStrIsAbsentOrNotAString) {
  EXPECT_EQ(extract_body(out(R"({"body":"b","body_json":{"a":1}})")), "b");
  EXPECT_EQ(extract_body(out(R"({"body_str":12,"body":"b"})")), "b");
}

TEST(ExtractBody, BlankStringsAreIgnored) {
  EXPECT_EQ(extract_body(out(R"({"body_str":"  \n\t","body_json":[1,2]})")), "[1,2]");
  EXPECT_EQ(extract_body(out(R"({"body":"","body_base64":"Zm9v"})")), "foo");
  // body_str present but blank: `body` is not consulted (it is only the fallback for an absent body_str).
  EXPECT_EQ(extract_body(out(R"({"body_str":" ","body":"b"})")), std::nullopt);
  EXPECT_EQ(extract_body(out(R"({"body_base64":"   ","body_bytes":[104,105]})")), "hi");
}

TEST(ExtractBody, BodyJsonIsCompactAndNullIsSkipped) {
  EXPECT_EQ(extract_body(out(R"({"body_json": { "foo" : "bar", "n" : [1, 2] }})")),
            R"({"foo":"bar","n":[1,2]})");
  EXPECT_EQ(extract_body(out(R"({"body_json":"text"})")), "\"text\"");
  EXPECT_EQ(extract_body(out(R"({"body_json":false})")), "false");
  EXPECT_EQ(extract_body(out(R"({"body_json":null,"body_base64":"Zm9v"})")), "foo");
}

TEST(ExtractBody, Base64WinsOverBytesAndInvalidBase64FallsThrough) {
  EXPECT_EQ(extract_body(out(R"({"body_base64":"AP8=","body_bytes":[65]})")), std::string("\x00\xFF", 2));
  EXPECT_EQ(extract_body(out(R"({"body_base64":"not base64!","body_bytes":[65]})")), "A");
  EXPECT_EQ(extract_body(out(R"({"body_base64":12})")), std::nullopt);
}

TEST(ExtractBody, SignedBytesRoundTrip) {
  EXPECT_EQ(extract_body(out(R"({"body_bytes":[0,1,127,-128,-2,-1]})")),
            std::string("\x00\x01\x7F\x80\xFE\xFF", 6));
  // Unsigned 128..255 are read as the same bytes.
  EXPECT_EQ(extract_body(out(R"({"body_bytes":[128,255,65.0]})")), std::string("\x80\xFF"
                                                                               "A",
                                                                               3));
}

TEST(ExtractBody, BadOrEmptyByteArraysAreIgnored) {
  EXPECT_EQ(extract_body(out(R"({"body_bytes":[]})")), std::nullopt);
  EXPECT_EQ(extract_body(out(R"({"body_bytes":[1,256]})")), std::nullopt);
  EXPECT_EQ(extract_body(out(R"({"body_bytes":[-129]})")), std::nullopt);
  EXPECT_EQ(extract_body(out(R"({"body_bytes":[1.5]})")), std::nullopt);
  EXPECT_EQ(extract_body(out(R"({"body_bytes":["a"]})")), std::nullopt);
  EXPECT_EQ(extract_body(out(R"({"body_bytes":"AAA"})")), std::nullopt);
}

// ---- AttrsHelper
// ---------------------------------------------------------------------------------------------------

json::object sample_attrs() {
  return json::object{{"otoroshi.core.SnowFlake", "1"},
                      {"otoroshi.core.ElCtx", json::object{{"a", "b"}}},
                      {"otoroshi.plugins.ExtraAnalyticsData", json::object{{"x", 1}}}};
}

TEST(AttrsUpdate, NoAttrsFieldChangesNothing) {
  json::object attrs = sample_attrs();
  apply_attrs_update(out(R"({"result":true})"), attrs);
  apply_attrs_update(out(R"({"attrs":"nope"})"), attrs);
  EXPECT_EQ(attrs, sample_attrs());
}

TEST(AttrsUpdate, ClearEmptiesAndIgnoresSetAndDel) {
  json::object attrs = sample_attrs();
  apply_attrs_update(out(R"({"attrs":{"clear":true,"set":{"otoroshi.core.ElCtx":{"k":"v"}},"del":["x"]}})"),
                     attrs);
  EXPECT_TRUE(attrs.empty());
}

TEST(AttrsUpdate, ClearFalseOrNotABooleanDoesNotClear) {
  json::object attrs = sample_attrs();
  apply_attrs_update(out(R"({"attrs":{"clear":false}})"), attrs);
  apply_attrs_update(out(R"({"attrs":{"clear":"true"}})"), attrs);
  EXPECT_EQ(attrs, sample_attrs());
}

TEST(AttrsUpdate, DelRemovesEveryKeyContainingTheString) {
  json::object attrs = sample_attrs();
  apply_attrs_update(out(R"({"attrs":{"del":["core.", 42]}})"), attrs);
  EXPECT_EQ(attrs, (json::object{{"otoroshi.plugins.ExtraAnalyticsData", json::object{{"x", 1}}}}));
}

TEST(AttrsUpdate, SetStoresAllowedKeysOnly) {
  json::object attrs = sample_attrs();
  apply_attrs_update(out(R"({"attrs":{"set":{
      "otoroshi.next.core.ResponseAddHeaders": {"X-Added": "yes"},
      "otoroshi.plugins.ExtraAnalyticsData": [1, 2],
      "otoroshi.core.GatewayEventExtraInfos": "anything",
      "otoroshi.core.PreExtractedRequestTargets": [{"hostname": "h", "port": 80}],
      "otoroshi.core.ApiKey": {"clientId": "c"},
      "otoroshi.core.SnowFlake": "forged",
      "my.own.key": 1
  }}})"),
                     attrs);
  EXPECT_EQ(attrs.at("otoroshi.next.core.ResponseAddHeaders"), (json::object{{"X-Added", "yes"}}));
  EXPECT_EQ(attrs.at("otoroshi.plugins.ExtraAnalyticsData"), (json::array{1, 2}));
  EXPECT_EQ(attrs.at("otoroshi.core.GatewayEventExtraInfos"), "anything");
  EXPECT_EQ(attrs.at("otoroshi.core.PreExtractedRequestTargets").as_array().size(), 1u);
  EXPECT_EQ(attrs.at("otoroshi.core.ApiKey").at("clientId"), "c");
  EXPECT_EQ(attrs.at("otoroshi.core.SnowFlake"), "1");  // not settable
  EXPECT_EQ(attrs.if_contains("my.own.key"), nullptr);
}

TEST(AttrsUpdate, SetIgnoresValuesOfTheWrongShape) {
  json::object attrs;
  apply_attrs_update(out(R"({"attrs":{"set":{
      "otoroshi.next.core.ResponseAddHeaders": {"X-N": 1},
      "otoroshi.core.ElCtx": "flat",
      "otoroshi.core.UserKey": [],
      "otoroshi.core.PreExtractedRequestTargets": {},
      "otoroshi.next.core.JwtInjection": {"additionalHeaders": {}}
  }}})"),
                     attrs);
  EXPECT_EQ(attrs, (json::object{{"otoroshi.next.core.JwtInjection",
                                  json::object{{"additionalHeaders", json::object{}}}}}));
}

TEST(AttrsUpdate, DelRunsBeforeSet) {
  json::object attrs = sample_attrs();
  apply_attrs_update(out(R"({"attrs":{"del":["ElCtx"],"set":{"otoroshi.core.ElCtx":{"k":"v"}}}})"), attrs);
  EXPECT_EQ(attrs.at("otoroshi.core.ElCtx"), (json::object{{"k", "v"}}));
}

TEST(ResponseAddHeaders, ReadsTheAttrAsHeaders) {
  json::object attrs;
  EXPECT_TRUE(response_add_headers(attrs).empty());
  apply_attrs_update(out(R"({"attrs":{"set":{"otoroshi.next.core.ResponseAddHeaders":
      {"X-One":"1","X-Two":"2","Bad Name":"x","X-Inject":"a\r\nb"}}}})"),
                     attrs);
  EXPECT_EQ(response_add_headers(attrs), (HeaderList{{"X-One", "1"}, {"X-Two", "2"}}));
}

// ---- parse_output, call_error_json
// ------------------------------------------------------------------------------

TEST(ParseOutput, ObjectParses) {
  Result<json::object> r = parse_output(R"( {"result": true} )");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("result"), true);
}

TEST(ParseOutput, NonJsonAndNonObjectsAreErrors) {
  for (std::string_view bad : {"", "not json", "{\"a\":", "[1,2]", "true", "\"s\""}) {
    Result<json::object> r = parse_output(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::Internal);
    EXPECT_FALSE(r.error().message.empty());
  }
}

// The fast path must agree with parse_output + access_decision / route_matches on every input it accepts, and
// leave everything else (other keys, attrs, false, trailing junk) to the full parse.
TEST(IsBareTrueResult, OnlyTheExactObject) {
  for (std::string_view yes :
       {R"({"result":true})", R"( { "result" : true } )", "{\n\t\"result\":\r\ntrue}\n"}) {
    EXPECT_TRUE(is_bare_true_result(yes)) << yes;
    EXPECT_TRUE(access_decision(out(yes)).allowed) << yes;
    EXPECT_TRUE(route_matches(out(yes))) << yes;
  }
  for (std::string_view no :
       {"", "{}", R"({"result":false})", R"({"result":"true"})", R"({"result":true,"attrs":{"clear":true}})",
        R"({"attrs":{},"result":true})", R"({"result":true}x)", R"({"result":true)", R"({"result":truex})",
        R"({"Result":true})", R"([{"result":true}])", R"({"result":true}{})"}) {
    EXPECT_FALSE(is_bare_true_result(no)) << no;
  }
}

TEST(CallErrorJson, WrapsTheMessage) {
  EXPECT_EQ(call_error_json("boom \"x\""), R"({"error":"boom \"x\""})");
}

// ---- MatchRoute
// ------------------------------------------------------------------------------------------------------

TEST(RouteMatches, OnlyTrueResultMatches) {
  EXPECT_TRUE(route_matches(out(R"({"result":true})")));
  EXPECT_FALSE(route_matches(out(R"({"result":false})")));
  EXPECT_FALSE(route_matches(out(R"({})")));
  EXPECT_FALSE(route_matches(out(R"({"result":"true"})")));
}

// ---- PreRoute
// --------------------------------------------------------------------------------------------------------

TEST(PreRouteDecision, ErrorFalseOrAbsentGoesOn) {
  EXPECT_FALSE(pre_route_decision(out(R"({})")).has_value());
  EXPECT_FALSE(pre_route_decision(out(R"({"error":false,"status":401})")).has_value());
  EXPECT_FALSE(pre_route_decision(out(R"({"error":"yes"})")).has_value());
}

TEST(PreRouteDecision, ErrorDefaultsToStatus200JsonAndEmptyBody) {
  std::optional<PluginResponse> r = pre_route_decision(out(R"({"error":true})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);  // [quirk]
  EXPECT_EQ(r->headers, (HeaderList{{"Content-Type", "application/json"}}));
  EXPECT_EQ(r->body, "");
}

TEST(PreRouteDecision, ErrorUsesStatusHeadersAndBody) {
  std::optional<PluginResponse> r = pre_route_decision(out(
      R"({"error":true,"status":401,"headers":{"content-type":"text/plain","X-Why":"no"},"body_str":"you're not authorized"})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(values_of(r->headers, "Content-Type"), (std::vector<std::string>{"text/plain"}));
  EXPECT_EQ(values_of(r->headers, "X-Why"), (std::vector<std::string>{"no"}));
  EXPECT_EQ(r->headers.size(), 2u);
  EXPECT_EQ(r->body, "you're not authorized");
}

TEST(PreRouteDecision, HeadersWithoutContentTypeGetJson) {
  std::optional<PluginResponse> r =
      pre_route_decision(out(R"({"error":true,"headers":{"X-A":"1"},"body_json":{"a":1}})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(values_of(r->headers, "Content-Type"), (std::vector<std::string>{"application/json"}));
  EXPECT_EQ(r->body, R"({"a":1})");
}

TEST(PreRouteDecision, InvalidStatusAndHeadersTakeDefaults) {
  std::optional<PluginResponse> r =
      pre_route_decision(out(R"({"error":true,"status":"401","headers":{"X-A":1}})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers, (HeaderList{{"Content-Type", "application/json"}}));
  EXPECT_EQ(pre_route_decision(out(R"({"error":true,"status":42})"))->status, 200);
  EXPECT_EQ(pre_route_decision(out(R"({"error":true,"status":401.0})"))->status, 401);
}

TEST(PreRouteDecision, HeaderInjectionIsDropped) {
  std::optional<PluginResponse> r = pre_route_decision(
      out(R"({"error":true,"headers":{"X-Ok":"1","X-Bad":"a\r\nSet-Cookie: x=1","Bad:Name":"v"}})"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(values_of(r->headers, "X-Ok"), (std::vector<std::string>{"1"}));
  EXPECT_TRUE(values_of(r->headers, "X-Bad").empty());
  EXPECT_TRUE(values_of(r->headers, "Set-Cookie").empty());
  EXPECT_EQ(r->headers.size(), 2u);  // X-Ok + Content-Type
}

// ---- ValidateAccess
// ----------------------------------------------------------------------------------------------

TEST(AccessDecision, ResultTrueAllows) {
  EXPECT_TRUE(access_decision(out(R"({"result":true})")).allowed);
}

TEST(AccessDecision, DeniedDefaults) {
  for (std::string_view text : {R"({})", R"({"result":false})", R"({"result":false,"error":"text"})"}) {
    const AccessDecision d = access_decision(out(text));
    EXPECT_FALSE(d.allowed) << text;
    EXPECT_EQ(d.status, 403) << text;
    EXPECT_EQ(d.message, "An error occurred") << text;
  }
}

TEST(AccessDecision, DeniedWithPluginStatusAndMessage) {
  const AccessDecision d =
      access_decision(out(R"({"result":false,"error":{"status":401,"message":"nope"}})"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.message, "nope");
}

// ---- TransformRequest
// -------------------------------------------------------------------------------------------

TEST(RequestTransform, EmptyOutputKeepsEverything) {
  const RequestTransform t = request_transform(out(R"({})"));
  EXPECT_FALSE(t.respond.has_value());
  EXPECT_FALSE(t.method.has_value());
  EXPECT_FALSE(t.url.has_value());
  EXPECT_FALSE(t.headers.has_value());
  EXPECT_FALSE(t.set_cookies.has_value());
  EXPECT_FALSE(t.body.has_value());
}

TEST(RequestTransform, ReadsMethodUrlHeadersBody) {
  const RequestTransform t = request_transform(out(R"({
      "method":"POST","url":"https://other/x?y=1",
      "headers":{"OTOROSHI_WASM_PLUGIN_ID":"OTOROSHI_WASM_REQUEST_TRANSFORMER","Content-Type":"application/json"},
      "body_json":{"foo":"bar"}})"));
  EXPECT_FALSE(t.respond.has_value());
  EXPECT_EQ(t.method, "POST");
  EXPECT_EQ(t.url, "https://other/x?y=1");
  ASSERT_TRUE(t.headers.has_value());
  EXPECT_EQ(*t.headers, (HeaderList{{"OTOROSHI_WASM_PLUGIN_ID", "OTOROSHI_WASM_REQUEST_TRANSFORMER"},
                                    {"Content-Type", "application/json"}}));
  EXPECT_EQ(t.body, R"({"foo":"bar"})");
}

TEST(RequestTransform, BlankMethodAndUrlAreIgnored) {
  const RequestTransform t = request_transform(out(R"({"method":" ","url":"","headers":{}})"));
  EXPECT_FALSE(t.method.has_value());
  EXPECT_FALSE(t.url.has_value());
  ASSERT_TRUE(t.headers.has_value());
  EXPECT_TRUE(t.headers->empty());  // present and empty: every header removed
}

TEST(RequestTransform, CookiesBecomeOneCookieHeader) {
  const RequestTransform t = request_transform(out(R"({"cookies":[
      {"name":"a","value":"1","maxAge":10,"path":"/p","domain":"d","secure":true,"httpOnly":true},
      {"name":"b","value":"2"},
      {"name":"no-value"},
      {"name":"bad;name","value":"x"}]})"));
  ASSERT_TRUE(t.set_cookies.has_value());
  EXPECT_EQ(*t.set_cookies, (HeaderList{{"Cookie", "a=1; b=2"}}));
  const RequestTransform none = request_transform(out(R"({"cookies":[]})"));
  ASSERT_TRUE(none.set_cookies.has_value());
  EXPECT_TRUE(none.set_cookies->empty());
}

TEST(RequestTransform, ErrorRespondsWithDefaults500AndOctetStream) {
  const RequestTransform t = request_transform(out(R"({"error":true})"));
  ASSERT_TRUE(t.respond.has_value());
  EXPECT_EQ(t.respond->status, 500);
  EXPECT_EQ(t.respond->headers, (HeaderList{{"Content-Type", "application/octet-stream"}}));
  EXPECT_EQ(t.respond->body, "");
  EXPECT_FALSE(t.body.has_value());
}

TEST(RequestTransform, ErrorRespondsWithStatusHeadersCookiesBody) {
  const RequestTransform t = request_transform(out(R"({"error":true,"status":418,
      "headers":{"Content-Type":"text/plain","X-A":"1"},
      "cookies":[{"name":"sid","value":"v","maxAge":60,"domain":"example.com","secure":true,"httpOnly":true,"sameSite":"lax"},
                 {"name":"p","value":"q","path":"/app"}],
      "body_base64":"dGVhcG90"})"));
  ASSERT_TRUE(t.respond.has_value());
  const PluginResponse& r = *t.respond;
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(values_of(r.headers, "Content-Type"), (std::vector<std::string>{"text/plain"}));
  EXPECT_EQ(values_of(r.headers, "X-A"), (std::vector<std::string>{"1"}));
  EXPECT_EQ(values_of(r.headers, "Set-Cookie"),
            (std::vector<std::string>{
                "sid=v; Max-Age=60; Path=/; Domain=example.com; Secure; HTTPOnly; SameSite=Lax",
                "p=q; Path=/app"}));
  EXPECT_EQ(r.body, "teapot");
}

// ---- TransformResponse
// --------------------------------------------------------------------------------------------

TEST(ResponseTransform, StatusDefaultsTo200NotTheBackendStatus) {
  const ResponseTransform t = response_transform(out(R"({"headers":{"X":"1"}})"));
  EXPECT_FALSE(t.respond.has_value());
  EXPECT_EQ(t.status, 200);  // [quirk]
  ASSERT_TRUE(t.headers.has_value());
  EXPECT_EQ(*t.headers, (HeaderList{{"X", "1"}}));
  EXPECT_FALSE(t.set_cookies.has_value());
  EXPECT_FALSE(t.body.has_value());
}

TEST(ResponseTransform, ReadsStatusCookiesBody) {
  const ResponseTransform t = response_transform(out(R"({"status":201,
      "headers":{"OTOROSHI_WASM_PLUGIN_ID":"OTOROSHI_WASM_RESPONSE_TRANSFORMER"},
      "cookies":[{"name":"c","value":"d","maxAge":-3}],
      "body":"{\"foo\":\"bar\"}"})"));
  EXPECT_EQ(t.status, 201);
  ASSERT_TRUE(t.set_cookies.has_value());
  EXPECT_EQ(*t.set_cookies, (HeaderList{{"Set-Cookie", "c=d; Max-Age=0; Path=/"}}));
  EXPECT_EQ(t.body, R"({"foo":"bar"})");
}

TEST(ResponseTransform, ErrorRespondsLikeTheRequestTransformer) {
  const ResponseTransform t = response_transform(out(R"({"error":true,"status":502,"body_str":"bad"})"));
  ASSERT_TRUE(t.respond.has_value());
  EXPECT_EQ(t.respond->status, 502);
  EXPECT_EQ(t.respond->headers, (HeaderList{{"Content-Type", "application/octet-stream"}}));
  EXPECT_EQ(t.respond->body, "bad");
}

// ---- CallBackend
// --------------------------------------------------------------------------------------------------

TEST(BackendDecision, DelegatesCall) {
  EXPECT_TRUE(backend_decision(out(R"({"delegates_call":true,"status":500})")).delegate);
  EXPECT_FALSE(backend_decision(out(R"({"delegates_call":false})")).delegate);
}

TEST(BackendDecision, EmptyOutputIs200JsonEmpty) {
  const BackendDecision d = backend_decision(out(R"({})"));
  EXPECT_FALSE(d.delegate);
  EXPECT_EQ(d.response.status, 200);
  EXPECT_EQ(d.response.headers, (HeaderList{{"Content-Type", "application/json"}, {"Content-Length", "0"}}));
  EXPECT_EQ(d.response.body, "");
}

TEST(BackendDecision, UsesStatusHeadersBodyAndComputesContentLength) {
  const BackendDecision d = backend_decision(out(
      R"({"status":202,"headers":{"foo":"bar","Content-Type":"application/json","Content-Length":"999"},"body":"{\"foo\": \"bar\"}"})"));
  EXPECT_EQ(d.response.status, 202);
  EXPECT_EQ(d.response.body, R"({"foo": "bar"})");
  EXPECT_EQ(values_of(d.response.headers, "foo"), (std::vector<std::string>{"bar"}));
  EXPECT_EQ(values_of(d.response.headers, "Content-Length"), (std::vector<std::string>{"14"}));
}

TEST(BackendDecision, TransferEncodingMeansNoContentLength) {
  const BackendDecision d =
      backend_decision(out(R"({"headers":{"Transfer-Encoding":"chunked"},"body_str":"abc"})"));
  EXPECT_TRUE(values_of(d.response.headers, "Content-Length").empty());
  EXPECT_EQ(d.response.body, "abc");
}

}  // namespace
}  // namespace wasmgate::plugins
