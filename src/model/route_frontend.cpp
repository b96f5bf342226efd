// route.frontend (Otoroshi's NgFrontend): where a route listens.
#include "model/route.h"

#include <algorithm>
#include <cctype>

#include "model/detail/readers.h"

namespace wasmgate::model::detail {

namespace json = boost::json;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

Domain domain_at(std::string_view raw, const std::string& path) {
  Result<Domain> d = parse_domain(raw);
  if (!d) fail(path, d.error().message);
  return std::move(d).value();
}

// `domains`, or the single-string `domain` Otoroshi also reads. As in NgFrontend.readFrom, `domain` wins when
// both are present; it is then written as `domains` and dropped.
std::vector<Domain> read_domains(ObjectFields& fields) {
  std::vector<Domain> out;
  if (fields.has("domain")) {
    const std::string path = fields.path_of("domain");
    const std::string raw(as_string(*fields.find("domain"), path));
    out.push_back(domain_at(raw, path));
    fields.put("domains", json::array{json::string(raw)});
    fields.drop("domain");
    return out;
  }
  const std::vector<std::string> raws = fields.string_array("domains");
  const std::string path = fields.path_of("domains");
  for (std::size_t i = 0; i < raws.size(); ++i) out.push_back(domain_at(raws[i], index_path(path, i)));
  return out;
}

}  // namespace

Frontend read_frontend(const json::value* v, std::string_view path, json::object& out) {
  ObjectFields fields(object_or_empty(v, path), std::string(path));
  Frontend f;
  f.domains = read_domains(fields);
  f.strip_path = fields.boolean("strip_path", true);
  f.exact = fields.boolean("exact", false);
  for (auto& [name, value] : fields.string_map("headers"))
    f.headers.emplace_back(lower(name), std::move(value));
  f.query = fields.string_map("query");
  f.cookies = fields.string_map("cookies");
  for (std::string& m : fields.string_array("methods")) f.methods.push_back(upper(std::move(m)));
  out = std::move(fields).finish();
  return f;
}

}  // namespace wasmgate::model::detail
