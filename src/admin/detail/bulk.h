// `_bulk` endpoints (api.scala bulkCreate / bulkUpdate / bulkPatch / bulkDelete): an ND-JSON body, one entity
// (or
// {"id":..., "patch": ...} for PATCH, {"id":...} for DELETE) per line; the answer is ND-JSON too, one report
// per non-blank line, in order:
//   POST   {"status":201,"created":true,"id":"...","id_field":"id"}
//   PUT    {"status":200,"updated":true,"id":"...","id_field":"id"}   (404 line when the id does not exist)
//   PATCH  {"status":200,"updated":true,"id":"...","id_field":"id"}   (JSON Patch array or merge-patch
//   object) DELETE {"status":200,"deleted":true,"id":"...","id_field":"id"} error
//   {"status":4xx,"error":"bad_request|not_found|conflict","error_description":"...","line":n,...}
//
// Atomicity (our choice; Otoroshi writes line by line): every line is validated first, each seeing the effect
// of the lines before it; the valid ones are then written in one EntityStore::apply transaction, the invalid
// ones are reported and not applied. If the transaction fails, nothing is written and the answer is a single
// 500. Differences from Otoroshi: an existing id on POST is a 409 line (Otoroshi: 400), and a line that is
// not JSON is reported (Otoroshi drops it silently).
#pragma once

#include "admin/detail/admin_context.h"
#include "core/http_message.h"
#include "model/entity_types.h"

namespace wasmgate::admin {

// request.method picks the operation (POST, PUT, PATCH, DELETE). 400 unless the Content-Type (or, as in
// Otoroshi's legacy helpers, X-Content-Type) is application/x-ndjson.
HttpResponse bulk_entities(const AdminContext& ctx, const model::EntityType& type,
                           const HttpRequest& request);

}  // namespace wasmgate::admin
