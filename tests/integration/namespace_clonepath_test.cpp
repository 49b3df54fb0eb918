// Namespace operations seen from the branches: clonepath of the parent chain (mode, owner,
// xattrs, times), also for an unprivileged caller.
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
// clonepath

TEST(NamespaceClonePath, ParentChainIsClonedWithModeOwnerAndXattrs) {
  Pool pool({.branches = 3, .options = "category.create=ff", .start = false});
  // a/b/c exists only on branch 1; the create policy (ff) picks branch 0.
  make_dirs(pool.on_branch(1, "a/b/c"));
  ASSERT_EQ(::chmod(pool.on_branch(1, "a").c_str(), 0750), 0);
  ASSERT_EQ(::chown(pool.on_branch(1, "a").c_str(), 1234, 5678), 0);
  ASSERT_EQ(::setxattr(pool.on_branch(1, "a").c_str(), "user.tag", "A", 1, 0), 0);
  ASSERT_EQ(::chmod(pool.on_branch(1, "a/b").c_str(), 0711), 0);
  ASSERT_EQ(::chown(pool.on_branch(1, "a/b").c_str(), kNobody, kNogroup), 0);
  ASSERT_EQ(::chmod(pool.on_branch(1, "a/b/c").c_str(), 02775), 0);
  ASSERT_EQ(::chown(pool.on_branch(1, "a/b/c").c_str(), 0, 5678), 0);
  ASSERT_EQ(::chmod(pool.on_branch(1, "a/b/c").c_str(), 02775), 0);
  ASSERT_EQ(::setxattr(pool.on_branch(1, "a/b/c").c_str(), "user.tag", "C", 1, 0), 0);
  write_file(pool.on_branch(1, "a/b/c/existing"), "on branch 1");
  // k exists on both (0700 on branch 0), k/sub only on branch 1: k is left as it is.
  make_dirs(pool.on_branch(0, "k"), 0700);
  make_dirs(pool.on_branch(1, "k/sub"), 0750);
  pool.start();

  auto names = make_every_kind(pool, "a/b/c");
  for (const auto& rel : names) EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{0}) << rel;
  for (const std::string dir : {"a", "a/b", "a/b/c"}) {
    struct stat src = lstat_of(pool.on_branch(1, dir)), dst = lstat_of(pool.on_branch(0, dir));
    EXPECT_TRUE(S_ISDIR(dst.st_mode)) << dir;
    EXPECT_EQ(dst.st_mode & 07777, src.st_mode & 07777) << dir;
    EXPECT_EQ(dst.st_uid, src.st_uid) << dir;
    EXPECT_EQ(dst.st_gid, src.st_gid) << dir;
  }
  EXPECT_EQ(xattr_of(pool.on_branch(0, "a"), "user.tag"), "A");
  EXPECT_EQ(xattr_of(pool.on_branch(0, "a/b/c"), "user.tag"), "C");
  EXPECT_EQ(names_in(pool.on_branch(0, "a/b/c")),
            (std::set<std::string>{"file", "dir", "fifo", "sock", "symlink", "hardlink"}));
  // The pool shows the union; nothing else moved.
  EXPECT_EQ(names_in(pool.path("a/b/c")), (std::set<std::string>{"existing", "file", "dir", "fifo",
                                                                  "sock", "symlink", "hardlink"}));
  EXPECT_EQ(holders(pool, 3, "a/b/c/existing"), std::vector<int>{1});
  EXPECT_EQ(holders(pool, 3, "a"), (std::vector<int>{0, 1}));

  write_file(pool.path("k/sub/f"), "k");
  EXPECT_EQ(holders(pool, 3, "k/sub/f"), std::vector<int>{0});
  EXPECT_EQ(mode_of(pool.on_branch(0, "k")), 0700u) << "an existing level is left untouched";
  EXPECT_EQ(mode_of(pool.on_branch(0, "k/sub")), 0750u);
}

TEST(NamespaceClonePath, ClonedAncestorsKeepTheirTimes) {
  // On a plain directory, making a/b/c/new changes the mtime of a/b/c only. The pool shows
  // branch 0's clones of a and a/b (ff search), so the clones must keep the source's times
  // although a level was made inside each after its times were copied. (rsync -a sets a
  // directory's times before it has written every file below it, so this shows up there.)
  Pool pool({.branches = 2, .options = "category.create=ff", .start = false});
  make_dirs(pool.on_branch(1, "a/b/c"));
  timespec ts[2] = {{1300000000, 5}, {1400000000, 7}};
  for (const std::string rel : {"a/b/c", "a/b", "a"})
    ASSERT_EQ(::utimensat(AT_FDCWD, pool.on_branch(1, rel).c_str(), ts, 0), 0);
  pool.start();
  write_file(pool.path("a/b/c/new"), "n");
  ASSERT_EQ(holders(pool, 2, "a/b/c/new"), std::vector<int>{0});
  for (const std::string rel : {"a", "a/b"}) {
    struct stat branch0 = lstat_of(pool.on_branch(0, rel)), shown = lstat_of(pool.path(rel));
    EXPECT_EQ(branch0.st_mtim.tv_sec, 1400000000) << rel << " cloned on branch 0";
    EXPECT_EQ(branch0.st_mtim.tv_nsec, 7) << rel << " cloned on branch 0";
    EXPECT_EQ(shown.st_mtim.tv_sec, 1400000000) << rel << " through the pool";
  }
}

TEST(NamespaceClonePath, UnprivilegedCallerGetsParentsClonedAsRoot) {
  Pool pool({.branches = 2, .options = "category.create=ff", .start = false});
  // n/m only on branch 1, owned by nobody; branch 0's root is root's 0755: nobody could not
  // mkdir there, so the chain must be cloned as root, the file made as nobody.
  make_dirs(pool.on_branch(1, "n/m"));
  ASSERT_EQ(::chown(pool.on_branch(1, "n").c_str(), kNobody, kNogroup), 0);
  ASSERT_EQ(::chown(pool.on_branch(1, "n/m").c_str(), kNobody, kNogroup), 0);
  ASSERT_EQ(::chmod(pool.on_branch(1, "n/m").c_str(), 0700), 0);
  pool.start();
  Outcome o = as_user(kNobody, kNogroup, [&] {
    int fd = ::open(pool.path("n/m/f").c_str(), O_CREAT | O_WRONLY | O_EXCL, 0640);
    if (fd < 0) return -1L;
    long r = ::write(fd, "mine", 4);
    ::close(fd);
    return r;
  });
  EXPECT_EQ(o.ret, 4) << describe(o);
  EXPECT_EQ(as_user(kNobody, kNogroup, [&] { return static_cast<long>(::mkdir(pool.path("n/m/sub").c_str(), 0700)); }).err, 0);
  EXPECT_EQ(holders(pool, 2, "n/m/f"), std::vector<int>{0});
  for (const std::string rel : {"n", "n/m", "n/m/f", "n/m/sub"}) {
    struct stat st = lstat_of(pool.on_branch(0, rel));
    EXPECT_EQ(st.st_uid, kNobody) << rel;
    EXPECT_EQ(st.st_gid, kNogroup) << rel;
  }
  EXPECT_EQ(mode_of(pool.on_branch(0, "n/m")), 0700u);
  EXPECT_EQ(read_file(pool.on_branch(0, "n/m/f")), "mine");
}

}  // namespace
}  // namespace mfs::test::nsbranches
