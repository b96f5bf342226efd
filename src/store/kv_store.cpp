#include "store/kv_store.h"

namespace wasmgate::store {

KvStore::~KvStore() = default;

namespace {

// One `[...]` class at pattern[p] (just past the '['): whether `c` matches, and where the class ends (just
// past its ']', or the pattern's end when unterminated — Redis treats that as the end of the class).
bool match_class(std::string_view pattern, std::size_t& p, char c) {
  bool negate = false;
  if (p < pattern.size() && pattern[p] == '^') {
    negate = true;
    ++p;
  }
  bool matched = false;
  while (p < pattern.size() && pattern[p] != ']') {
    if (pattern[p] == '\\' && p + 1 < pattern.size()) {
      ++p;
      if (pattern[p] == c) matched = true;
    } else if (p + 2 < pattern.size() && pattern[p + 1] == '-' && pattern[p + 2] != ']') {
      char lo = pattern[p];
      char hi = pattern[p + 2];
      if (lo > hi) std::swap(lo, hi);
      if (c >= lo && c <= hi) matched = true;
      p += 2;
    } else if (pattern[p] == c) {
      matched = true;
    }
    ++p;
  }
  if (p < pattern.size()) ++p;  // the ']'
  return negate ? !matched : matched;
}

}  // namespace

// Iterative with single-star backtracking: linear in practice and never recursive, so a hostile pattern
// ("*a*a*a*…") cannot blow the stack (Redis's recursive version needed a nesting limit for that).
bool redis_glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star_p = std::string_view::npos;  // position just past the last '*'
  std::size_t star_t = 0;                       // text position that '*' currently absorbs up to
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char pc = pattern[p];
      if (pc == '*') {
        while (p < pattern.size() && pattern[p] == '*') ++p;
        if (p == pattern.size()) return true;
        star_p = p;
        star_t = t;
        continue;
      }
      std::size_t next = p + 1;
      bool ok = false;
      if (pc == '?') {
        ok = true;
      } else if (pc == '[') {
        ok = match_class(pattern, next, text[t]);
      } else if (pc == '\\' && p + 1 < pattern.size()) {
        ok = pattern[p + 1] == text[t];
        next = p + 2;
      } else {
        ok = pc == text[t];
      }
      if (ok) {
        p = next;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;  // let the last '*' absorb one more character
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace wasmgate::store
