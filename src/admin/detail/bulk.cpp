#include "admin/detail/bulk.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json/object.hpp>

#include "admin/detail/entity_documents.h"
#include "admin/detail/entity_endpoints.h"
#include "admin/detail/json_reply.h"

namespace wasmgate::admin {

namespace json = boost::json;

namespace {

enum class BulkOp { Create, Update, Patch, Delete };

// The store as the lines planned so far will leave it: each line sees the lines before it, and the whole
// batch is written at the end in one transaction.
class BulkPlan {
 public:
  BulkPlan(const AdminContext& ctx, const model::EntityType& type) : ctx_(ctx), type_(type) {}

  Result<std::optional<json::object>> current(const std::string& id) {
    if (auto it = overlay_.find(id); it != overlay_.end()) return it->second;
    return ctx_.store->get(type_.plural, id);
  }
  void put(const std::string& id, json::object doc) {
    writes_.push_back(store::EntityWrite{std::string(type_.plural), id, doc});
    overlay_[id] = std::move(doc);
  }
  // A create the store must refuse if the id appeared since current() looked (a concurrent single create).
  // Only when no earlier line of this batch touched the id: after a planned delete the row still exists.
  void create(const std::string& id, json::object doc) {
    const bool untouched = overlay_.find(id) == overlay_.end();
    writes_.push_back(store::EntityWrite{std::string(type_.plural), id, doc, untouched});
    overlay_[id] = std::move(doc);
  }
  void remove(const std::string& id) {
    writes_.push_back(store::EntityWrite{std::string(type_.plural), id, std::nullopt});
    overlay_[id] = std::nullopt;
  }
  const std::vector<store::EntityWrite>& writes() const { return writes_; }

 private:
  const AdminContext& ctx_;
  const model::EntityType& type_;
  std::vector<store::EntityWrite> writes_;
  std::map<std::string, std::optional<json::object>, std::less<>> overlay_;
};

json::object done_line(int status, std::string_view flag, std::string_view id) {
  return json::object{{"status", status}, {flag, true}, {"id", id}, {"id_field", "id"}};
}

Result<std::string> required_id(const json::value& line, std::string_view what) {
  const json::object* obj = line.if_object();
  const json::value* id = obj != nullptr ? obj->if_contains("id") : nullptr;
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    return make_error(Errc::BadRequest,
                      fmt::format("id: a non-empty string is required to {} an entity", what));
  }
  return std::string(id->get_string());
}

// Plans one parsed line. `id` is set as soon as it is known, for the error report.
Result<json::object> plan_line(BulkOp op, const model::EntityType& type, json::value line, BulkPlan& plan,
                               std::string& id) {
  if (!line.is_object()) return make_error(Errc::BadRequest, "line: must be a JSON object");
  auto missing = [&] { return make_error(Errc::NotFound, not_found_message(type, id)); };

  if (op == BulkOp::Create) {
    auto new_id = id_for_create(type, line);
    if (!new_id) return new_id.take_error();
    id = *new_id;
    auto existing = plan.current(id);
    if (!existing) return existing.take_error();
    if (existing->has_value()) return make_error(Errc::Conflict, conflict_message(type, id));
    auto doc = prepare_document(type, std::move(line), id, Stamp::CreatedAt);
    if (!doc) return doc.take_error();
    plan.create(id, std::move(*doc));
    return done_line(201, "created", id);
  }

  auto given = required_id(line, op == BulkOp::Update ? "update" : op == BulkOp::Patch ? "patch" : "delete");
  if (!given) return given.take_error();
  id = *given;
  auto existing = plan.current(id);
  if (!existing) return existing.take_error();
  if (!existing->has_value()) return missing();

  if (op == BulkOp::Delete) {
    plan.remove(id);
    return done_line(200, "deleted", id);
  }
  json::value next;
  if (op == BulkOp::Patch) {
    const json::value* patch = line.get_object().if_contains("patch");
    if (patch == nullptr) {
      return make_error(Errc::BadRequest,
                        "patch: missing; a PATCH line is {\"id\": \"...\", \"patch\": [...]}");
    }
    auto patched = apply_patch_body(json::value(std::move(**existing)), *patch, "");
    if (!patched) return patched.take_error();
    if (auto r = check_id_unchanged(*patched, id); !r) return r.take_error();
    next = std::move(*patched);
  } else {
    next = std::move(line);
  }
  auto doc = prepare_document(type, std::move(next), id, Stamp::UpdatedAt);
  if (!doc) return doc.take_error();
  plan.put(id, std::move(*doc));
  return done_line(200, "updated", id);
}

json::object error_line(const Error& error, std::size_t line_number, const std::string& id,
                        const json::value* entity) {
  json::object out{{"status", errc_http_status(error.code)},
                   {"error", errc_name(error.code)},
                   {"error_description", error.message},
                   {"line", line_number}};
  if (!id.empty()) out["id"] = id;
  if (entity != nullptr) out["entity"] = *entity;
  return out;
}

bool is_ndjson(const HttpRequest& request) {
  auto ok = [](std::string_view t) { return t == "application/x-ndjson" || t == "application/ndjson"; };
  if (ok(media_type(request))) return true;
  auto alt = find_header(request.headers, "X-Content-Type");
  return alt && ok(alt->substr(0, alt->find(';')));
}

std::optional<BulkOp> op_of(std::string_view method) {
  if (method == "POST") return BulkOp::Create;
  if (method == "PUT") return BulkOp::Update;
  if (method == "PATCH") return BulkOp::Patch;
  if (method == "DELETE") return BulkOp::Delete;
  return std::nullopt;
}

}  // namespace

HttpResponse bulk_entities(const AdminContext& ctx, const model::EntityType& type,
                           const HttpRequest& request) {
  auto op = op_of(request.method);
  if (!op) return error_reply(405, "method " + request.method + " is not allowed on _bulk");
  if (!is_ndjson(request)) {
    return error_reply(400,
                       "_bulk bodies are ND-JSON: send Content-Type: application/x-ndjson with one JSON "
                       "document per line");
  }

  BulkPlan plan(ctx, type);
  std::vector<json::value> reports;
  std::string_view body = request.body;
  std::size_t line_number = 0;
  while (!body.empty()) {
    ++line_number;
    auto nl = body.find('\n');
    std::string_view text = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;

    std::string id;
    auto parsed = parse_json(text, fmt::format("line {}", line_number));
    if (!parsed) {
      reports.push_back(error_line(parsed.error(), line_number, id, nullptr));
      continue;
    }
    json::value original = *parsed;
    auto report = plan_line(*op, type, std::move(*parsed), plan, id);
    if (!report) {
      // A store that cannot be read makes every later line's answer a guess: stop before writing anything.
      if (report.error().code == Errc::Storage) return error_reply(report.error());
      reports.push_back(error_line(report.error(), line_number, id, &original));
      continue;
    }
    reports.push_back(std::move(*report));
  }

  if (!plan.writes().empty()) {
    if (auto r = ctx.store->apply(plan.writes()); !r) {
      return error_reply(Error{r.error().code, "_bulk: nothing was written: " + r.error().message});
    }
    store::EntityChanges changes;
    changes.reserve(plan.writes().size());
    for (const auto& w : plan.writes()) changes.push_back({w.kind, w.id});
    ctx.notify_change(changes);
  }
  return ndjson_reply(200, reports);
}

}  // namespace wasmgate::admin
