// `_loc`, shared by every Otoroshi entity.
#include "model/detail/readers.h"

namespace wasmgate::model::detail {

namespace json = boost::json;

void read_location(ObjectFields& fields) {
  const std::string path = fields.path_of("_loc");
  const json::object& in = object_or_empty(fields.find("_loc"), path);
  ObjectFields loc(in, path);
  loc.string_or("tenant", "default");
  if (loc.has("teams")) {
    const std::string teams_path = loc.path_of("teams");
    const json::array& teams = as_array(*loc.find("teams"), teams_path);
    for (std::size_t i = 0; i < teams.size(); ++i) {
      if (!teams[i].is_string() && !teams[i].is_object()) {
        fail(index_path(teams_path, i), "must be a string or an object");
      }
    }
    loc.put("teams", teams);
  } else {
    loc.put("teams", json::array{"default"});
  }
  fields.put("_loc", std::move(loc).finish());
}

}  // namespace wasmgate::model::detail
