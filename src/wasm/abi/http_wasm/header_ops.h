// Header-list operations as the http-wasm ABI defines them: names are compared case-insensitively, names are
// listed in lowercase once each, set replaces every value of a name, add appends one, remove drops them all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.h"

namespace wasmgate::abi::http_wasm {

// Distinct names in lowercase, in order of first appearance.
std::vector<std::string> header_names_lower(const HeaderList& headers);
// Every value of `name`, in order (views into `headers`).
std::vector<std::string_view> header_values(const HeaderList& headers, std::string_view name);
// Replaces the values of `name` with one value, at the place of its first occurrence (else appended).
void set_header(HeaderList& headers, std::string_view name, std::string_view value);
void add_header(HeaderList& headers, std::string_view name, std::string_view value);
void remove_header(HeaderList& headers, std::string_view name);

}  // namespace wasmgate::abi::http_wasm
