// The single-entity endpoints of Otoroshi's admin API, generic over model::EntityType (spec otoroshi-wasm.md
// §10.2; api.scala GenericApiController for /apis/..., CrudHelper for the legacy /api/routes).
//
// Choices where Otoroshi is odd (each marked [quirk] where it is Otoroshi's behaviour we do not copy):
// - create of an existing id: 409 naming the id. [quirk] Otoroshi answers 401 "resource already exists".
// - PUT of a missing id: 404. [quirk] Otoroshi answers 401 "resource does not exists".
// - POST /:id and PUT /:id: the path id wins over the body's, as in Otoroshi.
// - PATCH: Otoroshi takes only a JSON Patch array; we also take a merge-patch object. A patch that changes
// `id`
//   is a 400 ([quirk] Otoroshi silently restores the path id).
// - Otoroshi-Entity-Updated on POST /:id is "true" when the stored document changed ([quirk] Otoroshi sends
//   old == new, i.e. "true" when nothing changed).
#pragma once

#include <string_view>

#include "admin/detail/admin_context.h"
#include "admin/detail/router.h"
#include "core/http_message.h"
#include "model/entity_types.h"

namespace wasmgate::admin {

struct EntityScope {
  const AdminContext& ctx;
  const model::EntityType& type;
  Flavor flavor;
};

HttpResponse list_entities(const EntityScope& scope, const RequestParams& params);  // 200 [..]
HttpResponse create_entity(const EntityScope& scope, const HttpRequest& request);   // 201 | 400 | 409
HttpResponse read_entity(const EntityScope& scope, std::string_view id);            // 200 | 404
HttpResponse upsert_entity(const EntityScope& scope, std::string_view id,
                           const HttpRequest& request);  // 201|200
HttpResponse update_entity(const EntityScope& scope, std::string_view id,
                           const HttpRequest& request);  // 200|404
HttpResponse patch_entity(const EntityScope& scope, std::string_view id,
                          const HttpRequest& request);                      // 200|404
HttpResponse delete_entity(const EntityScope& scope, std::string_view id);  // 200 | 404
HttpResponse delete_all_entities(const EntityScope& scope);                 // 204
HttpResponse entity_template(const EntityScope& scope);                     // 200
HttpResponse count_entities(const EntityScope& scope);                      // 200 {"count": n}

// Shared with _bulk: "entity not found: routes 'x'" / "entity already exists: routes 'x'".
std::string not_found_message(const model::EntityType& type, std::string_view id);
std::string conflict_message(const model::EntityType& type, std::string_view id);

}  // namespace wasmgate::admin
