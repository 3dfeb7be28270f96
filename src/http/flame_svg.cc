// The flame graph of /debug/pprof/heap?format=svg (http/pprof.h).
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "http/pprof.h"

namespace mnemo {
namespace {

constexpr double kWidth = 1200;  // px
constexpr double kFrameHeight = 16;
constexpr double kMinWidth = 0.5;  // boxes narrower than this are not drawn

struct Node {
  uint64_t bytes = 0;
  std::map<std::string, std::unique_ptr<Node>> children;
};

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        // Control characters are not allowed in XML 1.0.
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

int Depth(const Node& n) {
  int d = 0;
  for (const auto& [name, child] : n.children) d = std::max(d, 1 + Depth(*child));
  return d;
}

// A warm colour from the name, so a function keeps its colour between graphs.
std::string Colour(const std::string& name) {
  unsigned h = 0;
  for (char c : name) h = h * 31 + static_cast<unsigned char>(c);
  char buf[32];
  snprintf(buf, sizeof(buf), "rgb(%u,%u,%u)", 205 + h % 50, 80 + (h >> 8) % 120,
           40 + (h >> 16) % 40);
  return buf;
}

void Draw(std::string& out, const std::string& name, const Node& n, double x, int level, int depth,
          double scale, uint64_t total) {
  double w = static_cast<double>(n.bytes) * scale;
  if (w < kMinWidth) return;
  double y = (depth - level) * kFrameHeight;
  char buf[256];
  snprintf(buf, sizeof(buf), " (%llu bytes, %.2f%%)</title>",
           static_cast<unsigned long long>(n.bytes),
           total ? 100.0 * static_cast<double>(n.bytes) / static_cast<double>(total) : 0.0);
  out += "<g><title>" + XmlEscape(name) + buf;
  snprintf(buf, sizeof(buf),
           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" rx=\"2\"/>", x,
           y, w, kFrameHeight - 1, Colour(name).c_str());
  out += buf;
  // Text only where it fits (about 7 px per character).
  size_t chars = static_cast<size_t>(w / 7);
  if (chars >= 4) {
    std::string label = name.size() > chars ? name.substr(0, chars - 2) + ".." : name;
    snprintf(buf, sizeof(buf), "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + kFrameHeight - 4);
    out += buf + XmlEscape(label) + "</text>";
  }
  out += "</g>\n";
  double cx = x;
  for (const auto& [child_name, child] : n.children) {
    Draw(out, child_name, *child, cx, level + 1, depth, scale, total);
    cx += static_cast<double>(child->bytes) * scale;
  }
}

}  // namespace

std::string RenderFlameGraphSvg(const std::vector<HeapSite>& sites, const std::string& title) {
  Node root;
  for (const HeapSite& s : sites) {
    root.bytes += s.bytes;
    Node* n = &root;
    for (auto f = s.frames.rbegin(); f != s.frames.rend(); ++f) {  // outermost first
      auto& child = n->children[*f];
      if (!child) child = std::make_unique<Node>();
      child->bytes += s.bytes;
      n = child.get();
    }
  }
  int depth = Depth(root);
  double height = (depth + 3) * kFrameHeight;
  char buf[512];
  snprintf(buf, sizeof(buf),
           "<?xml version=\"1.0\" standalone=\"no\"?>\n"
           "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
           "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"monospace\" "
           "font-size=\"11\">\n",
           kWidth, height, kWidth, height);
  std::string out = buf;
  snprintf(buf, sizeof(buf), "<text x=\"4\" y=\"%.0f\" font-size=\"14\">", kFrameHeight);
  out += buf + XmlEscape(title) + "</text>\n";
  double scale = root.bytes > 0 ? kWidth / static_cast<double>(root.bytes) : 0;
  // The root ("all") sits on the bottom row, its children above it.
  if (root.bytes > 0) Draw(out, "all", root, 0, 0, depth + 1, scale, root.bytes);
  out += "</svg>\n";
  return out;
}

}  // namespace mnemo
