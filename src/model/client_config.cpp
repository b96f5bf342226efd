// route.backend.client (Otoroshi's NgClientConfig): retries and timeouts towards the targets.
#include "model/route.h"

#include "model/detail/readers.h"

namespace wasmgate::model::detail {

namespace json = boost::json;

namespace {

CustomTimeouts read_custom_timeouts(const json::value& v, std::string_view path, json::object& out) {
  ObjectFields fields(as_object(v, path), std::string(path));
  CustomTimeouts t;
  // NgCustomTimeouts reads an absent or blank path as "*" (its case-class default "/*" is never read).
  t.path = fields.string_or("path", "*");
  if (t.path.find_first_not_of(" \t") == std::string::npos) {
    t.path = "*";
    fields.put("path", "*");
  }
  t.call_timeout_ms = fields.integer("call_timeout", t.call_timeout_ms);
  t.call_and_stream_timeout_ms = fields.integer("call_and_stream_timeout", t.call_and_stream_timeout_ms);
  t.connection_timeout_ms = fields.integer("connection_timeout", t.connection_timeout_ms);
  t.idle_timeout_ms = fields.integer("idle_timeout", t.idle_timeout_ms);
  t.global_timeout_ms = fields.integer("global_timeout", t.global_timeout_ms);
  out = std::move(fields).finish();
  return t;
}

}  // namespace

ClientConfig read_client_config(const json::value* v, std::string_view path, json::object& out) {
  ObjectFields fields(object_or_empty(v, path), std::string(path));
  ClientConfig c;
  // Keys in the order NgClientConfig writes them.
  c.retries = static_cast<int>(fields.integer("retries", c.retries, 0, kInt32Max));
  c.max_errors = static_cast<int>(fields.integer("max_errors", c.max_errors, 0, kInt32Max));
  c.retry_initial_delay_ms = fields.integer("retry_initial_delay", c.retry_initial_delay_ms);
  c.backoff_factor = fields.integer("backoff_factor", c.backoff_factor);
  c.call_timeout_ms = fields.integer("call_timeout", c.call_timeout_ms);
  c.call_and_stream_timeout_ms = fields.integer("call_and_stream_timeout", c.call_and_stream_timeout_ms);
  c.connection_timeout_ms = fields.integer("connection_timeout", c.connection_timeout_ms);
  c.idle_timeout_ms = fields.integer("idle_timeout", c.idle_timeout_ms);
  c.global_timeout_ms = fields.integer("global_timeout", c.global_timeout_ms);
  c.sample_interval_ms = fields.integer("sample_interval", c.sample_interval_ms);
  fields.any_object("proxy");  // WSProxyServer settings, kept as stored ({} = none)

  json::array timeouts;
  if (fields.has("custom_timeouts")) {
    const std::string tpath = fields.path_of("custom_timeouts");
    const json::array& in = as_array(*fields.find("custom_timeouts"), tpath);
    for (std::size_t i = 0; i < in.size(); ++i) {
      json::object t;
      c.custom_timeouts.push_back(read_custom_timeouts(in[i], index_path(tpath, i), t));
      timeouts.emplace_back(std::move(t));
    }
  }
  fields.put("custom_timeouts", std::move(timeouts));

  const std::string cpath = fields.path_of("cache_connection_settings");
  ObjectFields cache(object_or_empty(fields.find("cache_connection_settings"), cpath), cpath);
  cache.boolean("enabled", false);
  cache.integer("queue_size", 2048, 0, kInt32Max);
  fields.put("cache_connection_settings", std::move(cache).finish());

  out = std::move(fields).finish();
  return c;
}

}  // namespace wasmgate::model::detail
