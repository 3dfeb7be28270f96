#include "types/set_sampling.h"

#include <algorithm>
#include <unordered_set>

namespace mnemo {

SampleRng& ThreadSampleRng() {
  thread_local SampleRng rng{std::random_device{}()};
  return rng;
}

std::vector<uint64_t> DistinctIndices(uint64_t n, uint64_t k, SampleRng& rng) {
  // Floyd: for j = n-k .. n-1 take a random t in [0, j]; if taken already, take j instead.
  std::unordered_set<uint64_t> chosen;
  chosen.reserve(k);
  for (uint64_t j = n - k; j < n; j++) {
    uint64_t t = std::uniform_int_distribution<uint64_t>(0, j)(rng);
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  std::vector<uint64_t> out(chosen.begin(), chosen.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::string SeekTarget(std::string_view first, std::string_view last, SampleRng& rng) {
  size_t common = 0;
  while (common < first.size() && common < last.size() && first[common] == last[common]) {
    common++;
  }
  std::string out(first.substr(0, common));
  size_t len = std::max(first.size(), last.size());
  for (size_t i = common; i < len; i++) {
    int a = i < first.size() ? static_cast<unsigned char>(first[i]) : 0;
    int b = i < last.size() ? static_cast<unsigned char>(last[i]) : 255;
    if (a > b) std::swap(a, b);
    out.push_back(static_cast<char>(std::uniform_int_distribution<int>(a, b)(rng)));
  }
  return out;
}

ProbeSpace ProbeSpace::Learn(const std::vector<std::string>& members) {
  ProbeSpace p;
  if (members.empty()) return p;
  const size_t len = members.front().size();
  for (const std::string& m : members) {
    if (m.size() != len) return p;
  }
  p.lo = p.hi = members.front();
  for (const std::string& m : members) {
    for (size_t i = 0; i < len; i++) {
      p.lo[i] = static_cast<char>(std::min<unsigned char>(p.lo[i], m[i]));
      p.hi[i] = static_cast<char>(std::max<unsigned char>(p.hi[i], m[i]));
    }
  }
  return p;
}

double ProbeSpace::Size() const {
  if (lo.empty()) return 0;
  double n = 1;
  for (size_t i = 0; i < lo.size(); i++) {
    n *= static_cast<unsigned char>(hi[i]) - static_cast<unsigned char>(lo[i]) + 1;
  }
  return n;
}

std::string ProbeSpace::Draw(SampleRng& rng) const {
  std::string out(lo.size(), '\0');
  for (size_t i = 0; i < lo.size(); i++) {
    out[i] = static_cast<char>(std::uniform_int_distribution<int>(
        static_cast<unsigned char>(lo[i]), static_cast<unsigned char>(hi[i]))(rng));
  }
  return out;
}

}  // namespace mnemo
