// Regex built-ins on RE2 (linear time, the syntax Go's regexp — and so Rego — uses): regex.match, re_match,
// regex.is_valid, regex.split, regex.find_n, regex.find_all_string_submatch_n, regex.replace.
#include <re2/re2.h>

#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "wasm/abi/opa/detail/builtin_args.h"

namespace wasmgate::abi::opa::detail {
namespace {

namespace json = boost::json;

// Patterns from policies and requests are untrusted: RE2 bounds time, this bounds the compiled size.
constexpr int kMaxProgramMemoryBytes = 1 << 20;

Result<std::unique_ptr<RE2>> compile(std::string_view pattern, std::string_view builtin) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kMaxProgramMemoryBytes);
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) return builtin_error(builtin, "invalid regex " + std::string(pattern) + ": " + re->error());
  return re;
}

// Every match of `re` in `text` (at most `limit` when limit >= 0), each as its groups (0 = whole match);
// an empty match advances one byte so the scan ends, as Go's FindAll does.
std::vector<std::vector<std::string_view>> find_all(const RE2& re, std::string_view text,
                                                    std::int64_t limit) {
  std::vector<std::vector<std::string_view>> out;
  const int groups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> match(static_cast<std::size_t>(groups));
  std::size_t pos = 0;
  const char* previous_end = nullptr;
  while (pos <= text.size() && (limit < 0 || static_cast<std::int64_t>(out.size()) < limit)) {
    if (!re.Match(text, pos, text.size(), RE2::UNANCHORED, match.data(), groups)) break;
    const std::string_view whole(match[0].data(), match[0].size());
    if (whole.empty() && whole.data() == previous_end) {  // an empty match right after the last one: skip it
      pos = static_cast<std::size_t>(whole.data() - text.data()) + 1;
      continue;
    }
    std::vector<std::string_view>& found = out.emplace_back();
    for (const auto& group : match) found.emplace_back(group.data(), group.size());
    previous_end = whole.data() + whole.size();
    pos = static_cast<std::size_t>(previous_end - text.data()) + (whole.empty() ? 1 : 0);
  }
  return out;
}

Result<json::value> regex_match(Args args, const BuiltinContext&) {
  auto pattern = string_arg(args, 0, "regex.match");
  if (!pattern) return pattern.take_error();
  auto value = string_arg(args, 1, "regex.match");
  if (!value) return value.take_error();
  auto re = compile(*pattern, "regex.match");
  if (!re) return re.take_error();
  return json::value(RE2::PartialMatch(re2::StringPiece(value->data(), value->size()), **re));
}

// Never an error: anything but a valid pattern string is false.
Result<json::value> regex_is_valid(Args args, const BuiltinContext&) {
  if (!args[0].is_string()) return json::value(false);
  return json::value(compile(args[0].get_string(), "regex.is_valid").ok());
}

Result<json::value> regex_split(Args args, const BuiltinContext&) {
  auto pattern = string_arg(args, 0, "regex.split");
  if (!pattern) return pattern.take_error();
  auto value = string_arg(args, 1, "regex.split");
  if (!value) return value.take_error();
  auto re = compile(*pattern, "regex.split");
  if (!re) return re.take_error();
  json::array out;
  std::size_t start = 0;
  for (const auto& m : find_all(**re, *value, -1)) {
    const auto at = static_cast<std::size_t>(m[0].data() - value->data());
    if (m[0].empty() && (at == 0 || at == value->size())) continue;  // Go: no empty piece at either end
    out.emplace_back(value->substr(start, at - start));
    start = at + m[0].size();
  }
  out.emplace_back(value->substr(start));
  return json::value(std::move(out));
}

Result<json::value> regex_find_n(Args args, const BuiltinContext&) {
  auto pattern = string_arg(args, 0, "regex.find_n");
  if (!pattern) return pattern.take_error();
  auto value = string_arg(args, 1, "regex.find_n");
  if (!value) return value.take_error();
  auto limit = int_arg(args, 2, "regex.find_n");
  if (!limit) return limit.take_error();
  auto re = compile(*pattern, "regex.find_n");
  if (!re) return re.take_error();
  json::array out;
  for (const auto& m : find_all(**re, *value, *limit)) out.emplace_back(m[0]);
  return json::value(std::move(out));
}

Result<json::value> regex_find_submatches(Args args, const BuiltinContext&) {
  constexpr std::string_view name = "regex.find_all_string_submatch_n";
  auto pattern = string_arg(args, 0, name);
  if (!pattern) return pattern.take_error();
  auto value = string_arg(args, 1, name);
  if (!value) return value.take_error();
  auto limit = int_arg(args, 2, name);
  if (!limit) return limit.take_error();
  auto re = compile(*pattern, name);
  if (!re) return re.take_error();
  json::array out;
  for (const auto& m : find_all(**re, *value, *limit)) {
    json::array groups;
    for (std::string_view g : m) groups.emplace_back(g);
    out.push_back(std::move(groups));
  }
  return json::value(std::move(out));
}

// Go's template expansion ($1, ${1}, ${name}, $$) for one match.
std::string expand(const RE2& re, std::string_view tmpl, const std::vector<std::string_view>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  auto group = [&](std::string_view ref) -> std::string_view {
    int index = -1;
    if (!ref.empty() && ref.find_first_not_of("0123456789") == std::string_view::npos) {
      index = ref.size() > 6 ? -1 : std::stoi(std::string(ref));
    } else if (auto it = names.find(std::string(ref)); it != names.end()) {
      index = it->second;
    }
    return index >= 0 && index < static_cast<int>(groups.size()) ? groups[static_cast<std::size_t>(index)]
                                                                 : std::string_view();
  };
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out.push_back(tmpl[i]);
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out.push_back('$');
      ++i;
    } else if (tmpl[i + 1] == '{') {
      const auto close = tmpl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out.push_back('$');
        continue;
      }
      out.append(group(tmpl.substr(i + 2, close - i - 2)));
      i = close;
    } else {
      std::size_t end = i + 1;  // Go takes the longest run of letters, digits and '_' as the name
      while (end < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[end])) || tmpl[end] == '_'))
        ++end;
      if (end == i + 1) {
        out.push_back('$');
        continue;
      }
      out.append(group(tmpl.substr(i + 1, end - i - 1)));
      i = end - 1;
    }
  }
  return out;
}

// regex.replace(s, pattern, value): every match of pattern in s replaced by value ($1 expanded).
Result<json::value> regex_replace(Args args, const BuiltinContext&) {
  auto s = string_arg(args, 0, "regex.replace");
  if (!s) return s.take_error();
  auto pattern = string_arg(args, 1, "regex.replace");
  if (!pattern) return pattern.take_error();
  auto value = string_arg(args, 2, "regex.replace");
  if (!value) return value.take_error();
  auto re = compile(*pattern, "regex.replace");
  if (!re) return re.take_error();
  std::string out;
  std::size_t start = 0;
  for (const auto& m : find_all(**re, *s, -1)) {
    const auto at = static_cast<std::size_t>(m[0].data() - s->data());
    out.append(s->substr(start, at - start));
    out.append(expand(**re, *value, m));
    start = at + m[0].size();
  }
  out.append(s->substr(start));
  return json::value(out);
}

constexpr Builtin kRegex[] = {
    {"re_match", 2, regex_match},  // the pre-0.2x name of regex.match, still emitted by old compilers
    {"regex.find_all_string_submatch_n", 3, regex_find_submatches},
    {"regex.find_n", 3, regex_find_n},
    {"regex.is_valid", 1, regex_is_valid},
    {"regex.match", 2, regex_match},
    {"regex.replace", 3, regex_replace},
    {"regex.split", 2, regex_split},
};

}  // namespace

std::span<const Builtin> regex_builtins() {
  return kRegex;
}

}  // namespace wasmgate::abi::opa::detail
