#include "admin/detail/global_config_endpoints.h"

#include <string_view>
#include <utility>

#include <boost/json/object.hpp>

#include "admin/detail/entity_documents.h"
#include "admin/detail/json_reply.h"
#include "model/entity_types.h"
#include "model/global_config.h"

namespace wasmgate::admin {

namespace json = boost::json;

namespace {

constexpr std::string_view kGlobalConfigGroupKind = "config.otoroshi.io/GlobalConfig";

Result<json::object> current_document(const AdminContext& ctx) {
  auto got = ctx.store->get(model::kGlobalConfigKind, model::kGlobalConfigId);
  if (!got) return got.take_error();
  if (!got->has_value()) return model::default_global_config();
  return std::move(**got);
}

json::object present(Flavor flavor, json::object doc) {
  return flavor == Flavor::Generic ? with_kind(std::move(doc), kGlobalConfigGroupKind) : doc;
}

HttpResponse validate_and_store(const AdminContext& ctx, Flavor flavor, json::value doc) {
  if (!doc.is_object()) return error_reply(400, "body: the global config must be a JSON object");
  auto parsed = model::parse_global_config(without_kind(std::move(doc)));
  if (!parsed) return error_reply(parsed.error());
  if (auto r = ctx.store->put(model::kGlobalConfigKind, model::kGlobalConfigId, parsed->json); !r) {
    return error_reply(r.error());
  }
  ctx.notify_change(model::kGlobalConfigKind, model::kGlobalConfigId);
  return json_reply(200, present(flavor, std::move(parsed->json)));
}

}  // namespace

HttpResponse read_global_config(const AdminContext& ctx, Flavor flavor) {
  auto doc = current_document(ctx);
  if (!doc) return error_reply(doc.error());
  return json_reply(200, present(flavor, std::move(*doc)));
}

HttpResponse replace_global_config(const AdminContext& ctx, Flavor flavor, const HttpRequest& request) {
  auto body = parse_json(request.body, "body");
  if (!body) return error_reply(body.error());
  return validate_and_store(ctx, flavor, std::move(*body));
}

HttpResponse patch_global_config(const AdminContext& ctx, Flavor flavor, const HttpRequest& request) {
  auto patch = parse_json(request.body, "body");
  if (!patch) return error_reply(patch.error());
  auto doc = current_document(ctx);
  if (!doc) return error_reply(doc.error());
  auto patched = apply_patch_body(json::value(std::move(*doc)), *patch, media_type(request));
  if (!patched) return error_reply(patched.error());
  return validate_and_store(ctx, flavor, std::move(*patched));
}

HttpResponse global_config_template() {
  return json_reply(200, model::default_global_config());
}

HttpResponse count_global_configs() {
  return json_reply(200, json::object{{"count", 1}});
}

Result<bool> admin_api_read_only(const AdminContext& ctx) {
  auto got = ctx.store->get(model::kGlobalConfigKind, model::kGlobalConfigId);
  if (!got) return got.take_error();
  if (!got->has_value()) return false;
  const json::value* ro = (**got).if_contains("apiReadOnly");
  return ro != nullptr && ro->is_bool() && ro->get_bool();
}

}  // namespace wasmgate::admin
