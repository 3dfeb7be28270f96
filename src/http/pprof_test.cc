#include "http/pprof.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <map>

namespace mnemo {
namespace {

// A minimal protobuf reader: the fields of one message, by number (varints and bytes).
struct Field {
  int number;
  int wire;
  uint64_t varint = 0;
  std::string bytes;
};

uint64_t ReadVarint(const std::string& s, size_t& i) {
  uint64_t v = 0;
  for (int shift = 0; i < s.size(); shift += 7) {
    auto b = static_cast<uint8_t>(s[i++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  return v;
}

std::vector<Field> Fields(const std::string& msg) {
  std::vector<Field> out;
  size_t i = 0;
  while (i < msg.size()) {
    uint64_t key = ReadVarint(msg, i);
    Field f{static_cast<int>(key >> 3), static_cast<int>(key & 7), 0, ""};
    if (f.wire == 0) {
      f.varint = ReadVarint(msg, i);
    } else {
      EXPECT_EQ(f.wire, 2);
      size_t n = ReadVarint(msg, i);
      f.bytes = msg.substr(i, n);
      i += n;
    }
    out.push_back(f);
  }
  return out;
}

std::string Gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

constexpr char kDump[] =
    "heap_v2/524288\n"
    "  t*: 3: 3145728 [0: 0]\n"
    "@ 0x1000 0x2001\n"
    "  t*: 2: 2097152 [0: 0]\n"
    "@ 0x3000\n"
    "  t*: 1: 1048576 [0: 0]\n"
    "MAPPED_LIBRARIES:\n";

TEST(Pprof, EncodesSamplesLocationsAndStrings) {
  auto profile = HeapProfile::Parse(kDump);
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  Symbolizer sym;
  auto gz = Gzip(EncodeHeapPprof(*profile, nullptr, sym, 123));
  ASSERT_TRUE(gz.ok());
  ASSERT_GE(gz->size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>((*gz)[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<uint8_t>((*gz)[1]), 0x8b);
  std::vector<Field> fields = Fields(Gunzip(*gz));
  std::vector<std::string> strings;
  std::vector<std::string> samples, locations, functions, types;
  uint64_t period = 0, time = 0;
  for (const Field& f : fields) {
    if (f.number == 6) strings.push_back(f.bytes);
    if (f.number == 2) samples.push_back(f.bytes);
    if (f.number == 4) locations.push_back(f.bytes);
    if (f.number == 5) functions.push_back(f.bytes);
    if (f.number == 1) types.push_back(f.bytes);
    if (f.number == 12) period = f.varint;
    if (f.number == 9) time = f.varint;
  }
  ASSERT_FALSE(strings.empty());
  EXPECT_EQ(strings[0], "");  // pprof requires the empty string first
  EXPECT_EQ(period, 524288u);
  EXPECT_EQ(time, 123u);
  ASSERT_EQ(types.size(), 2u);
  EXPECT_EQ(strings[Fields(types[1])[0].varint], "inuse_space");
  EXPECT_EQ(strings[Fields(types[1])[1].varint], "bytes");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(locations.size(), 3u);  // three distinct program counters
  // The first sample: two locations, the unsampled estimates as values.
  std::vector<Field> s0 = Fields(samples[0]);
  size_t i = 0;
  std::string ids = s0[0].bytes;
  EXPECT_EQ(ReadVarint(ids, i), 1u);
  EXPECT_EQ(ReadVarint(ids, i), 2u);
  std::string values = s0[1].bytes;
  i = 0;
  auto [objects, bytes] = UnsampleHeapV2(2, 2097152, 524288);
  EXPECT_EQ(ReadVarint(values, i), static_cast<uint64_t>(std::llround(objects)));
  EXPECT_EQ(ReadVarint(values, i), static_cast<uint64_t>(std::llround(bytes)));
  // The second location is at the call (return address - 1).
  EXPECT_EQ(Fields(locations[1])[1].varint, 0x2000u);
  EXPECT_FALSE(functions.empty());
}

TEST(Pprof, DiffNegatesTheBase) {
  auto profile = HeapProfile::Parse(kDump);
  ASSERT_TRUE(profile.ok());
  Symbolizer sym;
  std::string msg = EncodeHeapPprof(*profile, &*profile, sym, 0);
  int samples = 0, negative = 0;
  for (const Field& f : Fields(msg)) {
    if (f.number != 2) continue;
    samples++;
    std::string values = Fields(f.bytes)[1].bytes;
    size_t i = 0;
    auto v = static_cast<int64_t>(ReadVarint(values, i));
    if (v < 0) negative++;
  }
  EXPECT_EQ(samples, 4);
  EXPECT_EQ(negative, 2);
}

TEST(FlameGraph, NamesEveryFrameAndEscapes) {
  std::vector<HeapSite> sites = {
      {.bytes = 3000, .objects = 1, .percent = 75, .frames = {"leaf<a&b>", "main"}},
      {.bytes = 1000, .objects = 1, .percent = 25, .frames = {"other", "main"}},
  };
  std::string svg = RenderFlameGraphSvg(sites, "title");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<title>leaf&lt;a&amp;b&gt; (3000 bytes, 75.00%)</title>"), std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<title>main (4000 bytes, 100.00%)</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>other (1000 bytes, 25.00%)</title>"), std::string::npos);
  EXPECT_EQ(svg.find("leaf<a"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace mnemo
