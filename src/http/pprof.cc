#include "http/pprof.h"

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

namespace mnemo {
namespace {

// ---- protobuf wire format ----

void Varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void Key(std::string& out, int field, int wire_type) {
  Varint(out, static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire_type));
}

void VarintField(std::string& out, int field, uint64_t v) {
  if (v == 0) return;  // proto3: defaults are not written
  Key(out, field, 0);
  Varint(out, v);
}

void BytesField(std::string& out, int field, const std::string& bytes) {
  Key(out, field, 2);
  Varint(out, bytes.size());
  out += bytes;
}

// A packed repeated int64/uint64 field (negative int64s as 10-byte two's complement varints).
void PackedField(std::string& out, int field, const std::vector<uint64_t>& values) {
  std::string packed;
  for (uint64_t v : values) Varint(packed, v);
  BytesField(out, field, packed);
}

// ---- profile.proto (github.com/google/pprof/proto/profile.proto) field numbers ----
enum ProfileField {
  kSampleType = 1,
  kSample = 2,
  kMapping = 3,
  kLocation = 4,
  kFunction = 5,
  kStringTable = 6,
  kTimeNanos = 9,
  kPeriodType = 11,
  kPeriod = 12,
  kDefaultSampleType = 14,
};

class ProfileBuilder {
 public:
  ProfileBuilder(Symbolizer& symbolizer) : symbolizer_(symbolizer) { Str(""); }

  uint64_t Str(const std::string& s) {
    auto [it, inserted] = strings_.emplace(s, strings_.size());
    if (inserted) BytesField(string_table_, kStringTable, s);
    return it->second;
  }

  std::string ValueType(const char* type, const char* unit) {
    std::string m;
    VarintField(m, 1, Str(type));
    VarintField(m, 2, Str(unit));
    return m;
  }

  // Adds every sample of `p`, values multiplied by `sign`.
  void AddSamples(const HeapProfile& p, int sign) {
    profile_index_++;
    for (const HeapSample& s : p.samples()) {
      std::vector<uint64_t> locations = StackLocations(p, s);
      if (locations.empty()) continue;
      auto objects = static_cast<int64_t>(std::llround(s.objects)) * sign;
      auto bytes = static_cast<int64_t>(std::llround(s.bytes)) * sign;
      std::string m;
      PackedField(m, 1, locations);
      PackedField(m, 2, {static_cast<uint64_t>(objects), static_cast<uint64_t>(bytes)});
      BytesField(body_, kSample, m);
    }
  }

  std::string Finish(uint64_t period, int64_t time_nanos) {
    std::string out;
    BytesField(out, kSampleType, ValueType("inuse_objects", "count"));
    BytesField(out, kSampleType, ValueType("inuse_space", "bytes"));
    uint64_t default_type = Str("inuse_space");
    std::string period_type = ValueType("space", "bytes");
    out += body_;
    out += mappings_;
    out += locations_;
    out += functions_;
    out += string_table_;
    VarintField(out, kTimeNanos, static_cast<uint64_t>(time_nanos));
    BytesField(out, kPeriodType, period_type);
    VarintField(out, kPeriod, period);
    VarintField(out, kDefaultSampleType, default_type);
    return out;
  }

 private:
  // The location ids of a sample's stack, innermost first, allocator frames at the top cut.
  std::vector<uint64_t> StackLocations(const HeapProfile& p, const HeapSample& s) {
    std::vector<uint64_t> ids, all;
    for (size_t i = 0; i < s.stack.size(); i++) {
      uint64_t pc = i == 0 ? s.stack[i] : s.stack[i] - 1;  // return address -> the call
      auto [id, allocator] = Location(p, pc);
      all.push_back(id);
      if (allocator) {
        ids.clear();  // everything up to the last allocator frame from the inside is dropped
      } else {
        ids.push_back(id);
      }
    }
    return ids.empty() ? all : ids;
  }

  // The location of `pc` in profile number profile_index_ (pcs of two profiles differ).
  std::pair<uint64_t, bool> Location(const HeapProfile& p, uint64_t pc) {
    auto key = std::make_pair(profile_index_, pc);
    if (auto it = location_ids_.find(key); it != location_ids_.end()) return it->second;
    std::vector<SourceFrame> frames = symbolizer_.Symbolize(p, pc);
    bool allocator = false;
    std::string loc;
    uint64_t id = location_ids_.size() + 1;
    VarintField(loc, 1, id);
    VarintField(loc, 2, MappingId(p, pc));
    VarintField(loc, 3, pc);
    for (const SourceFrame& f : frames) {
      allocator = allocator || f.allocator_internal;
      std::string line;
      VarintField(line, 1, FunctionId(f));
      VarintField(line, 2, static_cast<uint64_t>(f.line));
      BytesField(loc, 4, line);
    }
    BytesField(locations_, kLocation, loc);
    location_ids_[key] = {id, allocator};
    return {id, allocator};
  }

  uint64_t FunctionId(const SourceFrame& f) {
    std::string name = f.function.empty() ? f.ToString() : f.function;
    std::string file = f.file.empty() ? f.module : f.file;
    auto key = name + '\0' + file;
    if (auto it = function_ids_.find(key); it != function_ids_.end()) return it->second;
    uint64_t id = function_ids_.size() + 1;
    std::string fn;
    VarintField(fn, 1, id);
    VarintField(fn, 2, Str(name));
    VarintField(fn, 3, Str(name));
    VarintField(fn, 4, Str(file));
    BytesField(functions_, kFunction, fn);
    function_ids_[key] = id;
    return id;
  }

  // A Mapping for the executable mapping holding `pc` (0 when none), marked as symbolized so
  // pprof does not look for the binary.
  uint64_t MappingId(const HeapProfile& p, uint64_t pc) {
    const MemoryMapping* m = p.FindMapping(pc);
    if (m == nullptr) return 0;
    auto key = std::make_tuple(profile_index_, m->start);
    if (auto it = mapping_ids_.find(key); it != mapping_ids_.end()) return it->second;
    uint64_t id = mapping_ids_.size() + 1;
    std::string mp;
    VarintField(mp, 1, id);
    VarintField(mp, 2, m->start);
    VarintField(mp, 3, m->end);
    VarintField(mp, 4, m->offset);
    VarintField(mp, 5, Str(m->path));
    for (int field : {7, 8, 9, 10}) VarintField(mp, field, 1);  // has functions, files, ...
    BytesField(mappings_, kMapping, mp);
    mapping_ids_[key] = id;
    return id;
  }

  Symbolizer& symbolizer_;
  int profile_index_ = 0;
  std::unordered_map<std::string, uint64_t> strings_;
  std::map<std::pair<int, uint64_t>, std::pair<uint64_t, bool>> location_ids_;
  std::unordered_map<std::string, uint64_t> function_ids_;
  std::map<std::tuple<int, uint64_t>, uint64_t> mapping_ids_;
  std::string body_, mappings_, locations_, functions_, string_table_;
};

}  // namespace

std::string EncodeHeapPprof(const HeapProfile& profile, const HeapProfile* base,
                            Symbolizer& symbolizer, int64_t time_nanos) {
  ProfileBuilder b(symbolizer);
  b.AddSamples(profile, 1);
  if (base != nullptr) b.AddSamples(*base, -1);
  return b.Finish(profile.sample_period(), time_nanos);
}

StatusOr<std::string> Gzip(const std::string& data) {
  z_stream z{};
  // 15 window bits + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Status::Corruption("gzip: deflateInit2 failed");
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Corruption("gzip: deflate failed");
  return out;
}

}  // namespace mnemo
