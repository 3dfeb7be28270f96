#include "memory/cgroup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mnemo {
namespace {

class CgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("mnemo-cgroup-" + std::to_string(getpid()));
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::filesystem::path root_;
};

TEST_F(CgroupTest, V2Limit) {
  Write("sys/fs/cgroup/app/svc/memory.max", "1073741824\n");
  EXPECT_EQ(CgroupMemoryLimit(root_.string(), "0::/app/svc\n"), 1073741824u);
}

TEST_F(CgroupTest, V2MaxMeansNoLimitButParentLimitApplies) {
  Write("sys/fs/cgroup/app/svc/memory.max", "max\n");
  EXPECT_EQ(CgroupMemoryLimit(root_.string(), "0::/app/svc\n"), std::nullopt);
  Write("sys/fs/cgroup/app/memory.max", "536870912\n");
  EXPECT_EQ(CgroupMemoryLimit(root_.string(), "0::/app/svc\n"), 536870912u);
}

TEST_F(CgroupTest, V1Limit) {
  Write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "268435456\n");
  std::string self = "12:cpu,cpuacct:/docker/abc\n11:memory:/docker/abc\n1:name=systemd:/x\n";
  EXPECT_EQ(CgroupMemoryLimit(root_.string(), self), 268435456u);
}

TEST_F(CgroupTest, V1UnlimitedSentinel) {
  Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_EQ(CgroupMemoryLimit(root_.string(), "5:memory:/\n"), std::nullopt);
}

TEST_F(CgroupTest, MissingFilesAndGarbage) {
  EXPECT_EQ(CgroupMemoryLimit(root_.string(), "0::/nowhere\n"), std::nullopt);
  EXPECT_EQ(CgroupMemoryLimit(root_.string(), "garbage"), std::nullopt);
  Write("sys/fs/cgroup/g/memory.max", "lots\n");
  EXPECT_EQ(CgroupMemoryLimit(root_.string(), "0::/g\n"), std::nullopt);
}

}  // namespace
}  // namespace mnemo
