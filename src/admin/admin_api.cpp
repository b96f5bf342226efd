#include "admin/admin_api.h"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "admin/detail/admin_context.h"
#include "admin/detail/admin_routes.h"
#include "admin/detail/auth.h"
#include "admin/detail/global_config_endpoints.h"
#include "admin/detail/json_reply.h"
#include "admin/detail/router.h"

namespace wasmgate::admin {

namespace {

bool is_health(const std::vector<std::string>& segments) {
  return segments.size() == 1 && segments[0] == "health";
}

// The global config stays writable when apiReadOnly is set: it is the only way back.
bool is_global_config(const std::vector<std::string>& segments) {
  return (segments.size() >= 2 && segments[0] == "api" && segments[1] == "globalconfig") ||
         (segments.size() >= 2 && segments[0] == "apis" && segments[1] == "config.otoroshi.io");
}

bool is_read(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

}  // namespace

AdminApi::AdminApi(store::EntityStorePtr store, AdminOptions options,
                   std::function<void(const store::EntityChanges&)> on_change)
    : options_(std::move(options)),
      ctx_(std::make_shared<const AdminContext>(AdminContext{std::move(store), std::move(on_change), options_.plugin_status})),
      router_(std::make_shared<const Router>(make_admin_router(ctx_))) {}

HttpResponse AdminApi::handle(const HttpRequest& request) {
  try {
    if (request.body.size() > options_.max_body_bytes) {
      return error_reply(413, fmt::format("body of {} bytes is over the admin API limit of {} bytes",
                                          request.body.size(), options_.max_body_bytes));
    }
    const std::vector<std::string> segments = split_path(request.target);
    if (!is_health(segments)) {
      if (auto auth = authenticate(request, options_.client_id, options_.client_secret); !auth) {
        return error_reply(auth.error());
      }
    }
    if (auto unsupported = reject_unsupported_media_type(request)) return std::move(*unsupported);
    if (!is_read(request.method) && !is_global_config(segments)) {
      auto read_only = admin_api_read_only(*ctx_);
      if (!read_only) return error_reply(read_only.error());
      if (*read_only) {
        return error_reply(403,
                           "the admin API is read-only (global config apiReadOnly: true); set it to false "
                           "with PATCH /api/globalconfig {\"apiReadOnly\": false}");
      }
    }
    return router_->dispatch(request);
  } catch (const std::exception& e) {
    // Handlers return errors as values; reaching here is a bug or memory exhaustion.
    spdlog::error("admin API {} {}: unexpected exception: {}", request.method, request.target, e.what());
    return error_reply(500, fmt::format("internal error: {}", e.what()));
  } catch (...) {
    spdlog::error("admin API {} {}: unexpected non-standard exception", request.method, request.target);
    return error_reply(500, "internal error");
  }
}

}  // namespace wasmgate::admin
