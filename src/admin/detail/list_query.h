// The query parameters of a list (GET on a collection) that wasmgate honours, as Otoroshi's generic API reads
// them (api.scala filterEntity / paginateEntity): `filter.<field>=<value>` (dotted paths into objects; equal
// strings, booleans, numbers, or an array containing the string), then `page` (1-based) and `pageSize`.
// Other parameters (`fields`, `sorted`, `filtered`, `in_mem`...) are ignored.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <vector>

#include "admin/detail/router.h"
#include "core/error.h"

namespace wasmgate::admin {

struct ListPage {
  std::vector<boost::json::object> items;
  std::size_t pages = 0;  // Otoroshi's X-Pages: ceil(matching / pageSize)
};

// BadRequest naming `page` or `pageSize` when they are not positive integers.
Result<ListPage> apply_list_query(std::vector<boost::json::object> items, const RequestParams& params);

}  // namespace wasmgate::admin
