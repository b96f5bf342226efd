// Document patching for the admin API: RFC 7386 JSON Merge Patch, RFC 6902 JSON Patch (with RFC 6901 JSON
// Pointers), and Otoroshi's `deepMerge` (Play JSON), which stamps metadata into entities.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace wasmgate {

// RFC 7386: objects in `patch` merge recursively into `target`, a null member removes the key, any other
// value (arrays included) replaces. A non-object patch replaces the whole target.
boost::json::value merge_patch(boost::json::value target, const boost::json::value& patch);

// RFC 6902: applies the operations of `ops` (a JSON array of {op, path, value?, from?}) in order: add,
// remove, replace, move, copy, test. All or nothing: on failure `doc` is dropped and Errc::BadRequest names
// the operation index and the path, e.g. "patch[2]: path '/a/b' does not exist".
Result<boost::json::value> apply_json_patch(boost::json::value doc, const boost::json::value& ops);

// Play JSON's JsObject.deepMerge: when both sides are objects, keys of `other` are merged recursively into
// `base`; otherwise `other` replaces `base`. Unlike merge_patch, a null in `other` is kept as null.
boost::json::value deep_merge(boost::json::value base, const boost::json::value& other);

// RFC 6901: splits "/a~1b/0" into {"a/b", "0"}; "" is the whole document. BadRequest when the pointer does
// not start with '/' or has a '~' not followed by 0 or 1.
Result<std::vector<std::string>> parse_json_pointer(std::string_view pointer);

// JSON equality as RFC 6902 `test` defines it: numbers compare by value (1 == 1.0), objects ignore key order.
bool json_equal(const boost::json::value& a, const boost::json::value& b);

}  // namespace wasmgate
