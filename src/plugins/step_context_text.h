// The step contexts of step_context.h written straight as JSON text, for the request path. Most of a context
// does not change per call: the route (70-80 % of its bytes), the slot's config and the global plugins.config
// are fixed for a state snapshot and rendered once per plan (RoutePlan::route_json, SlotPlan::config_json,
// RoutePlan::global_config_json), the RawRequest once per request. A call then only renders what changes
// (attrs, and the transformers' requests, responses and bodies) and concatenates. Building, serializing and
// freeing the object form per plugin cost ~5x a whole proxied request (bench/RESULTS.md, plugin_overhead).
//
// Every function writes byte for byte what boost::json::serialize writes for the matching object builder of
// step_context.h, keys in the same order (tests/unit/plugins/step_context_text_test.cpp holds them equal).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/step_context.h"

namespace wasmgate::plugins {

// What every step's context shares, each piece already JSON text (a complete value).
struct StepText {
  std::string_view snowflake;             // RequestFacts::snowflake as a JSON string (append_json_string)
  std::string_view request;               // raw_request_text(request): the RawRequest
  std::string_view route = "null";        // the route's JSON
  std::string_view config = "{}";         // the slot's config
  std::string_view global_config = "{}";  // the global config's plugins.config
  std::string_view attrs = "{}";          // the request's attrs as they are now
};

// `s` as a JSON string literal, escaped exactly as boost::json's serializer does (", \, control characters;
// other bytes as they are).
void append_json_string(std::string& out, std::string_view s);
// serialize(value) appended to `out`, without a serializer (the attrs are written per call).
void append_json(std::string& out, const boost::json::value& value);
void append_json(std::string& out, const boost::json::object& object);
// serialize(raw_request_json(request)).
std::string raw_request_text(const RequestFacts& request);
// serialize(body_bytes_json(bytes, empty_is_null)), without building the array.
void append_body_bytes(std::string& out, const std::optional<std::string>& bytes, bool empty_is_null = false);

// serialize(<step>_context(request, scope)) for the scope that `text` renders.
std::string route_matcher_context_text(const StepText& text);
std::string pre_route_context_text(const StepText& text);
std::string access_context_text(const StepText& text);
std::string request_transformer_context_text(const OutgoingRequest& raw, const OutgoingRequest& current,
                                             const std::optional<std::string>& body, const StepText& text);
std::string response_transformer_context_text(const IncomingResponse& raw, const IncomingResponse& current,
                                              const std::optional<std::string>& body, const StepText& text);
std::string backend_context_text(const OutgoingRequest& current, const model::Target& backend,
                                 const std::optional<std::string>& body, const StepText& text);

}  // namespace wasmgate::plugins
