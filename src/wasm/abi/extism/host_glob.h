// Extism's `allowed_hosts` matching: each entry is a glob over the request's host name (no scheme, no port).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace wasmgate::abi {

// Glob syntax of Extism (Rust `glob::Pattern` with default options): `*` any run of characters (dots
// included, so "*.example.com" matches "a.b.example.com" but not "example.com"), `?` one character, `[abc]`,
// `[a-z]`, `[!abc]` a class. A pattern with an unterminated `[` matches only itself, literally. Host names
// are case-insensitive, so both sides are compared in lower case.
bool host_glob_match(std::string_view pattern, std::string_view host);

// True when some pattern matches `host`; an empty list allows nothing (Extism's default).
bool host_allowed(std::span<const std::string> patterns, std::string_view host);

}  // namespace wasmgate::abi
