#include "admin/detail/entity_endpoints.h"

#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "admin/detail/entity_documents.h"
#include "admin/detail/json_reply.h"
#include "admin/detail/list_query.h"
#include "core/json_patch.h"

namespace wasmgate::admin {

namespace json = boost::json;

namespace {

// What a client gets back for a stored document: Otoroshi's generic API adds "kind", the legacy one does not.
json::object present(const EntityScope& scope, json::object doc) {
  if (scope.flavor == Flavor::Generic) return with_kind(std::move(doc), group_kind(scope.type));
  return doc;
}

json::object id_extra(std::string_view id) {
  return json::object{{"id", id}};
}

HttpResponse not_found(const EntityScope& scope, std::string_view id) {
  return error_reply(404, not_found_message(scope.type, id), id_extra(id));
}

// The stored document, or the response to send instead (404 when absent, 500 when the store failed).
struct Lookup {
  std::optional<json::object> doc;
  std::optional<HttpResponse> failure;
};

Lookup lookup_existing(const EntityScope& scope, std::string_view id) {
  auto got = scope.ctx.store->get(scope.type.plural, id);
  if (!got) return {std::nullopt, error_reply(got.error())};
  if (!got->has_value()) return {std::nullopt, not_found(scope, id)};
  return {std::move(**got), std::nullopt};
}

Result<json::value> parse_body(const HttpRequest& request) {
  return parse_json(request.body, "body");
}

// The document without Otoroshi's stamps, to tell whether an upsert changed anything.
json::object without_stamps(json::object doc) {
  if (auto* meta = doc.if_contains("metadata"); meta != nullptr && meta->is_object()) {
    meta->get_object().erase("created_at");
    meta->get_object().erase("updated_at");
  }
  return doc;
}

HttpResponse write_and_answer(const EntityScope& scope, std::string_view id, const json::object& doc,
                              int status) {
  if (auto r = scope.ctx.store->put(scope.type.plural, id, doc); !r) return error_reply(r.error());
  scope.ctx.notify_change(scope.type.plural, id);
  return json_reply(status, present(scope, doc));
}

}  // namespace

std::string not_found_message(const model::EntityType& type, std::string_view id) {
  return fmt::format("entity not found: {} '{}'", type.plural, id);
}

std::string conflict_message(const model::EntityType& type, std::string_view id) {
  return fmt::format("entity already exists: {} '{}' (use PUT or PATCH on its id to change it)", type.plural,
                     id);
}

HttpResponse list_entities(const EntityScope& scope, const RequestParams& params) {
  auto stored = scope.ctx.store->list(scope.type.plural);
  if (!stored) return error_reply(stored.error());
  std::vector<json::object> docs;
  docs.reserve(stored->size());
  for (auto& e : *stored) docs.push_back(std::move(e.json));
  auto page = apply_list_query(std::move(docs), params);
  if (!page) return error_reply(page.error());
  json::array out;
  out.reserve(page->items.size());
  for (auto& doc : page->items) out.push_back(present(scope, std::move(doc)));
  HttpResponse r = json_reply(200, out);
  if (scope.flavor == Flavor::Generic) r.headers.emplace_back("X-Pages", std::to_string(page->pages));
  return r;
}

HttpResponse create_entity(const EntityScope& scope, const HttpRequest& request) {
  auto body = parse_body(request);
  if (!body) return error_reply(body.error());
  auto id = id_for_create(scope.type, *body);
  if (!id) return error_reply(id.error());
  auto doc = prepare_document(scope.type, std::move(*body), *id, Stamp::CreatedAt);
  if (!doc) return error_reply(doc.error());
  // The store's create is atomic: of two concurrent creates of one id, exactly one wins.
  if (auto r = scope.ctx.store->create(scope.type.plural, *id, *doc); !r) {
    if (r.error().code == Errc::Conflict)
      return error_reply(409, conflict_message(scope.type, *id), id_extra(*id));
    return error_reply(r.error());
  }
  scope.ctx.notify_change(scope.type.plural, *id);
  return json_reply(201, present(scope, std::move(*doc)));
}

HttpResponse read_entity(const EntityScope& scope, std::string_view id) {
  auto found = lookup_existing(scope, id);
  if (found.failure) return std::move(*found.failure);
  return json_reply(200, present(scope, std::move(*found.doc)));
}

HttpResponse upsert_entity(const EntityScope& scope, std::string_view id, const HttpRequest& request) {
  auto body = parse_body(request);
  if (!body) return error_reply(body.error());
  auto existing = scope.ctx.store->get(scope.type.plural, id);
  if (!existing) return error_reply(existing.error());
  const bool exists = existing->has_value();
  auto doc = prepare_document(scope.type, std::move(*body), id, exists ? Stamp::UpdatedAt : Stamp::CreatedAt);
  if (!doc) return error_reply(doc.error());
  HttpResponse r = write_and_answer(scope, id, *doc, exists ? 200 : 201);
  if (exists && r.status == 200) {
    bool changed = !json_equal(without_stamps(**existing), without_stamps(*doc));
    r.headers.emplace_back("Otoroshi-Entity-Updated", changed ? "true" : "false");
  }
  return r;
}

HttpResponse update_entity(const EntityScope& scope, std::string_view id, const HttpRequest& request) {
  auto body = parse_body(request);
  if (!body) return error_reply(body.error());
  auto found = lookup_existing(scope, id);
  if (found.failure) return std::move(*found.failure);
  auto doc = prepare_document(scope.type, std::move(*body), id, Stamp::UpdatedAt);
  if (!doc) return error_reply(doc.error());
  return write_and_answer(scope, id, *doc, 200);
}

HttpResponse patch_entity(const EntityScope& scope, std::string_view id, const HttpRequest& request) {
  auto patch = parse_body(request);
  if (!patch) return error_reply(patch.error());
  auto found = lookup_existing(scope, id);
  if (found.failure) return std::move(*found.failure);
  auto patched = apply_patch_body(json::value(std::move(*found.doc)), *patch, media_type(request));
  if (!patched) return error_reply(patched.error());
  if (auto r = check_id_unchanged(*patched, id); !r) return error_reply(r.error());
  auto doc = prepare_document(scope.type, std::move(*patched), id, Stamp::UpdatedAt);
  if (!doc) return error_reply(doc.error());
  return write_and_answer(scope, id, *doc, 200);
}

HttpResponse delete_entity(const EntityScope& scope, std::string_view id) {
  auto found = lookup_existing(scope, id);
  if (found.failure) return std::move(*found.failure);
  auto removed = scope.ctx.store->remove(scope.type.plural, id);
  if (!removed) return error_reply(removed.error());
  if (!*removed) return not_found(scope, id);  // deleted by a concurrent request in between
  scope.ctx.notify_change(scope.type.plural, id);
  if (scope.flavor == Flavor::Legacy) return json_reply(200, json::object{{"deleted", true}});
  return json_reply(200, present(scope, std::move(*found.doc)));
}

HttpResponse delete_all_entities(const EntityScope& scope) {
  auto removed = scope.ctx.store->remove_all(scope.type.plural);
  if (!removed) return error_reply(removed.error());
  if (*removed > 0) scope.ctx.notify_change(scope.type.plural, "");
  HttpResponse r;
  r.status = 204;  // Otoroshi's NoContent
  return r;
}

HttpResponse entity_template(const EntityScope& scope) {
  return json_reply(200, scope.type.make_template());
}

HttpResponse count_entities(const EntityScope& scope) {
  auto n = scope.ctx.store->count(scope.type.plural);
  if (!n) return error_reply(n.error());
  return json_reply(200, json::object{{"count", *n}});
}

}  // namespace wasmgate::admin
