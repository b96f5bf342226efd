#include "admin/detail/entity_documents.h"

#include <utility>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/json_patch.h"

namespace wasmgate::admin {

namespace json = boost::json;

std::string group_kind(const model::EntityType& type) {
  return fmt::format("{}/{}", type.group, type.kind);
}

json::object with_kind(json::object doc, std::string_view kind) {
  doc["kind"] = kind;
  return doc;
}

json::value without_kind(json::value body) {
  if (auto* obj = body.if_object()) {
    if (auto it = obj->find("kind"); it != obj->end() && it->value().is_string()) obj->erase(it);
  }
  return body;
}

Result<std::string> id_for_create(const model::EntityType& type, const json::value& body) {
  const json::object* obj = body.if_object();
  const json::value* id = obj != nullptr ? obj->if_contains("id") : nullptr;
  if (id == nullptr || id->is_null() || (id->is_string() && id->get_string().empty())) {
    return named_id(type.id_prefix);
  }
  if (!id->is_string()) {
    return make_error(Errc::BadRequest, fmt::format("id: must be a string (or absent to get a generated "
                                                    "'{}_<uuid>')",
                                                    type.id_prefix));
  }
  return std::string(id->get_string());
}

Result<json::object> prepare_document(const model::EntityType& type, json::value body, std::string_view id,
                                      Stamp stamp) {
  if (!body.is_object()) {
    return make_error(Errc::BadRequest, fmt::format("body: a {} must be a JSON object", type.kind));
  }
  body = without_kind(std::move(body));
  body.get_object()["id"] = id;
  auto normalized = type.normalize(body);
  if (!normalized) return normalized.take_error();
  const char* key = stamp == Stamp::CreatedAt ? "created_at" : "updated_at";
  json::object stamp_doc{{"metadata", json::object{{key, iso8601_utc(now_epoch_ms())}}}};
  json::value merged = deep_merge(json::value(std::move(*normalized)), stamp_doc);
  return std::move(merged.get_object());
}

Result<json::value> apply_patch_body(json::value current, const json::value& patch,
                                     std::string_view media_type) {
  if (media_type == "application/json-patch+json") {
    if (!patch.is_array()) {
      return make_error(Errc::BadRequest,
                        "body: Content-Type application/json-patch+json needs a JSON array of "
                        "operations ([{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"x\"}])");
    }
    return apply_json_patch(std::move(current), patch);
  }
  if (media_type == "application/merge-patch+json") return merge_patch(std::move(current), patch);
  if (patch.is_array()) return apply_json_patch(std::move(current), patch);
  if (patch.is_object()) return merge_patch(std::move(current), patch);
  return make_error(
      Errc::BadRequest,
      "body: a PATCH body must be a JSON Patch array (RFC 6902) or a merge-patch object (RFC 7386)");
}

Result<void> check_id_unchanged(const json::value& patched, std::string_view path_id) {
  const json::object* obj = patched.if_object();
  if (obj == nullptr) return make_error(Errc::BadRequest, "body: the patched document is not a JSON object");
  const json::value* id = obj->if_contains("id");
  if (id == nullptr) return {};
  if (id->is_string() && id->get_string() == path_id) return {};
  return make_error(
      Errc::BadRequest,
      fmt::format("id: cannot be changed by a patch (the entity is '{}'); create a new entity instead",
                  path_id));
}

}  // namespace wasmgate::admin
