// Random choice of set members for SPOP and SRANDMEMBER, as pure functions over sizes and
// member strings (the set type reads the members; these decide which). Two ways:
//
//  - Exact: DistinctIndices picks k distinct positions out of n uniformly (Floyd's algorithm,
//    O(k) time and memory), and the caller walks the members once in order, taking those
//    positions: every k-subset equally likely, O(n) reads. Used while n is small.
//  - Approximate: SeekTarget makes a string between the first and last member, byte by byte
//    from the range those two span at each position, and the caller takes the first member at
//    or after it (wrapping to the first). O(log n) per pick, but a member's chance grows with
//    the gap before it in member order: uniform for members of one fixed-width alphabet
//    (`element:000000012345`, hex ids), skewed otherwise. Used for large sets only.
//  - Probing: a ProbeSpace learnt from members at the set's two ends gives, position by
//    position, the least and greatest byte those members have there; a random string of it is
//    looked up with a point read, and a hit is the pick. Exactly uniform over the members inside
//    the space (all of them, for one fixed-width alphabet), and a point read costs a fraction of
//    a seek, which reads a data block of every sorted run. Worth it only where many strings of
//    the space are members: the caller tries a few and seeks when they all miss.
//
// Thread-safe: no state; the caller owns the random engine.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mnemo {

using SampleRng = std::mt19937_64;

// The random engine of the calling thread, seeded once from std::random_device.
SampleRng& ThreadSampleRng();

// k distinct values of [0, n), ascending, each k-subset equally likely. REQUIRES: k <= n.
std::vector<uint64_t> DistinctIndices(uint64_t n, uint64_t k, SampleRng& rng);

// A seek target for one approximate pick between `first` and `last` (the set's least and
// greatest members): their common prefix, then at each later position a byte drawn uniformly
// from the range the two members' bytes there span (a missing byte counts as 0 for `first`,
// 255 for `last`), as long as the longer of them.
std::string SeekTarget(std::string_view first, std::string_view last, SampleRng& rng);

// The strings a probe draws from: lo[i]..hi[i] at each position i. Empty = no space.
struct ProbeSpace {
  std::string lo, hi;

  // The space of `members` (some members of one set): none unless they all have one length.
  static ProbeSpace Learn(const std::vector<std::string>& members);
  // How many strings it holds (a double, as it may pass 2^64); 0 for no space.
  double Size() const;
  // One of them, each equally likely. REQUIRES: Size() > 0.
  std::string Draw(SampleRng& rng) const;
};

}  // namespace mnemo
