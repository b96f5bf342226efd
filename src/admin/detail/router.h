// A tiny router for the admin API: method + path segments -> handler. Patterns are
// "/apis/:group/:version/:plural";
// `:name` captures one percent-decoded segment. The first pattern whose segments match decides: a method it
// does not serve is a 405 with Allow, never a fall-through to a later pattern.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_message.h"

namespace wasmgate::admin {

using Params = std::vector<std::pair<std::string, std::string>>;

// Path captures and query parameters of one request.
struct RequestParams {
  Params path;   // captures of `:name` segments
  Params query;  // decoded query parameters, in order

  // The capture or the (last) query value of that name; "" / nullopt when absent.
  const std::string& segment(std::string_view name) const;
  std::optional<std::string_view> query_value(std::string_view name) const;
};

using Handler = std::function<HttpResponse(const HttpRequest&, const RequestParams&)>;

class Router {
 public:
  // Adds `method` on `pattern`; the same pattern string added again shares one entry (and one Allow list).
  Router& add(std::string_view method, std::string_view pattern, Handler handler);

  // 404 when no pattern matches the path, 405 (with Allow) when the matching pattern lacks the method.
  HttpResponse dispatch(const HttpRequest& request) const;

 private:
  struct Entry {
    std::string pattern;
    std::vector<std::string> segments;
    std::vector<std::pair<std::string, Handler>> methods;
  };
  std::vector<Entry> entries_;
};

// "/a/b%20c/?x=1" -> path segments {"a", "b c"} (empty segments dropped) and query {{"x","1"}}.
std::vector<std::string> split_path(std::string_view target);
Params parse_query(std::string_view target);
std::string percent_decode(std::string_view in, bool plus_is_space);

}  // namespace wasmgate::admin
