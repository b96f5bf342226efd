// The global config: one document, stored under model::kGlobalConfigKind / kGlobalConfigId, read as
// model::default_global_config() until first written. Served at
//   /api/globalconfig                                   GET, PUT, PATCH  (a plain object)
//   /apis/config.otoroshi.io/v1/global-configs          GET, PUT, PATCH  (the single object)
//       [quirk] Otoroshi's generic API lists it as [config]; the team contract (tests/integration) reads the
//       object itself, which is also what /api/globalconfig answers. PUT/PATCH here are ours.
//   /apis/config.otoroshi.io/v1/global-configs/global   GET, PUT, POST, PATCH (Otoroshi's id is "global")
//   .../global-configs/_count, /_template
// Otoroshi refuses create, delete and _bulk on global configs; so do we (405).
#pragma once

#include "admin/detail/admin_context.h"
#include "core/http_message.h"

namespace wasmgate::admin {

// Generic answers carry "kind": "config.otoroshi.io/GlobalConfig".
HttpResponse read_global_config(const AdminContext& ctx, Flavor flavor);
// Replaces the document after model::parse_global_config validated it. 200 with the stored document.
HttpResponse replace_global_config(const AdminContext& ctx, Flavor flavor, const HttpRequest& request);
// JSON Patch or merge patch on the current document (default when never stored), validated again.
HttpResponse patch_global_config(const AdminContext& ctx, Flavor flavor, const HttpRequest& request);
HttpResponse global_config_template();
HttpResponse count_global_configs();

// Whether the stored global config says `apiReadOnly: true` (spec §10.1: writes are then refused).
Result<bool> admin_api_read_only(const AdminContext& ctx);

}  // namespace wasmgate::admin
