// A socket-free HTTP request/response pair for handlers that need the whole message in memory (the admin API,
// error pages). The proxy's streaming path never builds these; keeping Beast out of handlers keeps them
// unit-testable and keeps Beast's compile cost in a few files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wasmgate {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

bool iequals(std::string_view a, std::string_view b);

// First value of a header, names compared case-insensitively.
std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name);

struct HttpRequest {
  std::string method;   // "GET"
  std::string target;   // origin-form: "/path?query"
  HeaderList headers;
  std::string body;
  std::string remote;   // client address, for logs
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;

  static HttpResponse json(int status, std::string body);
};

}  // namespace wasmgate
