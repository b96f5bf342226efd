#include "wasm/abi/extism/host_glob.h"

#include <cctype>
#include <optional>

namespace wasmgate::abi {
namespace {

char fold(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Matches the class starting at pattern[i] == '[' against c. Returns the index after ']' and whether it
// matched, or nullopt when the class is unterminated.
struct ClassMatch {
  std::size_t end;
  bool matched;
};
std::optional<ClassMatch> match_class(std::string_view pattern, std::size_t i, char c) {
  std::size_t j = i + 1;
  const bool negated = j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^');
  if (negated) ++j;
  bool matched = false;
  bool first = true;
  for (; j < pattern.size(); ++j) {
    if (pattern[j] == ']' && !first) return ClassMatch{j + 1, matched != negated};
    first = false;
    const char lo = fold(pattern[j]);
    if (j + 2 < pattern.size() && pattern[j + 1] == '-' && pattern[j + 2] != ']') {
      const char hi = fold(pattern[j + 2]);
      if (lo <= c && c <= hi) matched = true;
      j += 2;
    } else if (lo == c) {
      matched = true;
    }
  }
  return std::nullopt;
}

bool has_unterminated_class(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '[') continue;
    auto m = match_class(pattern, i, '\0');
    if (!m) return true;
    i = m->end - 1;
  }
  return false;
}

bool equal_folded(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

}  // namespace

// Iterative wildcard matching with one backtrack point (the last `*`): linear in practice, never exponential.
bool host_glob_match(std::string_view pattern, std::string_view host) {
  if (has_unterminated_class(pattern)) return equal_folded(pattern, host);
  std::size_t p = 0, h = 0;
  std::optional<std::size_t> star_p, star_h;
  while (h < host.size()) {
    const char c = fold(host[h]);
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      star_p = p;
      star_h = h;
      continue;
    }
    if (p < pattern.size()) {
      if (pattern[p] == '?') {
        ++p, ++h;
        continue;
      }
      if (pattern[p] == '[') {
        auto m = match_class(pattern, p, c);
        if (m && m->matched) {
          p = m->end, ++h;
          continue;
        }
      } else if (fold(pattern[p]) == c) {
        ++p, ++h;
        continue;
      }
    }
    if (!star_p) return false;
    p = *star_p;
    h = ++*star_h;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool host_allowed(std::span<const std::string> patterns, std::string_view host) {
  for (const auto& pattern : patterns) {
    if (host_glob_match(pattern, host)) return true;
  }
  return false;
}

}  // namespace wasmgate::abi
