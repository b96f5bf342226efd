// The entity kinds the admin API serves, as one explicit table: group, plural name, id prefix, how to validate
// and normalize a document, and its template. Adding a kind is adding a row.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <span>
#include <string_view>

#include "core/error.h"

namespace wasmgate::model {

struct EntityType {
  std::string_view group;      // "proxy.otoroshi.io"
  std::string_view version;    // "v1"
  std::string_view plural;     // "routes" — also the store kind
  std::string_view kind;       // "Route"
  std::string_view id_prefix;  // "route" -> generated ids "route_<uuid>"
  // Validates, fills defaults, keeps unknown fields. BadRequest names the field and the reason.
  Result<boost::json::object> (*normalize)(const boost::json::value& json);
  // A fresh template document with a generated id.
  boost::json::object (*make_template)();
};

std::span<const EntityType> entity_types();
const EntityType* find_entity_type(std::string_view group, std::string_view plural);

// The store kind under which the single global config document is kept, and its id.
inline constexpr std::string_view kGlobalConfigKind = "global-configs";
inline constexpr std::string_view kGlobalConfigId = "global";

}  // namespace wasmgate::model
