// The admin API's endpoint table, in one place (spec otoroshi-wasm.md §10.2). Order matters: literal paths
// (global config, _template, _count, _bulk) come before the `:id` patterns they would otherwise match.
#pragma once

#include <memory>

#include "admin/detail/admin_context.h"
#include "admin/detail/router.h"

namespace wasmgate::admin {

Router make_admin_router(std::shared_ptr<const AdminContext> ctx);

}  // namespace wasmgate::admin
