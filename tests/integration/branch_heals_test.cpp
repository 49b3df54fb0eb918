// Health that heals (issue 17 item 6): a failed branch whose disk comes back is reopened by its
// probe and serves again without remounting the pool; while it is away nothing is written onto
// the empty mountpoint underneath; a branch directory that did not exist at mount, or that was
// removed and made again, joins the pool when it appears.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using namespace std::chrono_literals;

// Creates go to the first branch that can take them (8 MiB tmpfs branches hold 1M free); the
// kernel asks the pool every time.
constexpr const char* kOptions = "category.create=ff,minfreespace=1M,cache.attr=0,cache.entry=0,cache.negative-entry=0";

std::string health(const Pool& p, int branch) {
  return stats_field(stats_summary(p), "branch-" + std::to_string(branch), "health");
}

int create_empty(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return -errno;
  return ::close(fd) == 0 ? 0 : -errno;
}

TEST(BranchHeals, DiskMountedAgainIsReopenedAndNothingLandsUnderneathMeanwhile) {
  Pool p({.branches = 2, .options = kOptions, .tmpfs_mb = 8});
  ASSERT_EQ(create_empty(p.path("before")), 0);
  ASSERT_TRUE(exists(p.on_branch(0, "before")));

  ASSERT_EQ(::umount2(p.branch(0).c_str(), MNT_DETACH), 0) << std::strerror(errno);
  ASSERT_TRUE(eventually([&] { return health(p, 0) == "failed"; }, 5s)) << stats_summary(p);
  // The path is now the empty directory the disk was mounted on: it must stay failed (a probe
  // that "found it again" there would fill the disk underneath).
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(health(p, 0), "failed");
  EXPECT_EQ(create_empty(p.path("while-away")), 0);
  EXPECT_TRUE(exists(p.on_branch(1, "while-away")));
  EXPECT_FALSE(exists(p.on_branch(0, "while-away"))) << "written onto the mountpoint underneath";

  // The disk comes back (a fresh tmpfs here), with a file put there directly.
  ASSERT_EQ(::mount("tmpfs", p.branch(0).c_str(), "tmpfs", 0, "size=8m,mode=0755"), 0) << std::strerror(errno);
  write_file(p.on_branch(0, "on-the-disk"), "back");
  EXPECT_TRUE(eventually([&] { return health(p, 0) == "ok"; }, 5s)) << stats_summary(p);
  EXPECT_EQ(read_file(p.path("on-the-disk")), "back");
  EXPECT_EQ(create_empty(p.path("after")), 0);
  EXPECT_TRUE(exists(p.on_branch(0, "after"))) << "the reopened first branch takes ff creates again";
  EXPECT_EQ(p.stop(), 0);
}

TEST(BranchHeals, BranchDirectoryMadeAfterTheMountJoinsThePool) {
  Pool p({.branches = 2, .options = kOptions, .start = false});
  ASSERT_EQ(::rmdir(p.branch(0).c_str()), 0) << std::strerror(errno);
  p.start();
  EXPECT_TRUE(eventually([&] { return health(p, 0) == "failed"; }, 3s)) << stats_summary(p);
  EXPECT_EQ(create_empty(p.path("first")), 0);
  EXPECT_TRUE(exists(p.on_branch(1, "first")));

  make_dirs(p.branch(0));
  write_file(p.on_branch(0, "made-there"), "new");
  EXPECT_TRUE(eventually([&] { return health(p, 0) == "ok"; }, 5s)) << stats_summary(p);
  EXPECT_EQ(read_file(p.path("made-there")), "new");
  EXPECT_EQ(create_empty(p.path("second")), 0);
  EXPECT_TRUE(exists(p.on_branch(0, "second")));
}

TEST(BranchHeals, BranchDirectoryRemovedAndMadeAgainServesTheNewOne) {
  Pool p({.branches = 2, .options = kOptions, .start = false});
  write_file(p.on_branch(0, "old"), "o");
  p.start();
  ASSERT_EQ(read_file(p.path("old")), "o");

  ASSERT_EQ(run("rm -rf '" + p.branch(0) + "'"), 0);
  make_dirs(p.branch(0));
  write_file(p.on_branch(0, "new"), "n");
  // Within a refresh period (1 s) and a tick the probe sees another directory there.
  EXPECT_TRUE(eventually([&] { return read_file(p.path("new")) == "n"; }, 5s)) << stats_summary(p);
  EXPECT_FALSE(exists(p.path("old")));
  EXPECT_EQ(health(p, 0), "ok");
  EXPECT_EQ(create_empty(p.path("made")), 0);
  EXPECT_TRUE(exists(p.on_branch(0, "made"))) << "a create went into the removed directory";
}

}  // namespace
}  // namespace mfs::test
