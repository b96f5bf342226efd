#include "plugins/step_context_text.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "plugins/detail/request_parts.h"

namespace wasmgate::plugins {

namespace json = boost::json;

namespace {

// ---- writing
// ---------------------------------------------------------------------------------------------------

// The concatenation of `parts`, with room for `extra` more bytes: one allocation.
std::string joined(std::initializer_list<std::string_view> parts, std::size_t extra = 0) {
  std::size_t size = extra;
  for (const std::string_view p : parts) size += p.size();
  std::string out;
  out.reserve(size);
  for (const std::string_view p : parts) out.append(p);
  return out;
}

template <typename Int>
void append_integer(std::string& out, Int n) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
}

// Per byte: 1 when boost::json's serializer escapes it (quote, backslash, control characters), 2 when it is not
// ASCII (utf8_or_replaced may change it), 0 otherwise.
constexpr std::array<std::uint8_t, 256> kByteClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 1;
  table['"'] = 1;
  table['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) table[c] = 2;
  return table;
}();

// Where the first byte of class `mask` (or any class: 3) is in `s`, or s.size().
std::size_t find_class(std::string_view s, std::size_t from, std::uint8_t mask) {
  for (std::size_t i = from; i < s.size(); ++i) {
    if ((kByteClass[static_cast<unsigned char>(s[i])] & mask) != 0) return i;
  }
  return s.size();
}

// Bytes a JSON string may hold as they are: no quote, backslash or control character, ASCII (so nothing for
// utf8_or_replaced to change either).
bool plain(std::string_view s) {
  return find_class(s, 0, 3) == s.size();
}

// A client's string as raw_request_json's `jstr` has it: invalid UTF-8 replaced, then escaped.
void append_client_string(std::string& out, std::string_view s) {
  if (plain(s)) {  // the common case: one copy
    out.push_back('"');
    out.append(s);
    out.push_back('"');
  } else if (detail::is_ascii(s)) {
    append_json_string(out, s);
  } else {
    append_json_string(out, detail::utf8_or_replaced(s));
  }
}

// ---- RawRequest parts
// ------------------------------------------------------------------------------------------

// Object keys made valid UTF-8 (as the object builders store them), kept alive while the object is written.
// Most keys are ASCII and returned as they are.
class ValidKeys {
 public:
  explicit ValidKeys(std::size_t count) : count_(count) {}
  std::string_view operator()(std::string_view key) {
    if (detail::is_ascii(key)) return key;
    if (owned_.capacity() == 0) owned_.reserve(count_);  // once, for every key: views stay valid
    return owned_.emplace_back(detail::utf8_or_replaced(key));
  }

 private:
  std::size_t count_;
  std::vector<std::string> owned_;
};

// Up to kInline entries on the stack, more on the heap.
template <typename T, std::size_t kInline = 16>
class SmallList {
 public:
  explicit SmallList(std::size_t capacity) {
    if (capacity > kInline) heap_.reserve(capacity);
  }
  void push_back(T v) {
    if (heap_.capacity() != 0) {
      heap_.push_back(std::move(v));
    } else {
      inline_[size_] = std::move(v);
    }
    ++size_;
  }
  T* begin() { return heap_.capacity() != 0 ? heap_.data() : inline_; }
  T* end() { return begin() + size_; }
  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return begin()[i]; }

 private:
  T inline_[kInline];
  std::vector<T> heap_;
  std::size_t size_ = 0;
};

// headers_json(headers, FirstWins): a name is compared case-insensitively with the names kept so far (as made
// valid UTF-8) and its first value kept; a name equal to a kept one only once made valid UTF-8 is dropped
// too (object::emplace keeps the existing key).
void append_first_headers(std::string& out, const HeaderList& headers) {
  ValidKeys valid(headers.size());
  SmallList<std::string_view> kept(headers.size());
  out.push_back('{');
  for (const auto& [name, value] : headers) {
    if (std::any_of(kept.begin(), kept.end(), [&](std::string_view k) { return iequals(k, name); })) continue;
    const std::string_view key = valid(name);
    if (key.data() != name.data() && std::find(kept.begin(), kept.end(), key) != kept.end()) continue;
    if (kept.size() != 0) out.push_back(',');
    kept.push_back(key);
    append_json_string(out, key);
    out.push_back(':');
    append_client_string(out, value);
  }
  out.push_back('}');
}

// query_json: {"k": ["v1", "v2"]}, keys (decoded, valid UTF-8) in first-seen order.
void append_query(std::string& out, std::string_view query) {
  struct Param {
    std::string key;
    std::vector<std::string> values;
  };
  std::vector<Param> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (param.empty()) continue;
    const std::size_t eq = param.find('=');
    std::string key = detail::utf8_or_replaced(detail::form_decode(param.substr(0, eq)));
    std::string value = eq == std::string_view::npos
                            ? std::string()
                            : detail::utf8_or_replaced(detail::form_decode(param.substr(eq + 1)));
    auto it = std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.key == key; });
    if (it == params.end()) it = params.insert(params.end(), Param{std::move(key), {}});
    it->values.push_back(std::move(value));
  }
  out.push_back('{');
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_json_string(out, params[i].key);
    out.append(":[");
    for (std::size_t v = 0; v < params[i].values.size(); ++v) {
      if (v != 0) out.push_back(',');
      append_json_string(out, params[i].values[v]);
    }
    out.push_back(']');
  }
  out.push_back('}');
}

// path_params: object::operator[] semantics, a repeated key keeps its first position and its last value.
void append_path_params(std::string& out, const std::vector<std::pair<std::string, std::string>>& params) {
  ValidKeys valid(params.size());
  SmallList<std::pair<std::string_view, std::string_view>> members(params.size());
  for (const auto& [name, value] : params) {
    const std::string_view key = valid(name);
    auto it = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.first == key; });
    if (it != members.end()) {
      it->second = value;
    } else {
      members.push_back({key, value});
    }
  }
  out.push_back('{');
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_json_string(out, members[i].first);
    out.push_back(':');
    append_client_string(out, members[i].second);
  }
  out.push_back('}');
}

std::size_t body_size(const std::optional<std::string>& body) {
  return body ? body->size() * 5 + 2 : 4;  // "-128," at most per byte
}

}  // namespace

// ---- fragments
// -------------------------------------------------------------------------------------------------

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = find_class(s, 0, 1); i < s.size(); i = find_class(s, i + 1, 1)) {
    const auto c = static_cast<unsigned char>(s[i]);
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      default:
        out.append("u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_json(std::string& out, const boost::json::object& object) {
  out.push_back('{');
  bool first = true;
  for (const auto& kv : object) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, kv.key());
    out.push_back(':');
    append_json(out, kv.value());
  }
  out.push_back('}');
}

void append_json(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case json::kind::null: out.append("null"); return;
    case json::kind::bool_: out.append(value.get_bool() ? "true" : "false"); return;
    case json::kind::int64: append_integer(out, value.get_int64()); return;
    case json::kind::uint64: append_integer(out, value.get_uint64()); return;
    case json::kind::double_: out.append(json::serialize(value)); return;  // boost's own float format
    case json::kind::string: append_json_string(out, value.get_string()); return;
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const json::value& v : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_json(out, v);
      }
      out.push_back(']');
      return;
    }
    case json::kind::object: append_json(out, value.get_object()); return;
  }
}

std::string raw_request_text(const RequestFacts& request) {
  const std::string_view uri = request.uri;
  std::size_t size = 320 + 2 * uri.size() + request.method.size() + request.remote.size();
  for (const auto& [name, value] : request.headers) size += name.size() + value.size() + 6;
  std::string out;
  out.reserve(size);
  out.append(R"({"id":)");
  append_integer(out, request.id);
  out.append(R"(,"method":)");
  append_client_string(out, request.method);
  out.append(R"(,"headers":)");
  append_first_headers(out, request.headers);
  out.append(R"(,"cookies":[)");
  bool first = true;
  for (const detail::RequestCookie& c : detail::request_cookies(request.headers)) {
    // Play's Cookie(name, value) defaults, as raw_request_json writes them.
    out.append(first ? R"({"name":)" : R"(,{"name":)");
    first = false;
    append_client_string(out, c.name);
    out.append(R"(,"value":)");
    append_client_string(out, c.value);
    out.append(R"(,"path":"/","domain":null,"http_only":true,"max_age":null,"secure":false,"same_site":null})");
  }
  out.append(request.tls ? R"(],"tls":true,"uri":)" : R"(],"tls":false,"uri":)");
  append_client_string(out, uri);
  out.append(R"(,"query":)");
  append_query(out, detail::query_of(uri));
  out.append(R"(,"path":)");
  append_client_string(out, uri.substr(0, uri.find_first_of("?#")));
  out.append(R"(,"version":)");
  append_client_string(out, request.version);
  out.append(request.has_body ? R"(,"has_body":true,"remote":)" : R"(,"has_body":false,"remote":)");
  append_client_string(out, request.remote);
  out.append(R"(,"client_cert_chain":null,"path_params":)");
  append_path_params(out, request.path_params);
  out.push_back('}');
  return out;
}

void append_body_bytes(std::string& out, const std::optional<std::string>& bytes, bool empty_is_null) {
  if (!bytes || (empty_is_null && bytes->empty())) {
    out.append("null");
    return;
  }
  out.reserve(out.size() + body_size(bytes));
  out.push_back('[');
  for (std::size_t i = 0; i < bytes->size(); ++i) {
    if (i != 0) out.push_back(',');
    append_integer(out, static_cast<int>(static_cast<signed char>((*bytes)[i])));
  }
  out.push_back(']');
}

// ---- contexts (key orders of step_context.cpp)
// -------------------------------------------------------------------------

std::string route_matcher_context_text(const StepText& t) {
  return joined({R"({"snowflake":)", t.snowflake, R"(,"route":)", t.route, R"(,"request":)", t.request,
                 R"(,"config":)", t.config, R"(,"attrs":)", t.attrs, "}"});
}

std::string pre_route_context_text(const StepText& t) {
  return joined({R"({"snowflake":)", t.snowflake, R"(,"request":)", t.request, R"(,"config":)", t.config,
                 R"(,"global_config":)", t.global_config, R"(,"attrs":)", t.attrs, R"(,"route":)", t.route, "}"});
}

std::string access_context_text(const StepText& t) {
  return joined({R"({"snowflake":)", t.snowflake, R"(,"apikey":null,"user":null,"request":)", t.request,
                 R"(,"config":)", t.config, R"(,"global_config":)", t.global_config, R"(,"attrs":)", t.attrs,
                 R"(,"route":)", t.route, "}"});
}

std::string request_transformer_context_text(const OutgoingRequest& raw, const OutgoingRequest& current,
                                             const std::optional<std::string>& body, const StepText& t) {
  const std::string raw_json = json::serialize(otoroshi_request_json(raw));
  const std::string current_json = json::serialize(otoroshi_request_json(current));
  std::string out = joined({R"({"snowflake":)", t.snowflake, R"(,"raw_request":)", raw_json,
                            R"(,"otoroshi_request":)", current_json, R"(,"apikey":null,"user":null,"request":)",
                            t.request, R"(,"config":)", t.config, R"(,"global_config":)", t.global_config,
                            R"(,"attrs":)", t.attrs, R"(,"route":)", t.route, R"(,"request_body_bytes":)"},
                           body_size(body) + 1);
  append_body_bytes(out, body);
  out.push_back('}');
  return out;
}

std::string response_transformer_context_text(const IncomingResponse& raw, const IncomingResponse& current,
                                              const std::optional<std::string>& body, const StepText& t) {
  const std::string raw_json = json::serialize(otoroshi_response_json(raw));
  const std::string current_json = json::serialize(otoroshi_response_json(current));
  std::string out = joined({R"({"snowflake":)", t.snowflake, R"(,"raw_response":)", raw_json,
                            R"(,"otoroshi_response":)", current_json, R"(,"apikey":null,"user":null,"request":)",
                            t.request, R"(,"config":)", t.config, R"(,"global_config":)", t.global_config,
                            R"(,"attrs":)", t.attrs, R"(,"route":)", t.route, R"(,"response_body_bytes":)"},
                           body_size(body) + 1);
  append_body_bytes(out, body, /*empty_is_null=*/true);
  out.push_back('}');
  return out;
}

std::string backend_context_text(const OutgoingRequest& current, const model::Target& backend,
                                 const std::optional<std::string>& body, const StepText& t) {
  const std::string backend_json = json::serialize(target_json(backend));
  const std::string current_json = json::serialize(otoroshi_request_json(current));
  constexpr std::string_view kRequest = R"(,"request":)";
  std::string out =
      joined({R"({"snowflake":)", t.snowflake, R"(,"backend":)", backend_json,
              R"(,"apikey":null,"user":null,"raw_request":)", t.request, R"(,"config":)", t.config,
              R"(,"global_config":)", t.global_config, R"(,"attrs":)", t.attrs, R"(,"route":)", t.route,
              R"(,"request_body_bytes":)"},
             body_size(body) + kRequest.size() + current_json.size() + 1);
  append_body_bytes(out, body);
  out.append(kRequest);
  out.append(current_json);
  out.push_back('}');
  return out;
}

}  // namespace wasmgate::plugins
