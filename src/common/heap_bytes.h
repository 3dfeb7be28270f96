// HeapBytes: what the allocator holds for a std::string's buffer — its block's usable size
// (malloc_usable_size: the request rounded up to the allocator's size class; jemalloc's classes
// are four per doubling, so a 32 MB + 1 byte buffer holds 40 MB) — or 0 for a string kept inside
// the object itself (the short-string buffer). Mnemo counts its client buffers with it, so that
// mem_client_*_buffers are what jemalloc counts in used_memory, not the capacities.
//
// Cost: one allocator lookup (jemalloc: a radix-tree read, ~10 ns). Thread-safe for a string the
// caller may read.
#pragma once

#include <malloc.h>

#include <cstddef>
#include <string>
#include <vector>

namespace mnemo {

inline size_t HeapBytes(const std::string& s) {
  const char* data = s.data();
  const char* self = reinterpret_cast<const char*>(&s);
  if (data >= self && data < self + sizeof(s)) return 0;  // the inline buffer
  return malloc_usable_size(const_cast<char*>(data));
}

// The same for a vector's element buffer (0 before its first allocation).
template <typename T>
size_t HeapBytes(const std::vector<T>& v) {
  return v.capacity() == 0 ? 0 : malloc_usable_size(const_cast<T*>(v.data()));
}

}  // namespace mnemo
