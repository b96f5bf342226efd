#include "admin/detail/admin_routes.h"

#include <functional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "admin/detail/bulk.h"
#include "admin/detail/entity_endpoints.h"
#include "admin/detail/global_config_endpoints.h"
#include "admin/detail/json_reply.h"
#include "model/entity_types.h"

namespace wasmgate::admin {

namespace {

using CtxPtr = std::shared_ptr<const AdminContext>;

constexpr const char* kGlobalConfigs = "/apis/config.otoroshi.io/v1/global-configs";

bool is_wildcard(std::string_view s) {
  return s == "any" || s == "all";
}

// Otoroshi's withResource: group and version may be "any"/"all", the entity named by plural or by kind.
const model::EntityType* resolve_type(const RequestParams& p) {
  const std::string& group = p.segment("group");
  const std::string& version = p.segment("version");
  const std::string& name = p.segment("plural");
  for (const auto& t : model::entity_types()) {
    if ((is_wildcard(group) || group == t.group) && (is_wildcard(version) || version == t.version) &&
        (name == t.plural || name == t.kind)) {
      return &t;
    }
  }
  return nullptr;
}

HttpResponse unknown_resource(const RequestParams& p) {
  std::string served;
  for (const auto& t : model::entity_types()) {
    served += fmt::format("{}/{}/{}, ", t.group, t.version, t.plural);
  }
  served += "config.otoroshi.io/v1/global-configs";
  return error_reply(404, fmt::format("unknown resource /apis/{}/{}/{} (served: {})", p.segment("group"),
                                      p.segment("version"), p.segment("plural"), served));
}

using ScopedHandler =
    std::function<HttpResponse(const EntityScope&, const HttpRequest&, const RequestParams&)>;
// Turns a handler over one entity type into a router handler (resolving the type, picking the flavour).
using Wrap = std::function<Handler(ScopedHandler)>;

// The entity type named by the path, for /apis/:group/:version/:plural.
Wrap generic_wrap(CtxPtr ctx) {
  return [ctx = std::move(ctx)](ScopedHandler f) -> Handler {
    return [ctx, f = std::move(f)](const HttpRequest& request, const RequestParams& p) {
      const model::EntityType* type = resolve_type(p);
      if (type == nullptr) return unknown_resource(p);
      return f(EntityScope{*ctx, *type, Flavor::Generic}, request, p);
    };
  };
}

// Routes, for the legacy /api/routes family.
Wrap legacy_routes_wrap(CtxPtr ctx) {
  return [ctx = std::move(ctx)](ScopedHandler f) -> Handler {
    const model::EntityType* type = model::find_entity_type("proxy.otoroshi.io", "routes");
    return [ctx, type, f = std::move(f)](const HttpRequest& request, const RequestParams& p) {
      if (type == nullptr) return error_reply(500, "the route entity type is not registered");
      return f(EntityScope{*ctx, *type, Flavor::Legacy}, request, p);
    };
  };
}

// The endpoints of one entity collection at `base`. The legacy family lacks DELETE on the collection, _count
// and POST /:id (conf/routes).
void add_entity_routes(Router& r, const std::string& base, const Wrap& wrap, Flavor flavor) {
  using Req = const HttpRequest&;
  using Par = const RequestParams&;
  const bool generic = flavor == Flavor::Generic;
  r.add("GET", base, wrap([](const EntityScope& s, Req, Par p) { return list_entities(s, p); }));
  r.add("POST", base, wrap([](const EntityScope& s, Req q, Par) { return create_entity(s, q); }));
  if (generic)
    r.add("DELETE", base, wrap([](const EntityScope& s, Req, Par) { return delete_all_entities(s); }));
  r.add("GET", base + "/_template", wrap([](const EntityScope& s, Req, Par) { return entity_template(s); }));
  if (generic)
    r.add("GET", base + "/_count", wrap([](const EntityScope& s, Req, Par) { return count_entities(s); }));
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    r.add(method, base + "/_bulk",
          wrap([](const EntityScope& s, Req q, Par) { return bulk_entities(s.ctx, s.type, q); }));
  }
  const std::string one = base + "/:id";
  r.add("GET", one, wrap([](const EntityScope& s, Req, Par p) { return read_entity(s, p.segment("id")); }));
  if (generic) {
    r.add("POST", one,
          wrap([](const EntityScope& s, Req q, Par p) { return upsert_entity(s, p.segment("id"), q); }));
  }
  r.add("PUT", one,
        wrap([](const EntityScope& s, Req q, Par p) { return update_entity(s, p.segment("id"), q); }));
  r.add("PATCH", one,
        wrap([](const EntityScope& s, Req q, Par p) { return patch_entity(s, p.segment("id"), q); }));
  r.add("DELETE", one,
        wrap([](const EntityScope& s, Req, Par p) { return delete_entity(s, p.segment("id")); }));
}

void add_global_config_routes(Router& r, const CtxPtr& ctx) {
  const std::string base = kGlobalConfigs;
  r.add("GET", base, [ctx](const HttpRequest&, const RequestParams&) {
    return read_global_config(*ctx, Flavor::Generic);
  });
  r.add("PUT", base, [ctx](const HttpRequest& q, const RequestParams&) {
    return replace_global_config(*ctx, Flavor::Generic, q);
  });
  r.add("PATCH", base, [ctx](const HttpRequest& q, const RequestParams&) {
    return patch_global_config(*ctx, Flavor::Generic, q);
  });
  r.add("GET", base + "/_count",
        [](const HttpRequest&, const RequestParams&) { return count_global_configs(); });
  r.add("GET", base + "/_template",
        [](const HttpRequest&, const RequestParams&) { return global_config_template(); });

  // Otoroshi's generic API files the single document under the id "global".
  auto one = [ctx](auto f) {
    return [ctx, f](const HttpRequest& q, const RequestParams& p) {
      const std::string& id = p.segment("id");
      if (id != model::kGlobalConfigId) {
        return error_reply(
            404, fmt::format("entity not found: global-configs '{}' (the only global config is '{}')", id,
                             model::kGlobalConfigId));
      }
      return f(*ctx, q);
    };
  };
  r.add("GET", base + "/:id", one([](const AdminContext& c, const HttpRequest&) {
          return read_global_config(c, Flavor::Generic);
        }));
  for (const char* method : {"PUT", "POST"}) {
    r.add(method, base + "/:id", one([](const AdminContext& c, const HttpRequest& q) {
            return replace_global_config(c, Flavor::Generic, q);
          }));
  }
  r.add("PATCH", base + "/:id", one([](const AdminContext& c, const HttpRequest& q) {
          return patch_global_config(c, Flavor::Generic, q);
        }));

  r.add("GET", "/api/globalconfig",
        [ctx](const HttpRequest&, const RequestParams&) { return read_global_config(*ctx, Flavor::Legacy); });
  r.add("PUT", "/api/globalconfig", [ctx](const HttpRequest& q, const RequestParams&) {
    return replace_global_config(*ctx, Flavor::Legacy, q);
  });
  r.add("PATCH", "/api/globalconfig", [ctx](const HttpRequest& q, const RequestParams&) {
    return patch_global_config(*ctx, Flavor::Legacy, q);
  });
}

}  // namespace

Router make_admin_router(std::shared_ptr<const AdminContext> ctx) {
  Router r;
  r.add("GET", "/health", [](const HttpRequest&, const RequestParams&) {
    return json_reply(200, boost::json::object{{"status", "ok"}});
  });
  add_global_config_routes(r, ctx);
  // Our extension: what the runtime knows of a wasm plugin (source cache state, sha256, pools and kills).
  r.add("GET", "/apis/plugins.otoroshi.io/v1/wasm-plugins/:id/_status",
        [ctx](const HttpRequest&, const RequestParams& p) -> HttpResponse {
          const std::string id(p.segment("id"));
          auto stored = ctx->store->get("wasm-plugins", id);
          if (!stored) return error_reply(500, stored.error().message);
          if (!*stored) return error_reply(404, "entity not found: wasm-plugins '" + id + "'");
          if (!ctx->plugin_status) return error_reply(503, "plugin status is not available in this process");
          auto status = ctx->plugin_status(id);
          if (!status) return error_reply(404, "wasm plugin '" + id + "' is not loaded yet");
          return json_reply(200, std::move(*status));
        });
  add_entity_routes(r, "/api/routes", legacy_routes_wrap(ctx), Flavor::Legacy);
  add_entity_routes(r, "/apis/:group/:version/:plural", generic_wrap(ctx), Flavor::Generic);
  return r;
}

}  // namespace wasmgate::admin
