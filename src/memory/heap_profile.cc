#include "memory/heap_profile.h"

#include <cxxabi.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#if MNEMO_HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#endif

#include "memory/allocator.h"

namespace mnemo {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits off the next whitespace-separated token of `s`.
std::string_view NextToken(std::string_view& s) {
  s = Trim(s);
  size_t end = s.find_first_of(" \t");
  std::string_view token = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return token;
}

bool ParseUnsigned(std::string_view s, uint64_t* out, int base = 10) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && end == s.data() + s.size();
}

// "<objects>: <bytes>" starting at `s`; advances past it.
bool ParseCountPair(std::string_view& s, uint64_t* objects, uint64_t* bytes) {
  std::string_view a = NextToken(s);
  std::string_view b = NextToken(s);
  if (!a.ends_with(':')) return false;
  a.remove_suffix(1);
  return ParseUnsigned(a, objects) && ParseUnsigned(b, bytes);
}

// "start-end perms offset dev inode [path]" of /proc/<pid>/maps.
bool ParseMapping(std::string_view line, MemoryMapping* m) {
  std::string_view range = NextToken(line);
  size_t dash = range.find('-');
  if (dash == std::string_view::npos) return false;
  m->perms = std::string(NextToken(line));
  std::string_view offset = NextToken(line);
  NextToken(line);  // device
  NextToken(line);  // inode
  m->path = std::string(Trim(line));
  return ParseUnsigned(range.substr(0, dash), &m->start, 16) &&
         ParseUnsigned(range.substr(dash + 1), &m->end, 16) &&
         ParseUnsigned(offset, &m->offset, 16);
}

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HeapProfile

std::pair<double, double> UnsampleHeapV2(uint64_t objects, uint64_t bytes, uint64_t period) {
  if (objects == 0 || period == 0)
    return {static_cast<double>(objects), static_cast<double>(bytes)};
  double ratio = (static_cast<double>(bytes) / static_cast<double>(objects)) / period;
  double scale = 1.0 / (1.0 - std::exp(-ratio));
  return {objects * scale, bytes * scale};
}

Status HeapProfile::ParseStackLine(std::string_view line) {
  line.remove_prefix(1);  // '@'
  HeapSample sample;
  for (std::string_view t = NextToken(line); !t.empty(); t = NextToken(line)) {
    uint64_t pc;
    if (!ParseUnsigned(t, &pc, 16))
      return Status::Corruption("bad address '" + std::string(t) + "'");
    sample.stack.push_back(pc);
  }
  if (pending_stack_) samples_.pop_back();  // a stack without counts holds nothing
  samples_.push_back(std::move(sample));
  pending_stack_ = true;
  return Status::OK();
}

Status HeapProfile::ParseCountsLine(std::string_view line) {
  std::string_view thread = NextToken(line);
  uint64_t objects, bytes;
  if (!ParseCountPair(line, &objects, &bytes)) {
    return Status::Corruption("bad counts line '" + std::string(thread) + std::string(line) + "'");
  }
  if (thread != "t*:" || !pending_stack_) return Status::OK();  // per-thread or header totals
  HeapSample& sample = samples_.back();
  sample.sampled_objects = objects;
  sample.sampled_bytes = bytes;
  std::tie(sample.objects, sample.bytes) = UnsampleHeapV2(objects, bytes, sample_period_);
  pending_stack_ = false;
  return Status::OK();
}

StatusOr<HeapProfile> HeapProfile::Parse(std::string_view text) {
  HeapProfile p;
  bool in_maps = false;
  bool header_seen = false;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty()) continue;
    Status s;
    if (!header_seen) {
      if (!line.starts_with("heap_v2/") || !ParseUnsigned(line.substr(8), &p.sample_period_)) {
        return Status::Corruption("not a jemalloc heap_v2 profile");
      }
      header_seen = true;
    } else if (in_maps) {
      MemoryMapping m;
      if (ParseMapping(line, &m)) p.mappings_.push_back(std::move(m));
    } else if (line.starts_with("MAPPED_LIBRARIES:")) {
      in_maps = true;
    } else if (line.starts_with('@')) {
      s = p.ParseStackLine(line);
    } else if (line.starts_with('t')) {
      s = p.ParseCountsLine(line);
    } else {
      s = Status::Corruption("unexpected text");
    }
    if (!s.ok()) {
      return Status::Corruption("heap profile line " + std::to_string(line_no) + ": " +
                                s.message());
    }
  }
  if (!header_seen) return Status::Corruption("not a jemalloc heap_v2 profile (empty)");
  if (p.pending_stack_) p.samples_.pop_back();
  return p;
}

StatusOr<HeapProfile> HeapProfile::ReadFile(const std::string& path) {
  // O_NONBLOCK: a FIFO put in place of a dump must not block the reader; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot read heap profile '" + path + "'");
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError("heap profile '" + path + "' is not a regular file");
  }
  std::string text;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Status::IOError("error reading heap profile '" + path + "'");
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  auto profile = Parse(text);
  if (profile.ok()) {
    profile->written_ns_ = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  }
  return profile;
}

const MemoryMapping* HeapProfile::FindMapping(uint64_t pc) const {
  for (const MemoryMapping& m : mappings_) {
    if (pc >= m.start && pc < m.end && m.executable()) return &m;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Function names

namespace {

// The index of the character opening the balanced group that closes at s[close] (')' or '>'),
// or npos.
size_t MatchingOpen(std::string_view s, size_t close) {
  char c = s[close], o = c == ')' ? '(' : '<';
  int depth = 0;
  for (size_t i = close + 1; i-- > 0;) {
    if (s[i] == c) ++depth;
    if (s[i] == o && --depth == 0) return i;
  }
  return std::string_view::npos;
}

// Drops the parameter list and trailing qualifiers: "ns::F(int) const" -> "ns::F".
std::string StripParameters(std::string name) {
  while (true) {  // " [clone .cold]", " [clone .constprop.0]"
    size_t clone = name.rfind(" [clone ");
    if (clone == std::string::npos || name.back() != ']') break;
    name.resize(clone);
  }
  size_t close = name.rfind(')');
  if (close == std::string::npos || name.ends_with("operator()")) return name;
  std::string_view tail = std::string_view(name).substr(close + 1);
  // Only qualifiers may follow: the characters of " const", " volatile", "&", " noexcept".
  if (tail.find_first_not_of(" constvolatile&noexcept") != std::string_view::npos) return name;
  size_t open = MatchingOpen(name, close);
  if (open != std::string::npos && open > 0) name.resize(open);
  return name;
}

// Removes template arguments and a leading return type, as jeprof's short names do:
// "void* ns::F<int>" -> "ns::F", "std::map<int, X>::operator[]" -> "std::map::operator[]".
// An operator's own name (which may contain '<' or '(') is kept as it is.
std::string StripTemplates(const std::string& name) {
  size_t op = name.find("operator");
  std::string out;
  int angle = 0, paren = 0;
  size_t word_start = 0;
  for (char c : std::string_view(name).substr(0, op)) {
    if (c == '<') ++angle;
    if (angle == 0) {
      if (c == '(' || c == '{') ++paren;
      if (c == ')' || c == '}') --paren;
      if (c == ' ' && paren == 0) {
        word_start = out.size() + 1;  // a return type precedes: keep what follows
      }
      out.push_back(c);
    }
    if (c == '>' && angle > 0) --angle;
  }
  out = out.substr(std::min(word_start, out.size()));
  return op == std::string::npos ? out : out + name.substr(op);
}

// The malloc-family entry points jeprof cuts from heap stacks (RemoveUninterestingFrames).
bool IsAllocatorEntry(std::string_view f) {
  static const char* const kNames[] = {
      "malloc",           "calloc",         "realloc",        "free",           "cfree",
      "memalign",         "posix_memalign", "aligned_alloc",  "valloc",         "pvalloc",
      "mallocx",          "rallocx",        "xallocx",        "dallocx",        "sdallocx",
      "sdallocx_noflags", "newImpl",        "operator new",   "operator new[]", "__libc_malloc",
      "__libc_calloc",    "__libc_realloc", "__libc_memalign"};
  for (const char* n : kNames) {
    if (f == n) return true;
  }
  return f.starts_with("je_") || f.starts_with("prof_backtrace");
}

bool IsAllocatorModule(std::string_view module) { return module.starts_with("libjemalloc"); }

}  // namespace

std::string ShortFunctionName(const char* symbol) {
  if (symbol == nullptr || *symbol == '\0') return "";
  std::string mangled(symbol);
  mangled.resize(std::min(mangled.find('@'), mangled.size()));  // "f@@GLIBC_2.34": symbol version
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);
  return StripTemplates(StripParameters(std::move(name)));
}

std::string SourceFrame::ToString() const {
  if (!function.empty() && !file.empty()) {
    return function + " (" + file + ":" + std::to_string(line) + ")";
  }
  if (!function.empty()) return function + " (" + module + ")";
  char hex[32];
  std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(module_offset));
  std::string where = module.empty() ? std::string(hex) : module + "+" + hex;
  return "?? (" + where + (module_changed ? ", changed after the dump)" : ")");
}

// ---------------------------------------------------------------------------------------------
// Symbolizer

#if MNEMO_HAVE_LIBDW

namespace {
struct LoadSegment {  // a PT_LOAD program header
  uint64_t vaddr, offset, filesz;
};
}  // namespace

struct Symbolizer::Module {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  std::string key;
  std::string name;
  int64_t mtime_ns = 0;
  std::vector<LoadSegment> loads;

  ~Module() {
    if (dwfl != nullptr) dwfl_end(dwfl);
  }

  // Load bias of the executable mapping `m`: runtime address minus ELF virtual address.
  bool Bias(const MemoryMapping& m, uint64_t* bias) const {
    for (const LoadSegment& s : loads) {
      uint64_t page_offset = s.offset & ~uint64_t{4095};
      if (m.offset >= page_offset && m.offset < s.offset + s.filesz) {
        *bias = m.start - m.offset - (s.vaddr - s.offset);
        return true;
      }
    }
    return false;
  }
};

namespace {

const Dwfl_Callbacks kOfflineCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

// Name of a subprogram or inlined-subroutine DIE: linkage name if any, else the plain name.
std::string DieFunctionName(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name}) {
    if (dwarf_attr_integrate(die, at, &attr) != nullptr) {
      if (const char* s = dwarf_formstring(&attr)) return ShortFunctionName(s);
    }
  }
  return "";
}

// The call site (file, line) of an inlined-subroutine DIE.
void CallSite(Dwarf_Die* cudie, Dwarf_Die* inlined, std::string* file, int* line) {
  Dwarf_Attribute attr;
  Dwarf_Word index = 0, call_line = 0;
  Dwarf_Files* files = nullptr;
  size_t nfiles = 0;
  file->clear();
  *line = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &call_line) == 0) {
    *line = static_cast<int>(call_line);
  }
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &index) == 0 &&
      dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && index < nfiles) {
    if (const char* f = dwarf_filesrc(files, index, nullptr, nullptr)) *file = BaseName(f);
  }
}

// The DIEs physically enclosing `pc`, innermost first: inlined subroutines, lexical blocks, then
// the subprogram. (dwarf_getscopes alone continues into the abstract definition's scopes after
// the first inlined subroutine, so, like eu-addr2line, restart from the innermost DIE.)
std::vector<Dwarf_Die> ConcreteScopes(Dwfl_Module* mod, Dwarf_Die* cudie, Dwarf_Addr pc) {
  std::vector<Dwarf_Die> out;
  Dwarf_Die* scopes = nullptr;
  if (cudie == nullptr || dwarf_getscopes(cudie, pc, &scopes) <= 0) return out;
  Dwarf_Addr bias = 0;
  Dwarf_Die innermost;
  Dwarf* dwarf = dwfl_module_getdwarf(mod, &bias);
  bool found = dwarf != nullptr && dwarf_offdie(dwarf, dwarf_dieoffset(&scopes[0]), &innermost);
  std::free(scopes);
  scopes = nullptr;
  int n = found ? dwarf_getscopes_die(&innermost, &scopes) : 0;
  out.assign(scopes, scopes + std::max(n, 0));
  std::free(scopes);
  return out;
}

std::vector<LoadSegment> LoadSegments(Elf* elf) {
  std::vector<LoadSegment> loads;
  size_t nphdr = 0;
  if (elf_getphdrnum(elf, &nphdr) != 0) return loads;
  for (size_t i = 0; i < nphdr; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) != nullptr && ph.p_type == PT_LOAD) {
      loads.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
    }
  }
  return loads;
}

}  // namespace

// The calling thread's net heap growth from construction to Take (0 without jemalloc).
class HeapGrowth {
 public:
  HeapGrowth() : start_(Net()) {}
  int64_t Take() const { return Net() - start_; }

 private:
  static int64_t Net() {
    thread_local const allocator::ThreadCounterPointers c = allocator::ThreadCounters();
    return static_cast<int64_t>(c.Net());
  }
  int64_t start_;
};

Symbolizer::Symbolizer() = default;
Symbolizer::~Symbolizer() = default;

Symbolizer::Module* Symbolizer::OpenModule(const std::string& path) {
  struct stat st;
  std::string key = path;
  int64_t mtime_ns = 0;
  if (::stat(path.c_str(), &st) == 0) {
    mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    key += "|" + std::to_string(st.st_ino) + "|" + std::to_string(st.st_size) + "|" +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }
  auto it = modules_.find(key);
  if (it != modules_.end()) return it->second.get();
  auto module = std::make_unique<Module>();
  module->key = key;
  module->name = BaseName(path);
  module->mtime_ns = mtime_ns;
  module->dwfl = dwfl_begin(&kOfflineCallbacks);
  if (module->dwfl != nullptr) {
    dwfl_report_begin(module->dwfl);
    module->mod = dwfl_report_elf(module->dwfl, module->name.c_str(), path.c_str(), -1, 0, true);
    dwfl_report_end(module->dwfl, nullptr, nullptr);
  }
  GElf_Addr bias = 0;
  Elf* elf = module->mod != nullptr ? dwfl_module_getelf(module->mod, &bias) : nullptr;
  if (elf != nullptr) module->loads = LoadSegments(elf);
  Module* raw = module.get();
  modules_.emplace(key, std::move(module));
  return raw;
}

std::vector<SourceFrame> Symbolizer::Lookup(Module* module, uint64_t addr) {
  GElf_Off offset;
  GElf_Sym sym;
  const char* symbol =
      dwfl_module_addrinfo(module->mod, addr, &offset, &sym, nullptr, nullptr, nullptr);
  SourceFrame frame{.module = module->name, .module_offset = addr};
  if (Dwfl_Line* l = dwfl_module_getsrc(module->mod, addr)) {
    if (const char* f = dwfl_lineinfo(l, nullptr, &frame.line, nullptr, nullptr, nullptr)) {
      frame.file = BaseName(f);
    }
  }
  std::vector<SourceFrame> frames;
  Dwarf_Addr dwbias = 0;
  Dwarf_Die* cudie = dwfl_module_addrdie(module->mod, addr, &dwbias);
  for (Dwarf_Die& die : ConcreteScopes(module->mod, cudie, addr - dwbias)) {
    int tag = dwarf_tag(&die);
    if (tag == DW_TAG_inlined_subroutine) {
      frame.function = DieFunctionName(&die);
      frames.push_back(frame);
      CallSite(cudie, &die, &frame.file, &frame.line);  // the next frame out: where it was inlined
    } else if (tag == DW_TAG_subprogram) {
      break;
    }
  }
  frame.function = symbol != nullptr ? ShortFunctionName(symbol) : "";
  frames.push_back(std::move(frame));  // the real (not inlined) function
  return frames;
}

std::vector<SourceFrame> Symbolizer::Symbolize(const HeapProfile& profile, uint64_t pc) {
  const MemoryMapping* m = profile.FindMapping(pc);
  if (m == nullptr || !m->path.starts_with('/')) {
    return {SourceFrame{.module = m != nullptr ? m->path : "", .module_offset = pc}};
  }
  std::vector<SourceFrame> frames;
  {
    std::lock_guard lock(mu_);
    HeapGrowth growth;
    Module* module = OpenModule(m->path);
    bytes_.fetch_add(growth.Take(), std::memory_order_relaxed);
    uint64_t bias;
    bool changed = profile.written_ns() != 0 && module->mtime_ns > profile.written_ns();
    if (changed || module->mod == nullptr || !module->Bias(*m, &bias)) {
      frames = {SourceFrame{.module = module->name,
                            .module_offset = pc - m->start + m->offset,
                            .module_changed = changed}};
    } else {
      auto key = std::make_tuple(module->key, pc - bias);
      auto it = frames_.find(key);
      if (it == frames_.end()) {
        HeapGrowth lookup;  // the key copied into the cache and the frames it keeps
        it = frames_.emplace(key, Lookup(module, pc - bias)).first;
        bytes_.fetch_add(lookup.Take(), std::memory_order_relaxed);
      }
      frames = it->second;
    }
  }
  for (SourceFrame& f : frames) {
    f.allocator_internal = IsAllocatorModule(f.module) || IsAllocatorEntry(f.function);
  }
  return frames;
}

#else  // !MNEMO_HAVE_LIBDW: no debug-info reader; frames are "module+offset"

struct Symbolizer::Module {};
Symbolizer::Symbolizer() = default;
Symbolizer::~Symbolizer() = default;

std::vector<SourceFrame> Symbolizer::Symbolize(const HeapProfile& profile, uint64_t pc) {
  const MemoryMapping* m = profile.FindMapping(pc);
  SourceFrame f;
  f.module = m != nullptr ? BaseName(m->path) : "";
  f.module_offset = m != nullptr ? pc - m->start + m->offset : pc;
  f.allocator_internal = IsAllocatorModule(f.module);
  return {f};
}

#endif  // MNEMO_HAVE_LIBDW

// ---------------------------------------------------------------------------------------------
// Sites

namespace {

// Symbolized frames of one sample, innermost first, with allocator-internal frames cut the way
// jeprof does: everything up to the last allocator frame from the inside is dropped.
std::vector<std::string> SampleFrames(
    const HeapProfile& profile, const HeapSample& sample, Symbolizer& symbolizer,
    std::unordered_map<uint64_t, std::vector<SourceFrame>>& cache) {
  std::vector<std::string> frames, all;
  for (size_t i = 0; i < sample.stack.size(); ++i) {
    uint64_t pc = i == 0 ? sample.stack[i] : sample.stack[i] - 1;  // return address -> call
    auto it = cache.find(pc);
    if (it == cache.end()) it = cache.emplace(pc, symbolizer.Symbolize(profile, pc)).first;
    for (const SourceFrame& f : it->second) {
      all.push_back(f.ToString());
      if (f.allocator_internal) {
        frames.clear();
      } else {
        frames.push_back(all.back());
      }
    }
  }
  return frames.empty() ? all : frames;
}

void SortBySize(std::vector<HeapSite>& sites) {
  std::stable_sort(sites.begin(), sites.end(),
                   [](const HeapSite& a, const HeapSite& b) { return a.bytes > b.bytes; });
}

std::string JoinFrames(const std::vector<std::string>& frames) {
  std::string key;
  for (const std::string& f : frames) key += f + "\n";
  return key;
}

}  // namespace

std::vector<HeapSite> SummarizeSites(const HeapProfile& profile, Symbolizer& symbolizer) {
  struct Sum {
    double bytes = 0, objects = 0;
    std::vector<std::string> frames;
  };
  std::unordered_map<uint64_t, std::vector<SourceFrame>> cache;
  std::map<std::string, Sum> by_stack;
  double total = 0;
  for (const HeapSample& sample : profile.samples()) {
    std::vector<std::string> frames = SampleFrames(profile, sample, symbolizer, cache);
    Sum& sum = by_stack[JoinFrames(frames)];
    if (sum.frames.empty()) sum.frames = std::move(frames);
    sum.bytes += sample.bytes;
    sum.objects += sample.objects;
    total += sample.bytes;
  }
  std::vector<HeapSite> sites;
  for (auto& [key, sum] : by_stack) {
    sites.push_back(HeapSite{.bytes = static_cast<uint64_t>(std::llround(sum.bytes)),
                             .objects = static_cast<uint64_t>(std::llround(sum.objects)),
                             .percent = total > 0 ? 100.0 * sum.bytes / total : 0,
                             .frames = std::move(sum.frames)});
  }
  SortBySize(sites);
  return sites;
}

std::vector<HeapSite> TopSites(std::vector<HeapSite> sites, size_t n) {
  SortBySize(sites);
  if (n > 0 && sites.size() > n) sites.resize(n);
  return sites;
}

std::vector<HeapSite> DiffSites(const std::vector<HeapSite>& older,
                                const std::vector<HeapSite>& newer, size_t n) {
  std::unordered_map<std::string, const HeapSite*> before;
  for (const HeapSite& s : older) before[JoinFrames(s.frames)] = &s;
  std::vector<HeapSite> grown;
  uint64_t total = 0;
  for (const HeapSite& s : newer) {
    auto it = before.find(JoinFrames(s.frames));
    uint64_t old_bytes = it == before.end() ? 0 : it->second->bytes;
    uint64_t old_objects = it == before.end() ? 0 : it->second->objects;
    if (s.bytes <= old_bytes) continue;
    grown.push_back(HeapSite{.bytes = s.bytes - old_bytes,
                             .objects = s.objects > old_objects ? s.objects - old_objects : 0,
                             .frames = s.frames});
    total += grown.back().bytes;
  }
  for (HeapSite& s : grown) s.percent = 100.0 * static_cast<double>(s.bytes) / total;
  return TopSites(std::move(grown), n);
}

}  // namespace mnemo
