// Namespace operations seen from the branches: epall fan-out to every copy with mergerfs's
// result rules, rmdir of a directory not empty on one branch, read-only branches left alone.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/namespace_branch_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::nsbranches {
namespace {

// ---------------------------------------------------------------------------------------------
// Action fan-out (epall) and its result rules

class NamespaceFanout : public ::testing::Test {
 protected:
  Pool pool{{.branches = 3, .start = false}};
  void SetUp() override {
    for (int b : {0, 2}) {
      write_file(pool.on_branch(b, "dup"), "0123456789", 0644);
      make_dirs(pool.on_branch(b, "dd"), 0755);
      write_file(pool.on_branch(b, "mixed"), "m", 0644);
    }
    for (int b : {0, 1}) ASSERT_EQ(::symlink("dup", pool.on_branch(b, "sl").c_str()), 0);
    pool.start();
  }
  void expect_both(const std::string& rel, const std::function<void(const struct stat&)>& check,
                   std::vector<int> where = {0, 2}) {
    for (int b : where) {
      SCOPED_TRACE(rel + " on branch " + std::to_string(b));
      check(lstat_of(pool.on_branch(b, rel)));
    }
  }
};

TEST_F(NamespaceFanout, AttributeChangesReachEveryCopy) {
  ASSERT_EQ(::chmod(pool.path("dup").c_str(), 0600), 0);
  expect_both("dup", [](const struct stat& st) { EXPECT_EQ(st.st_mode & 07777, 0600u); });
  ASSERT_EQ(::chown(pool.path("dup").c_str(), 1234, 5678), 0);
  expect_both("dup", [](const struct stat& st) {
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
  });
  timespec ts[2] = {{1500000000, 111}, {1600000000, 222}};
  ASSERT_EQ(::utimensat(AT_FDCWD, pool.path("dup").c_str(), ts, 0), 0);
  expect_both("dup", [](const struct stat& st) {
    EXPECT_EQ(st.st_mtim.tv_sec, 1600000000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 222);
    EXPECT_EQ(st.st_atim.tv_sec, 1500000000);
  });
  ASSERT_EQ(::truncate(pool.path("dup").c_str(), 4), 0);
  expect_both("dup", [](const struct stat& st) { EXPECT_EQ(st.st_size, 4); });
  EXPECT_EQ(read_file(pool.on_branch(2, "dup")), "0123");
  ASSERT_EQ(::setxattr(pool.path("dup").c_str(), "user.k", "v", 1, 0), 0);
  EXPECT_EQ(xattr_of(pool.on_branch(0, "dup"), "user.k"), "v");
  EXPECT_EQ(xattr_of(pool.on_branch(2, "dup"), "user.k"), "v");
  ASSERT_EQ(::removexattr(pool.path("dup").c_str(), "user.k"), 0);
  EXPECT_EQ(xattr_of(pool.on_branch(0, "dup"), "user.k"), "<No data available>");
  EXPECT_EQ(xattr_of(pool.on_branch(2, "dup"), "user.k"), "<No data available>");
  // A directory on two branches, a symlink on two others (the link itself, not its target).
  ASSERT_EQ(::chmod(pool.path("dd").c_str(), 0710), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, pool.path("dd").c_str(), ts, 0), 0);
  expect_both("dd", [](const struct stat& st) {
    EXPECT_EQ(st.st_mode & 07777, 0710u);
    EXPECT_EQ(st.st_mtim.tv_nsec, 222);
  });
  ASSERT_EQ(::lchown(pool.path("sl").c_str(), 4321, 8765), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, pool.path("sl").c_str(), ts, AT_SYMLINK_NOFOLLOW), 0);
  expect_both("sl", [](const struct stat& st) {
    EXPECT_EQ(st.st_uid, 4321u);
    EXPECT_EQ(st.st_mtim.tv_nsec, 222);
  }, {0, 1});
  EXPECT_EQ(lstat_of(pool.on_branch(0, "dup")).st_uid, 1234u) << "lchown followed the link";
}

TEST_F(NamespaceFanout, FtruncateTouchesOnlyTheOpenedCopy) {
  // FEATURES.md §4.5: fd-based changes act on the opened file only. Of them, only ftruncate
  // reaches the daemon with the handle (FATTR_FH): the kernel sends fchmod, fchown and futimens
  // as path-less setattrs of the inode, which mergerfs, too, fans out like chmod.
  int fd = ::open(pool.path("dup").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::ftruncate(fd, 2), 0);
  ::close(fd);
  EXPECT_EQ(lstat_of(pool.on_branch(0, "dup")).st_size, 2);
  EXPECT_EQ(lstat_of(pool.on_branch(2, "dup")).st_size, 10);
  EXPECT_EQ(lstat_of(pool.path("dup")).st_size, 2);
}

TEST_F(NamespaceFanout, UnlinkAndRmdirRemoveEveryCopy) {
  ASSERT_EQ(::unlink(pool.path("dup").c_str()), 0);
  ASSERT_EQ(::unlink(pool.path("sl").c_str()), 0);
  ASSERT_EQ(::rmdir(pool.path("dd").c_str()), 0);
  for (const std::string rel : {"dup", "sl", "dd"}) {
    EXPECT_TRUE(holders(pool, 3, rel).empty()) << rel;
    EXPECT_FALSE(exists(pool.path(rel))) << rel;
  }
  EXPECT_TRUE(exists(pool.on_branch(0, "mixed")));
}

TEST(NamespaceRmdir, NotEmptyOnOneBranchIsENOTEMPTY) {
  Pool p({.branches = 3, .start = false});
  make_dirs(p.on_branch(0, "rd"));          // empty here
  make_dirs(p.on_branch(2, "rd"));
  write_file(p.on_branch(2, "rd/kept"), "k");  // not here
  make_dirs(p.on_branch(1, "rd2/inner"));       // a non-empty dir on one branch only
  p.start();
  Outcome o = sys([&] { return static_cast<long>(::rmdir(p.path("rd").c_str())); });
  EXPECT_EQ(o.err, ENOTEMPTY) << describe(o);
  EXPECT_EQ(read_file(p.path("rd/kept")), "k");
  EXPECT_TRUE(exists(p.on_branch(2, "rd/kept")));
  o = sys([&] { return static_cast<long>(::rmdir(p.path("rd2").c_str())); });
  EXPECT_EQ(o.err, ENOTEMPTY) << describe(o);
  EXPECT_TRUE(exists(p.path("rd2/inner")));
}

TEST_F(NamespaceFanout, MixedResultsFollowTheSearchBranch) {
  // FEATURES.md §4.5: no errors -> 0; no successes -> the first error; mixed -> the result on
  // the branch the search policy (ff: the first holder) picks.
  ASSERT_EQ(::setxattr(pool.on_branch(2, "mixed").c_str(), "user.x", "b2", 2, 0), 0);
  Outcome o = sys([&] {
    return static_cast<long>(::setxattr(pool.path("mixed").c_str(), "user.x", "new", 3, XATTR_CREATE));
  });
  EXPECT_EQ(o.err, 0) << "branch 0 (searched) succeeded, branch 2 EEXIST: " << describe(o);
  EXPECT_EQ(xattr_of(pool.on_branch(0, "mixed"), "user.x"), "new");
  EXPECT_EQ(xattr_of(pool.on_branch(2, "mixed"), "user.x"), "b2");

  ASSERT_EQ(::setxattr(pool.on_branch(0, "dup").c_str(), "user.y", "b0", 2, 0), 0);
  o = sys([&] {
    return static_cast<long>(::setxattr(pool.path("dup").c_str(), "user.y", "new", 3, XATTR_CREATE));
  });
  EXPECT_EQ(o.err, EEXIST) << "branch 0 (searched) EEXIST, branch 2 succeeded: " << describe(o);
  EXPECT_EQ(xattr_of(pool.on_branch(2, "dup"), "user.y"), "new");

  // Both fail: the first error.
  o = sys([&] { return static_cast<long>(::removexattr(pool.path("dup").c_str(), "user.none")); });
  EXPECT_EQ(o.err, ENODATA) << describe(o);
}

TEST(NamespaceFanoutReadOnly, ReadOnlyBranchCopiesAreLeftAlone) {
  Pool pool({.branches = 3, .branch_suffixes = {"=RW", "=RW", "=RO"}, .start = false});
  for (int b : {0, 2}) write_file(pool.on_branch(b, "dup"), "same", 0644);
  pool.start();
  ASSERT_EQ(::chmod(pool.path("dup").c_str(), 0600), 0);
  EXPECT_EQ(mode_of(pool.on_branch(0, "dup")), 0600u);
  EXPECT_EQ(mode_of(pool.on_branch(2, "dup")), 0644u);
  ASSERT_EQ(::unlink(pool.path("dup").c_str()), 0);
  EXPECT_FALSE(exists(pool.on_branch(0, "dup")));
  EXPECT_TRUE(exists(pool.on_branch(2, "dup")));
}

}  // namespace
}  // namespace mfs::test::nsbranches
