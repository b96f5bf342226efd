// The path sent upstream: strip the matched domain path (frontend.strip_path), then put backend.root in front.
#pragma once

#include <string>
#include <string_view>

namespace wasmgate::proxy {

// The part of `request_path` left after removing the declared `matched_path`. A trailing '/' of the declared
// path stays with the remainder so that "/api/" on "/api/users" leaves "/users", and "/" leaves the path whole.
std::string_view strip_matched_prefix(std::string_view request_path, std::string_view matched_path);

// `root` + `rest` without producing "//" or losing the separator: ("/v1", "/users") -> "/v1/users",
// ("/v1/", "/users") -> "/v1/users", ("/", "/users") -> "/users", ("/v1", "") -> "/v1", ("/", "") -> "/",
// ("/v1", "x") -> "/v1/x". A root without a leading '/' gets one. Never returns an empty string.
std::string join_root(std::string_view root, std::string_view rest);

// Splits an origin-form target "/p?q" into path and query (without '?'). An empty path reads as "/".
struct SplitTarget {
  std::string_view path;
  std::string_view query;
};
SplitTarget split_target(std::string_view target);

// A request target in absolute form ("http://host:8080/p?q", sent by clients that think we are a forward proxy)
// gives its authority, which then replaces the Host header (RFC 9112 §3.2.2), and its origin part ("/p?q").
// Origin-form targets come back unchanged with an empty authority.
struct TargetParts {
  std::string_view authority;
  std::string_view origin;
};
TargetParts split_absolute_form(std::string_view target);

}  // namespace wasmgate::proxy
