// Turning request bodies into entity documents fit for the store: the rules the single-entity endpoints and
// _bulk share (id choice, Otoroshi's metadata stamps, patch flavours, the `kind` Otoroshi adds to answers).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "model/entity_types.h"

namespace wasmgate::admin {

// Otoroshi stamps `metadata.created_at` when an entity is created through the generic API and
// `metadata.updated_at` when it is replaced or patched (api.scala `create`).
enum class Stamp { CreatedAt, UpdatedAt };

// "proxy.otoroshi.io/Route": the `kind` member Otoroshi's generic API adds to every entity it returns.
std::string group_kind(const model::EntityType& type);
boost::json::object with_kind(boost::json::object doc, std::string_view kind);

// The id a create gets: the body's `id` when it is a non-empty string, else `<id_prefix>_<uuid>`.
// BadRequest when `id` is present with another type.
Result<std::string> id_for_create(const model::EntityType& type, const boost::json::value& body);

// Validates and normalizes `body` (a JSON object) as an entity of `type` with `id` forced (the path id wins
// over the body's, as Otoroshi does), drops a top-level string `kind` (Otoroshi's answers carry one; its
// readers ignore it), then deep-merges the metadata stamp. BadRequest naming the field.
Result<boost::json::object> prepare_document(const model::EntityType& type, boost::json::value body,
                                             std::string_view id, Stamp stamp);

// Applies a PATCH body to `current`: Content-Type application/json-patch+json -> RFC 6902 (must be an array),
// application/merge-patch+json -> RFC 7386; otherwise an array is a JSON Patch and an object a merge patch.
// `media_type` is "" when unknown (bulk lines). BadRequest naming the operation or the body.
Result<boost::json::value> apply_patch_body(boost::json::value current, const boost::json::value& patch,
                                            std::string_view media_type);

// BadRequest when a patch changed `id` away from `path_id` (Otoroshi silently restores the path id; we tell
// the user instead). A patch that removed `id` is fine: prepare_document puts it back.
Result<void> check_id_unchanged(const boost::json::value& patched, std::string_view path_id);

// Drops top-level `kind` (see prepare_document). Returns `body` unchanged when it is not an object.
boost::json::value without_kind(boost::json::value body);

}  // namespace wasmgate::admin
