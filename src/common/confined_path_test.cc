#include "common/confined_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mnemo {
namespace {

namespace fs = std::filesystem;
using Where = ConfinedPath::Where;

// root/                      (a fresh real directory)
//   base/  file  sub/deep  fifo  in -> base/sub (absolute)  rel -> sub/deep (relative)
//          out -> root/outside   dotdot -> ..   loop -> loop   dangling -> root/nowhere
//          up -> root (an ancestor of base)
//   outside/secret
class ConfinedPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::canonical(fs::temp_directory_path()).string() + "/mnemo_confined_" +
            std::to_string(getpid());
    fs::remove_all(root_);
    base_ = root_ + "/base";
    fs::create_directories(base_ + "/sub/deep");
    fs::create_directories(root_ + "/outside");
    std::ofstream(base_ + "/file") << "x";
    std::ofstream(root_ + "/outside/secret") << "s";
    ASSERT_EQ(::mkfifo((base_ + "/fifo").c_str(), 0600), 0);
    fs::create_symlink(base_ + "/sub", base_ + "/in");
    fs::create_symlink("sub/deep", base_ + "/rel");
    fs::create_symlink(root_ + "/outside", base_ + "/out");
    fs::create_symlink("..", base_ + "/dotdot");
    fs::create_symlink("loop", base_ + "/loop");
    fs::create_symlink(root_ + "/nowhere", base_ + "/dangling");
    fs::create_symlink(root_, base_ + "/up");
  }
  void TearDown() override { fs::remove_all(root_); }

  Where At(std::string_view p, std::string_view alias = "") {
    return ResolveConfined(base_, p, alias).where;
  }
  std::string Path(std::string_view p, std::string_view alias = "") {
    ConfinedPath r = ResolveConfined(base_, p, alias);
    EXPECT_EQ(r.where, Where::kInside) << p;
    return r.path;
  }

  std::string root_, base_;
};

TEST_F(ConfinedPathTest, InsideNamesResolveToRealPaths) {
  EXPECT_EQ(Path("file"), base_ + "/file");
  EXPECT_EQ(Path("./file"), base_ + "/file");
  EXPECT_EQ(Path("sub/../file"), base_ + "/file");
  EXPECT_EQ(Path("sub//deep/"), base_ + "/sub/deep");
  EXPECT_EQ(Path("."), base_);
  EXPECT_EQ(Path(""), base_);
  EXPECT_EQ(Path(base_ + "/file"), base_ + "/file");
  EXPECT_EQ(Path(base_), base_);
  EXPECT_EQ(Path("in/deep"), base_ + "/sub/deep");  // an absolute symlink that stays inside
  EXPECT_EQ(Path("rel"), base_ + "/sub/deep");      // a relative one
  EXPECT_EQ(Path("rel/../../file"), base_ + "/file");
  // Through an ancestor of base and back in: the ancestor is known real without a look.
  EXPECT_EQ(Path("../base/file"), base_ + "/file");
  EXPECT_EQ(Path("up/base/sub"), base_ + "/sub");
  EXPECT_EQ(Path("dotdot/base/file"), base_ + "/file");
  EXPECT_EQ(Path("/" + base_ + "/./file"), base_ + "/file");
  ConfinedPath file = ResolveConfined(base_, "file");
  EXPECT_TRUE(S_ISREG(file.mode));
  EXPECT_TRUE(S_ISDIR(ResolveConfined(base_, "in").mode));
  EXPECT_TRUE(S_ISFIFO(ResolveConfined(base_, "fifo").mode));  // looked at, never opened
}

TEST_F(ConfinedPathTest, OutsideIsRefusedWhetherOrNotItExists) {
  for (std::string p :
       {std::string(".."), std::string("../outside"), std::string("../outside/secret"),
        std::string("../nowhere/x"), root_ + "/outside/secret", root_ + "/nope", std::string("/"),
        std::string("/etc/shadow"), std::string("/nonexistent/x"), root_, std::string("out"),
        std::string("out/secret"), std::string("out/../base/file"), std::string("dotdot"),
        std::string("dangling"), std::string("up"), std::string("sub/../../outside"),
        std::string("in/../../outside/secret")}) {
    EXPECT_EQ(At(p), Where::kOutside) << p;
  }
}

TEST_F(ConfinedPathTest, MissingInside) {
  for (const char* p :
       {"nope", "sub/nope", "file/x", "file/..", "loop", "in/nope", "sub/deep/x/y"}) {
    EXPECT_EQ(At(p), Where::kMissing) << p;
  }
}

TEST_F(ConfinedPathTest, AliasSpellsTheBase) {
  // base reached through a symlink elsewhere: the alias, as configured, is accepted as a prefix.
  std::string alias = root_ + "/alias";
  fs::create_symlink(base_, alias);
  EXPECT_EQ(Path(alias + "/file", alias), base_ + "/file");
  EXPECT_EQ(Path(alias + "/", alias + "/"), base_);
  EXPECT_EQ(Path(alias, alias), base_);
  EXPECT_EQ(At(alias + "/../outside/secret", alias), Where::kOutside);
  EXPECT_EQ(At(alias + "x/file", alias), Where::kOutside);  // not a component boundary
  // Without the alias the link itself is outside: it is not looked at.
  EXPECT_EQ(At(alias + "/file"), Where::kOutside);
}

// Whether something outside exists never changes the answer (realpath would say "missing" for
// one and "outside" for the other).
TEST_F(ConfinedPathTest, ExistenceOutsideDoesNotChangeTheAnswer) {
  fs::create_directories(root_ + "/there/inner");
  for (std::string name : {std::string("inner"), std::string("inner/x"), std::string("")}) {
    EXPECT_EQ(At(root_ + "/there/" + name), Where::kOutside) << name;
    EXPECT_EQ(At(root_ + "/absent/" + name), Where::kOutside) << name;
    EXPECT_EQ(At("../there/" + name), Where::kOutside) << name;
    EXPECT_EQ(At("../absent/" + name), Where::kOutside) << name;
  }
}

TEST(ConfinedPathRoot, EverythingIsInsideTheRootDirectory) {
  ConfinedPath r = ResolveConfined("/", "/etc/../etc");
  EXPECT_EQ(r.where, Where::kInside);
  EXPECT_EQ(r.path, "/etc");
  EXPECT_EQ(ResolveConfined("/", "..").path, "/");
}

}  // namespace
}  // namespace mnemo
