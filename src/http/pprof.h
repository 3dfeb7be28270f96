// Heap profiles for /debug/pprof/heap: pprof's profile.proto (gzipped), as `go tool pprof`, the
// pprof web UI and continuous-profiling systems read it, and a flame graph as SVG.
//
// Both are built from jemalloc dumps the server has parsed (memory/heap_profile.h) and
// symbolized with its own Symbolizer, so the reader needs neither the binary nor its symbols.
//
// profile.proto is written by hand with a dozen lines of protobuf wire format (varints and
// length-delimited fields) rather than with libprotobuf: the server only ever writes this one
// message, the wire format is fixed, and a generated class would bring protoc into the build and
// a 3 MB runtime library into the binary for it. pprof_test.cc decodes what it writes.
//
// Thread-safety: pure functions of their arguments (the Symbolizer is thread-safe itself).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "memory/heap_profile.h"

namespace mnemo {

// The profile.proto message (not compressed) of `profile`'s live heap: sample types
// inuse_objects/count and inuse_space/bytes (the estimated, un-sampled figures), period
// space/bytes = the sampling period, one Location per program counter with its symbolized
// (inlined) frames as Lines, one Mapping per executable mapping marked as symbolized. With
// `base`, the samples of `base` are added with negated values, so pprof shows the growth from
// `base` to `profile` (what `-diff_base` does on the reader's side). Allocator-internal frames
// at the top of a stack are cut, as SummarizeSites does.
std::string EncodeHeapPprof(const HeapProfile& profile, const HeapProfile* base,
                            Symbolizer& symbolizer, int64_t time_nanos);

// gzip of `data` (zlib, default level). Corruption on a zlib failure.
StatusOr<std::string> Gzip(const std::string& data);

// A flame graph of `sites` (HeapSite::frames innermost first): one box per frame, outermost at
// the bottom, widths proportional to bytes, each with a <title> naming the frame and its
// bytes; a self-contained SVG document (no scripts, no external resources).
std::string RenderFlameGraphSvg(const std::vector<HeapSite>& sites, const std::string& title);

}  // namespace mnemo
