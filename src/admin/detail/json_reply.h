// JSON in and out for the admin API: every answer is application/json (ND-JSON for _bulk), every error a
// `{"error": "<what was wrong and what to do>"}` object, every body parsed here with a message naming the
// offset.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/http_message.h"

namespace wasmgate::admin {

HttpResponse json_reply(int status, const boost::json::value& body);

// `{"error": message, ...extra}` with the given status.
HttpResponse error_reply(int status, std::string_view message, boost::json::object extra = {});
// Status from the Errc (Storage and Internal are 500), body as above.
HttpResponse error_reply(const Error& error, boost::json::object extra = {});

// One compact JSON value per line, joined by '\n' with no trailing newline (as Otoroshi's _bulk answers).
HttpResponse ndjson_reply(int status, const std::vector<boost::json::value>& lines);

// Parses JSON text; BadRequest "<what>: malformed JSON near offset N (<reason>)".
Result<boost::json::value> parse_json(std::string_view text, std::string_view what);

// The media type of a Content-Type header, lower-cased, without parameters ("" when absent).
std::string media_type(const HttpRequest& request);

// A body type we cannot read yet (YAML): a 415 naming what to send instead; nullopt for JSON and unknown
// types, which are parsed as JSON (curl -d sends form-urlencoded by default).
std::optional<HttpResponse> reject_unsupported_media_type(const HttpRequest& request);

}  // namespace wasmgate::admin
