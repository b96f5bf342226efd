#include "proxy/error_response.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <string>

#include "proxy/detail/ascii.h"

namespace wasmgate::proxy {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string html_page(int status, std::string_view message) {
  const std::string msg = html_escape(message);
  std::string page;
  page.reserve(400 + 2 * msg.size());
  page += "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Otoroshi error</title>\n";
  page += "<style>body{font-family:sans-serif;background:#373735;color:#eee;text-align:center;padding-top:10%}"
          "h1{color:#f9b000}</style>\n</head>\n<body>\n<h1>";
  page += std::to_string(status);
  page += "</h1>\n<p>";
  page += msg;
  page += "</p>\n</body>\n</html>\n";
  return page;
}

}  // namespace

bool wants_html(std::optional<std::string_view> accept) {
  if (!accept) return true;
  std::string_view rest = *accept;
  while (true) {
    const std::size_t comma = rest.find(',');
    std::string_view entry = rest.substr(0, comma);
    entry = trim(entry.substr(0, entry.find(';')));
    if (detail::ascii_iequals(entry, "text/html")) return true;
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

HttpResponse make_error_response(int status, std::string_view message, std::optional<std::string_view> accept,
                                 std::optional<std::string_view> otoroshi_state) {
  HttpResponse res;
  res.status = status;
  if (wants_html(accept)) {
    res.body = html_page(status, message);
    res.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  } else {
    res.body.reserve(message.size() + 24);
    res.body += "{\"Otoroshi-Error\":";
    res.body += boost::json::serialize(boost::json::string(message));
    res.body += "}";
    res.headers.emplace_back("Content-Type", "application/json");
  }
  res.headers.emplace_back("Otoroshi-Error", "true");
  res.headers.emplace_back("Otoroshi-Error-Msg", std::string(message));
  res.headers.emplace_back("Otoroshi-State-Resp", otoroshi_state ? std::string(*otoroshi_state) : "--");
  return res;
}

}  // namespace wasmgate::proxy
