// Resolving a path a client names inside one directory, without ever looking outside it.
//
// realpath(3) would answer "is it inside?" only after walking the path wherever it leads: it
// stats files outside the directory (so a reply tells which exist) and its answer can be out of
// date by the time the file is opened. ResolveConfined walks the path one component at a time
// itself and looks (lstat, readlink) only at entries inside the directory. The directory's
// ancestors need no look: they are the components of its real path, so they are real
// directories. Anything else is outside, and refused before it is touched.
//
// Pure function over the filesystem, thread-safe; owns nothing.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace mnemo {

struct ConfinedPath {
  enum class Where {
    kInside,   // `path` is the real path of an existing entry in the directory (or the directory)
    kOutside,  // the path leads outside the directory, lexically or through a symlink in it
    kMissing,  // an entry on the way in the directory does not exist or can't be read, a
               // non-directory is followed by more components, or symlinks nest more than 40 deep
  };
  Where where = Where::kMissing;
  std::string path;  // kInside: the real path (no symlinks, no "." or "..")
  mode_t mode = 0;   // kInside: the entry's st_mode (lstat; never a symlink)
};

// Resolves `path` as realpath(3) would: relative to `base`, or absolute. REQUIRES: `base` is the
// real path of a directory (absolute, no symlinks, no trailing '/', as realpath gives it).
// `alias` ("" = none) is another absolute spelling of `base`, such as the configured path before
// realpath: an absolute `path` starting with it is read as starting with `base`.
// Symlinks inside `base` are followed where they stay inside (their targets are resolved the
// same way); one that leads out makes the result kOutside, even when the path would come back in.
ConfinedPath ResolveConfined(const std::string& base, std::string_view path,
                             std::string_view alias = "");

}  // namespace mnemo
