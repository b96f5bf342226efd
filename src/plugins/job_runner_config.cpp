// Reading a WasmJob slot config (job_runner.h, spec otoroshi-wasm.md §9).
#include "plugins/job_runner.h"

#include <fmt/format.h>

#include <boost/json/value.hpp>

namespace wasmgate::plugins {

namespace {

namespace json = boost::json;

// Otoroshi's default (the first JobInstantiation value).
constexpr std::string_view kDefaultInstantiation = "OneInstancePerOtoroshiInstance";

Error key_error(std::string_view path, std::string_view key, std::string_view reason) {
  return make_error(Errc::BadRequest, fmt::format("{}.{}: {}", path, key, reason));
}

}  // namespace

Result<WasmJobConfig> parse_wasm_job_config(const json::object& config, std::string_view path) {
  // Otoroshi reads unique_id with asString: a number is as wrong there as here.
  const json::value* unique_id = config.if_contains("unique_id");
  if (unique_id == nullptr || !unique_id->is_string() || unique_id->get_string().empty()) {
    return key_error(path, "unique_id", "required non-empty string");
  }

  const json::value* wasm_json = config.if_contains("config");
  auto wasm = wasm_json == nullptr || wasm_json->is_null()
                  ? model::parse_wasm_config(json::value(model::default_wasm_config_json()))
                  : model::parse_wasm_config_at(*wasm_json, fmt::format("{}.config", path));
  if (!wasm) return wasm.take_error();

  auto schedule = core::JobSchedule::from_json(config);
  if (!schedule) {
    // JobSchedule's messages start with the key ("interval: ..."): put the slot's path before it.
    return make_error(Errc::BadRequest, fmt::format("{}.{}", path, schedule.error().message));
  }

  std::string instantiation(kDefaultInstantiation);
  if (const json::value* v = config.if_contains("instantiation"); v != nullptr && v->is_string()) {
    instantiation = std::string(v->get_string());
  }
  return WasmJobConfig{std::string(unique_id->get_string()), std::move(*wasm), std::move(*schedule),
                       std::move(instantiation)};
}

}  // namespace wasmgate::plugins
