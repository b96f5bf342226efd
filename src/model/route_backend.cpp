// route.backend (Otoroshi's NgBackend and NgTarget): where a route sends requests.
#include "model/route.h"

#include "model/detail/readers.h"

namespace wasmgate::model::detail {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxPort = 65535;

// NgTlsConfig. A single `certId` / `cert_id` is read as `certs` when `certs` is absent; blank ids are
// dropped.
TargetTlsConfig read_tls_config(const json::value* v, std::string_view path, json::object& out) {
  ObjectFields fields(object_or_empty(v, path), std::string(path));
  TargetTlsConfig tls;
  std::vector<std::string> certs;
  if (!fields.has("certs")) {
    for (std::string_view legacy : {"certId", "cert_id"}) {
      if (fields.has(legacy) && certs.empty()) {
        certs.emplace_back(as_string(*fields.find(legacy), fields.path_of(legacy)));
      }
    }
    fields.put("certs", json::array{});
  } else {
    certs = fields.string_array("certs");
  }
  fields.drop("certId");
  fields.drop("cert_id");
  std::vector<std::string> trusted = fields.string_array("trusted_certs");
  auto non_blank = [](const std::vector<std::string>& ids) {
    std::vector<std::string> kept;
    for (const std::string& id : ids) {
      if (id.find_first_not_of(" \t") != std::string::npos) kept.push_back(id);
    }
    return kept;
  };
  tls.certs = non_blank(certs);
  tls.trusted_certs = non_blank(trusted);
  auto to_array = [](const std::vector<std::string>& ids) {
    json::array a;
    for (const std::string& id : ids) a.emplace_back(json::string(id));
    return a;
  };
  fields.put("certs", to_array(tls.certs));
  fields.put("trusted_certs", to_array(tls.trusted_certs));
  tls.enabled = fields.boolean("enabled", false);
  tls.loose = fields.boolean("loose", false);
  tls.trust_all = fields.boolean("trust_all", false);
  out = std::move(fields).finish();
  return tls;
}

Target read_target(const json::value& v, std::string_view path, json::object& out) {
  ObjectFields fields(as_object(v, path), std::string(path));
  Target t;
  fields.put("id", nullptr);  // placeholder: keeps Otoroshi's key order, filled below
  t.hostname = fields.required_string("hostname", /*allow_empty=*/false);
  // Otoroshi requires `port`; we default it from `tls` so that a hand-written target can omit it.
  const bool tls = fields.has("tls") && as_bool(*fields.find("tls"), fields.path_of("tls"));
  t.port = static_cast<int>(fields.integer("port", tls ? 443 : 80, 1, kMaxPort));
  t.tls = fields.boolean("tls", false);
  // Weight 0 would make a target unreachable under weighted balancing without saying so: refuse it.
  t.weight = static_cast<int>(fields.integer("weight", 1, 1, kInt32Max));
  t.backup = fields.boolean("backup", false);
  t.predicate = fields.any_object("predicate", json::object{{"type", "AlwaysMatch"}});
  if (const json::value* type = t.predicate.if_contains("type")) {
    as_string(*type, join_path(fields.path_of("predicate"), "type"));
  }
  t.protocol = fields.string_or("protocol", "HTTP/1.1");
  if (t.protocol.find_first_not_of(" \t") == std::string::npos) {
    t.protocol = "HTTP/1.1";
    fields.put("protocol", "HTTP/1.1");
  }
  t.ip_address = fields.nullable_string("ip_address", /*blank_is_null=*/true);
  json::object tls_json;
  t.tls_config = read_tls_config(fields.find("tls_config"), fields.path_of("tls_config"), tls_json);
  fields.put("tls_config", std::move(tls_json));

  const std::optional<std::string> id = fields.nullable_string("id", /*blank_is_null=*/true);
  if (id) {
    t.id = *id;
  } else {
    t.id = std::string(t.tls ? "https://" : "http://") + t.hostname +
           (t.ip_address ? "@" + *t.ip_address : "") + ":" + std::to_string(t.port);
    fields.put("id", json::string(t.id));
  }
  out = std::move(fields).finish();
  return t;
}

std::string read_load_balancing(ObjectFields& fields) {
  const std::string path = fields.path_of("load_balancing");
  json::object& lb = fields.any_object("load_balancing", json::object{{"type", "RoundRobin"}});
  const json::value* type = lb.if_contains("type");
  if (type == nullptr || type->is_null()) {
    lb["type"] = "RoundRobin";
    return "RoundRobin";
  }
  return std::string(as_string(*type, join_path(path, "type")));
}

}  // namespace

Backend read_backend(const json::value* v, std::string_view path, json::object& out) {
  ObjectFields fields(object_or_empty(v, path), std::string(path));
  Backend b;
  json::array targets;
  if (fields.has("targets")) {
    const std::string targets_path = fields.path_of("targets");
    const json::array& in = as_array(*fields.find("targets"), targets_path);
    for (std::size_t i = 0; i < in.size(); ++i) {
      json::object target_json;
      b.targets.push_back(read_target(in[i], index_path(targets_path, i), target_json));
      targets.emplace_back(std::move(target_json));
    }
  }
  fields.put("targets", std::move(targets));
  b.root = fields.string_or("root", "/");
  b.rewrite = fields.boolean("rewrite", false);
  b.load_balancing = read_load_balancing(fields);
  json::object client_json;
  b.client = read_client_config(fields.find("client"), fields.path_of("client"), client_json);
  fields.put("client", std::move(client_json));
  const json::value& hc = fields.nullable_any_object("health_check");
  if (hc.is_object()) b.health_check = hc.get_object();
  out = std::move(fields).finish();
  return b;
}

}  // namespace wasmgate::model::detail
