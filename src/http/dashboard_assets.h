// The dashboard's static files (docs/monitoring.md, "Dashboard"), compiled into the binary: the
// page, its script and style (src/http/dashboard/) and the vendored uPlot chart library
// (third_party/uplot/). The array is generated at build time by embed_assets.cmake from those
// files, so nothing is read from disk or fetched at run time.
//
// Thread-safety: immutable static data. Ownership: the bytes live for the whole process.
#pragma once

#include <span>
#include <string_view>

namespace mnemo {

struct DashboardAsset {
  const char* path;       // the URL path, e.g. "/dashboard/uplot.min.js"
  std::string_view body;  // the file's bytes
};

// Every embedded file, in the order CMakeLists.txt lists them.
std::span<const DashboardAsset> DashboardAssets();

// The asset served at `path`, or nullptr.
const DashboardAsset* FindDashboardAsset(std::string_view path);
// The Content-Type for an asset's path, from its extension (.html, .js, .css, .txt).
const char* DashboardContentType(std::string_view path);

}  // namespace mnemo
