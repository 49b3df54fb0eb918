// The control file's branch instructions: the pool changes live, a removed branch's open files
// work until closed, a request in flight finishes on the branch set it started with.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tests/integration/control_file_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::control {
namespace {

// ---- branches, live ----

TEST(ControlFile, BranchInstructionsChangeThePoolLive) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.attr=0,cache.negative-entry=0,cache.branch-entry=0"});
  const std::string c = ctl(p);
  const std::string key = kPrefix + "branches";
  std::string x = p.root() + "/x", y = p.root() + "/y", z = p.root() + "/z";
  for (const auto& d : {x, y, z}) make_dirs(d);
  write_file(x + "/on-x", "x");
  write_file(y + "/on-y", "y");
  write_file(p.on_branch(0, "on-b0"), "0");
  const std::string b0 = p.branch(0) + "=RW", b1 = p.branch(1) + "=RW";
  auto set = [&](const std::string& v) { return setx(c, key, v); };

  EXPECT_EQ(stat_of(p.path("on-x")).err, ENOENT);
  ASSERT_EQ(set("+>" + x).ret, 0);
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1 + ":" + x + "=RW");
  EXPECT_EQ(read_file(p.path("on-x")), "x");
  ASSERT_EQ(set("+<" + y + "=RO").ret, 0);
  EXPECT_EQ(value_of(c, key), y + "=RO:" + b0 + ":" + b1 + ":" + x + "=RW");
  EXPECT_EQ(read_file(p.path("on-y")), "y");
  ASSERT_EQ(set("+" + z + "=NC,1G").ret, 0);
  EXPECT_EQ(value_of(c, key), y + "=RO:" + b0 + ":" + b1 + ":" + x + "=RW:" + z + "=NC,1G");
  ASSERT_EQ(set("-<").ret, 0);
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1 + ":" + x + "=RW:" + z + "=NC,1G");
  EXPECT_EQ(stat_of(p.path("on-y")).err, ENOENT);
  ASSERT_EQ(set("->").ret, 0);
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1 + ":" + x + "=RW");
  ASSERT_EQ(set("-" + p.root() + "/[xy]").ret, 0);  // fnmatch patterns
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1);
  EXPECT_EQ(stat_of(p.path("on-x")).err, ENOENT);
  ASSERT_EQ(set("=" + p.branch(1)).ret, 0);
  EXPECT_EQ(value_of(c, key), b1);
  EXPECT_EQ(stat_of(p.path("on-b0")).err, ENOENT);
  ASSERT_EQ(set(p.branch(0) + ":" + p.branch(1)).ret, 0);  // no prefix: replace
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1);
  EXPECT_EQ(read_file(p.path("on-b0")), "0");
  // srcmounts follows.
  EXPECT_EQ(value_of(c, kPrefix + "srcmounts"), p.branch(0) + ":" + p.branch(1));

  // A failed instruction changes nothing, even when its first elements were fine.
  EXPECT_EQ(set("+>" + x + ":" + y + "=BAD").err, EINVAL);
  EXPECT_EQ(set("+<" + x + "=RW,notasize").err, EINVAL);
  EXPECT_EQ(set("=" + x + ":" + y + "=").err, EINVAL);
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1);
  EXPECT_EQ(stat_of(p.path("on-x")).err, ENOENT);

  // `=` alone clears the list; removing from an empty list is ENOENT.
  ASSERT_EQ(set("=").ret, 0);
  EXPECT_EQ(value_of(c, key), "");
  EXPECT_EQ(set("-<").err, ENOENT);
  EXPECT_EQ(set("->").err, ENOENT);
  EXPECT_EQ(stat_of(p.mnt()).ret, 0);  // the root and the control file stay reachable
  ASSERT_EQ(set("+>" + p.branch(0)).ret, 0);
  EXPECT_EQ(read_file(p.path("on-b0")), "0");
}

TEST(ControlFile, RemovedBranchOpenFilesWorkUntilClosed) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.attr=0,cache.branch-entry=0"});
  write_file(p.on_branch(1, "open-me"), "before");
  int fd = ::open(p.path("open-me").c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(setx(ctl(p), kPrefix + "branches", "-" + p.branch(1)).ret, 0);
  EXPECT_EQ(stat_of(p.path("open-me")).err, ENOENT);  // gone from the pool for new requests
  char buf[16] = {};
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), 6) << std::strerror(errno);
  EXPECT_EQ(std::string(buf, 6), "before");
  EXPECT_EQ(::pwrite(fd, "after!", 6, 0), 6);
  EXPECT_EQ(::fsync(fd), 0);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(read_file(p.on_branch(1, "open-me")), "after!");
}

// A request that started before a branch change finishes on the branch set it started with:
// a lookup stalled on a frozen first branch still finds the file on a branch removed meanwhile.
TEST(ControlFile, InFlightRequestFinishesOnItsBranchSet) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.negative-entry=0,cache.branch-entry=0", .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  write_file(p.on_branch(1, "other"), "o");
  p.start();
  ASSERT_EQ(stat_of(p.path("other")).ret, 0);
  // Path walks through the pool stall while branch 0 is frozen (the root's attributes come
  // from it): reach the control file through a descriptor opened beforehand.
  int cfd = ::open(ctl(p).c_str(), O_RDONLY);
  ASSERT_GE(cfd, 0) << std::strerror(errno);
  const std::string change = "-" + p.branch(1);

  // Rarely the frozen branch's kernel answers the probe from its own cache, and nothing is in
  // flight: thaw, and try again with a name the pool has not looked up yet.
  std::unique_ptr<Child> lookup;
  for (int attempt = 0; attempt < 5 && !lookup; ++attempt) {
    const std::string target = p.path("target" + std::to_string(attempt));
    write_file(p.on_branch(1, "target" + std::to_string(attempt)), "t");
    frozen.freeze();
    auto child = std::make_unique<Child>([target] {
      struct stat st {};
      return (long)::stat(target.c_str(), &st);
    });
    if (child->wait_for(std::chrono::milliseconds(300)) == -1) {
      lookup = std::move(child);  // stalled on the frozen branch: the scenario is set
    } else {
      frozen.thaw();
    }
  }
  if (!lookup) {
    ::close(cfd);
    FAIL() << "no lookup stalled on the frozen branch in 5 attempts";
  }
  // The control file does not touch branches: the change goes through while it is stalled.
  auto set = sys([&] {
    return (long)::fsetxattr(cfd, "user.mergerfs.branches", change.data(), change.size(), 0);
  });
  frozen.thaw();
  ::close(cfd);
  ASSERT_EQ(set.ret, 0) << describe(set);
  EXPECT_EQ(lookup->wait_for(std::chrono::seconds(5)), 0);  // found on the old set's branch 1
  EXPECT_EQ(stat_of(p.path("other")).err, ENOENT);         // new requests use the new set
}

}  // namespace
}  // namespace mfs::test::control
