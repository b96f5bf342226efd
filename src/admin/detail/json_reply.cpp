#include "admin/detail/json_reply.h"

#include <cctype>
#include <utility>

#include <fmt/format.h>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>

namespace wasmgate::admin {

namespace json = boost::json;

namespace {

// Entity documents nest plugin configs of their own; Boost.JSON's default depth limit (32) is too tight.
constexpr std::size_t kMaxJsonDepth = 256;

}  // namespace

HttpResponse json_reply(int status, const json::value& body) {
  return HttpResponse::json(status, json::serialize(body));
}

HttpResponse error_reply(int status, std::string_view message, json::object extra) {
  json::object body;
  body["error"] = message;
  for (auto& kv : extra) body[kv.key()] = std::move(kv.value());
  return json_reply(status, body);
}

HttpResponse error_reply(const Error& error, json::object extra) {
  return error_reply(errc_http_status(error.code), error.message, std::move(extra));
}

HttpResponse ndjson_reply(int status, const std::vector<json::value>& lines) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/x-ndjson");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) r.body.push_back('\n');
    r.body += json::serialize(lines[i]);
  }
  return r;
}

Result<json::value> parse_json(std::string_view text, std::string_view what) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) {
    // write_some stops after a complete value; anything but whitespace after it is garbage.
    std::string_view rest = text.substr(consumed);
    for (char c : rest) {
      if (!std::isspace(static_cast<unsigned char>(c))) {
        return make_error(
            Errc::BadRequest,
            fmt::format("{}: malformed JSON near offset {} (extra data after the value)", what, consumed));
      }
    }
  }
  if (!ec) parser.finish(ec);
  if (ec) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return make_error(Errc::BadRequest, fmt::format("{}: empty, a JSON document is required", what));
    }
    return make_error(Errc::BadRequest,
                      fmt::format("{}: malformed JSON near offset {} ({})", what, consumed, ec.message()));
  }
  return parser.release();
}

std::string media_type(const HttpRequest& request) {
  auto header = find_header(request.headers, "Content-Type");
  if (!header) return {};
  std::string_view v = header->substr(0, header->find(';'));
  std::string out;
  for (char c : v) {
    if (!std::isspace(static_cast<unsigned char>(c)))
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::optional<HttpResponse> reject_unsupported_media_type(const HttpRequest& request) {
  if (request.body.empty()) return std::nullopt;
  std::string type = media_type(request);
  bool yaml = type == "application/yaml" || type == "application/yml" || type == "application/x-yaml" ||
              type == "text/yaml" || type == "text/x-yaml" || type == "application/yaml+k8s" ||
              type == "application/yml+k8s";
  if (!yaml) return std::nullopt;
  return error_reply(
      415, "YAML bodies (Content-Type: " + type +
               ") are not supported yet: send the entity as JSON with Content-Type: application/json");
}

}  // namespace wasmgate::admin
