// String built-ins OPA leaves to the host: sprintf (Go's fmt verbs), indexof_n, strings.any_prefix_match,
// strings.any_suffix_match, strings.count, strings.replace_n.
#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <cmath>
#include <optional>
#include <string>

#include "wasm/abi/opa/detail/builtin_args.h"

namespace wasmgate::abi::opa::detail {
namespace {

namespace json = boost::json;

// An integral number as int64 (3, 3.0), else nullopt.
std::optional<std::int64_t> as_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double() && std::floor(v.get_double()) == v.get_double() && std::abs(v.get_double()) < 9e15) {
    return static_cast<std::int64_t>(v.get_double());
  }
  return std::nullopt;
}

double as_double(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

// Rego's rendering of a term, as OPA's sprintf prints %v: strings bare at top level and quoted inside
// collections, integral numbers without a fraction, `["a", 1]`, `{"k": true}`.
void append_term(std::string& out, const json::value& v, bool top_level) {
  switch (v.kind()) {
    case json::kind::string:
      if (top_level)
        out.append(v.get_string());
      else
        out.append(json::serialize(v));
      return;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      if (auto i = as_integer(v))
        out.append(std::to_string(*i));
      else
        out.append(fmt::format("{}", as_double(v)));
      return;
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out.append(", ");
        first = false;
        append_term(out, item, false);
      }
      out.push_back(']');
      return;
    }
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : v.get_object()) {
        if (!first) out.append(", ");
        first = false;
        out.append(json::serialize(json::value(key)));
        out.append(": ");
        append_term(out, item, false);
      }
      out.push_back('}');
      return;
    }
    default:  // bool, null
      out.append(json::serialize(v));
  }
}

struct Spec {
  bool left = false, zero = false, plus = false, space = false;
  std::optional<int> width, precision;
};

// Applies width and alignment (Go pads numbers with zeros after the sign when '0' is given).
std::string pad(std::string body, const Spec& spec, bool numeric) {
  if (!spec.width || static_cast<int>(body.size()) >= *spec.width) return body;
  const std::size_t fill = static_cast<std::size_t>(*spec.width) - body.size();
  if (spec.left) return body + std::string(fill, ' ');
  if (spec.zero && numeric) {
    const std::size_t sign = !body.empty() && (body[0] == '-' || body[0] == '+') ? 1 : 0;
    return body.insert(sign, fill, '0');
  }
  return std::string(fill, ' ') + body;
}

// One verb applied to one operand; Go's "%!d(string=x)" for a mismatch.
std::string format_one(char verb, const Spec& spec, const json::value& v) {
  auto bad = [&] {
    std::string shown;
    append_term(shown, v, true);
    return fmt::format("%!{}({}={})", verb, json_type_name(v), shown);
  };
  const bool number = v.is_number();
  const std::string sign = spec.plus ? "+" : spec.space ? " " : "";
  switch (verb) {
    case 'v':
    case 's': {
      std::string s;
      append_term(s, v, true);
      if (spec.precision && static_cast<int>(s.size()) > *spec.precision) s.resize(*spec.precision);
      return pad(std::move(s), spec, false);
    }
    case 'q':
      if (!v.is_string()) return bad();
      return pad(json::serialize(v), spec, false);
    case 't':
      if (!v.is_bool()) return bad();
      return pad(v.get_bool() ? "true" : "false", spec, false);
    case 'd':
    case 'b':
    case 'o':
    case 'x':
    case 'X': {
      if ((verb == 'x' || verb == 'X') && v.is_string()) {  // hex of the bytes, like Go
        std::string hex;
        for (unsigned char c : std::string_view(v.get_string())) {
          hex += verb == 'x' ? fmt::format("{:02x}", c) : fmt::format("{:02X}", c);
        }
        return pad(std::move(hex), spec, false);
      }
      auto i = number ? as_integer(v) : std::nullopt;
      if (!i) return bad();
      const std::string digits = verb == 'd'   ? fmt::format("{}", *i < 0 ? -*i : *i)
                                 : verb == 'b' ? fmt::format("{:b}", *i < 0 ? -*i : *i)
                                 : verb == 'o' ? fmt::format("{:o}", *i < 0 ? -*i : *i)
                                 : verb == 'x' ? fmt::format("{:x}", *i < 0 ? -*i : *i)
                                               : fmt::format("{:X}", *i < 0 ? -*i : *i);
      return pad((*i < 0 ? "-" : sign) + digits, spec, true);
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (!number) return bad();
      const double d = as_double(v);
      const int precision = spec.precision.value_or(6);
      std::string body;
      switch (verb) {
        case 'f':
        case 'F':
          body = fmt::format("{:.{}f}", d, precision);
          break;
        case 'e':
          body = fmt::format("{:.{}e}", d, precision);
          break;
        case 'E':
          body = fmt::format("{:.{}E}", d, precision);
          break;
        default:  // %g: shortest representation unless a precision is given
          body = spec.precision ? fmt::format("{:.{}g}", d, precision) : fmt::format("{}", d);
      }
      if (d >= 0) body = sign + body;
      return pad(std::move(body), spec, true);
    }
    default:
      return fmt::format("%!{}(BADVERB)", verb);
  }
}

Result<json::value> sprintf_builtin(Args args, const BuiltinContext&) {
  auto format = string_arg(args, 0, "sprintf");
  if (!format) return format.take_error();
  auto values = array_arg(args, 1, "sprintf");
  if (!values) return values.take_error();
  const std::string_view f = *format;
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out.push_back(f[i]);
      continue;
    }
    if (++i >= f.size()) {
      out.append("%!(NOVERB)");
      break;
    }
    if (f[i] == '%') {
      out.push_back('%');
      continue;
    }
    Spec spec;
    for (; i < f.size(); ++i) {
      if (f[i] == '-')
        spec.left = true;
      else if (f[i] == '0')
        spec.zero = true;
      else if (f[i] == '+')
        spec.plus = true;
      else if (f[i] == ' ')
        spec.space = true;
      else
        break;
    }
    auto number = [&]() -> std::optional<int> {
      std::optional<int> n;
      for (; i < f.size() && f[i] >= '0' && f[i] <= '9'; ++i) n = n.value_or(0) * 10 + (f[i] - '0');
      return n;
    };
    spec.width = number();
    if (i < f.size() && f[i] == '.') {
      ++i;
      spec.precision = number().value_or(0);
    }
    if (i >= f.size()) {
      out.append("%!(NOVERB)");
      break;
    }
    const char verb = f[i];
    if (next >= (*values)->size()) {
      out.append(fmt::format("%!{}(MISSING)", verb));
      continue;
    }
    out.append(format_one(verb, spec, (**values)[next++]));
  }
  if (next < (*values)->size()) {  // Go reports operands the format did not use
    out.append("%!(EXTRA ");
    for (std::size_t k = next; k < (*values)->size(); ++k) {
      if (k != next) out.append(", ");
      const auto& v = (**values)[k];
      out.append(json_type_name(v));
      out.push_back('=');
      append_term(out, v, true);
    }
    out.push_back(')');
  }
  return json::value(out);
}

// indexof_n(haystack, needle): every (code point) index where needle starts, overlapping matches included.
Result<json::value> indexof_n(Args args, const BuiltinContext&) {
  auto haystack = string_arg(args, 0, "indexof_n");
  if (!haystack) return haystack.take_error();
  auto needle = string_arg(args, 1, "indexof_n");
  if (!needle) return needle.take_error();
  json::array out;
  if (needle->empty()) return json::value(std::move(out));
  std::int64_t code_point = 0;
  for (std::size_t i = 0; i < haystack->size(); ++i) {
    const auto c = static_cast<unsigned char>((*haystack)[i]);
    if ((c & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte: not a code point start
    if (haystack->compare(i, needle->size(), *needle) == 0) out.push_back(code_point);
    ++code_point;
  }
  return json::value(std::move(out));
}

template <bool Prefix>
Result<json::value> any_affix_match(Args args, const BuiltinContext&) {
  constexpr std::string_view name = Prefix ? "strings.any_prefix_match" : "strings.any_suffix_match";
  auto search = strings_arg(args, 0, name);
  if (!search) return search.take_error();
  auto affixes = strings_arg(args, 1, name);
  if (!affixes) return affixes.take_error();
  for (std::string_view s : *search) {
    for (std::string_view a : *affixes) {
      if (Prefix ? s.starts_with(a) : s.ends_with(a)) return json::value(true);
    }
  }
  return json::value(false);
}

// strings.count(search, substring): non-overlapping occurrences (Go's strings.Count; "" counts code
// points+1).
Result<json::value> strings_count(Args args, const BuiltinContext&) {
  auto search = string_arg(args, 0, "strings.count");
  if (!search) return search.take_error();
  auto sub = string_arg(args, 1, "strings.count");
  if (!sub) return sub.take_error();
  std::int64_t n = 0;
  if (sub->empty()) {
    for (unsigned char c : *search) n += (c & 0xC0) != 0x80;
    return json::value(n + 1);
  }
  for (std::size_t at = search->find(*sub); at != std::string_view::npos;
       at = search->find(*sub, at + sub->size())) {
    ++n;
  }
  return json::value(n);
}

// strings.replace_n(patterns: {old: new}, value): replaces every old by its new, in one left-to-right pass
// (Go's strings.NewReplacer; at one position, the first pattern in key order wins).
Result<json::value> replace_n(Args args, const BuiltinContext&) {
  auto patterns = object_arg(args, 0, "strings.replace_n");
  if (!patterns) return patterns.take_error();
  auto value = string_arg(args, 1, "strings.replace_n");
  if (!value) return value.take_error();
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (const auto& [from, to] : **patterns) {
    if (!to.is_string()) return operand_error("strings.replace_n", 0, "object of strings", to);
    pairs.emplace_back(from, to.get_string());
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (std::size_t i = 0; i < value->size();) {
    bool replaced = false;
    for (const auto& [from, to] : pairs) {
      if (!from.empty() && value->compare(i, from.size(), from) == 0) {
        out.append(to);
        i += from.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back((*value)[i++]);
  }
  return json::value(out);
}

constexpr Builtin kStrings[] = {
    {"indexof_n", 2, indexof_n},
    {"sprintf", 2, sprintf_builtin},
    {"strings.any_prefix_match", 2, any_affix_match<true>},
    {"strings.any_suffix_match", 2, any_affix_match<false>},
    {"strings.count", 2, strings_count},
    {"strings.replace_n", 2, replace_n},
};

}  // namespace

std::span<const Builtin> string_builtins() {
  return kStrings;
}

}  // namespace wasmgate::abi::opa::detail
