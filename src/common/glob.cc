// Glob matching with Redis's semantics (see stringmatchlen in Redis's util.c). Written as an
// iterative matcher with one backtracking point per '*', so it runs in O(|p|*|s|) worst case
// instead of the exponential time of naive recursion.
#include <cctype>

#include "common/string_util.h"

namespace mnemo {
namespace {

char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one pattern element at p[*pi] against c. Advances *pi past the element.
// Returns false if the element does not match c.
bool MatchOne(std::string_view p, size_t* pi, char c, bool nocase) {
  size_t i = *pi;
  if (p[i] == '?') {
    *pi = i + 1;
    return true;
  }
  if (p[i] == '[') {
    i++;
    bool negate = i < p.size() && p[i] == '^';
    if (negate) i++;
    bool match = false;
    while (i < p.size() && p[i] != ']') {
      if (p[i] == '\\' && i + 1 < p.size()) {
        i++;
        if (Fold(p[i], nocase) == Fold(c, nocase)) match = true;
        i++;
      } else if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
        char lo = Fold(p[i], nocase), hi = Fold(p[i + 2], nocase);
        if (lo > hi) std::swap(lo, hi);
        char fc = Fold(c, nocase);
        if (fc >= lo && fc <= hi) match = true;
        i += 3;
      } else {
        if (Fold(p[i], nocase) == Fold(c, nocase)) match = true;
        i++;
      }
    }
    if (i < p.size()) i++;  // skip ']'; an unterminated class ends at the pattern's end
    *pi = i;
    return negate ? !match : match;
  }
  if (p[i] == '\\' && i + 1 < p.size()) i++;
  *pi = i + 1;
  return Fold(p[i], nocase) == Fold(c, nocase);
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s, bool nocase) {
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      while (pi < p.size() && p[pi] == '*') pi++;
      if (pi == p.size()) return true;
      star_p = pi;
      star_s = si;
      continue;
    }
    size_t next = pi;
    if (pi < p.size() && MatchOne(p, &next, s[si], nocase)) {
      pi = next;
      si++;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') pi++;
  return pi == p.size();
}

}  // namespace mnemo
