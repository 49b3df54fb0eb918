// Namespace operations seen from the branches: which branch each new object lands on (ff, NC,
// mfs/lfs and pfrd over tmpfs branches of different fill), clonepath of the parent chain, epall
// fan-out to every copy with mergerfs's result rules, ownership and umask of objects an
// unprivileged caller creates, rename/link in path-preserving and create-path mode, rename flags,
// and a directory renamed while files below it are open.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

mode_t mode_of(const std::string& path) { return lstat_of(path).st_mode & 07777; }

// The branches (by index) that hold rel.
std::vector<int> holders(const Pool& pool, int branches, const std::string& rel) {
  std::vector<int> out;
  for (int i = 0; i < branches; ++i)
    if (exists(pool.on_branch(i, rel))) out.push_back(i);
  return out;
}

std::string xattr_of(const std::string& path, const std::string& name) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("<") + std::strerror(errno) + ">" : std::string(buf, static_cast<size_t>(n));
}

long rename2(const std::string& from, const std::string& to, unsigned flags) {
  return ::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags);
}

// Makes every kind of object below `dir` through the pool; returns the relative names.
std::vector<std::string> make_every_kind(const Pool& pool, const std::string& dir) {
  auto p = [&](const std::string& n) { return pool.path(dir.empty() ? n : dir + "/" + n); };
  std::vector<std::string> names;
  auto add = [&](const std::string& n, long r) {
    EXPECT_EQ(r, 0) << "creating " << n << ": " << std::strerror(errno);
    names.push_back(dir.empty() ? n : dir + "/" + n);
  };
  int fd = ::open(p("file").c_str(), O_CREAT | O_WRONLY | O_EXCL, 0644);
  add("file", fd < 0 ? -1 : ::write(fd, "data", 4) == 4 ? ::close(fd) : -1);
  add("dir", ::mkdir(p("dir").c_str(), 0755));
  add("fifo", ::mkfifo(p("fifo").c_str(), 0644));
  add("sock", ::mknod(p("sock").c_str(), S_IFSOCK | 0644, 0));
  add("symlink", ::symlink("file", p("symlink").c_str()));
  add("hardlink", ::link(p("file").c_str(), p("hardlink").c_str()));
  return names;
}

// Fills a tmpfs branch (before the pool starts) with `mb` MiB.
void fill(const std::string& path, size_t mb) {
  write_file(path, std::string(mb << 20, 'f'));
}

// ---------------------------------------------------------------------------------------------
// Placement

TEST(NamespacePlacement, FirstFoundPutsEveryKindOnTheFirstBranch) {
  Pool pool({.branches = 3, .options = "category.create=ff"});
  for (const std::string& rel : make_every_kind(pool, "")) {
    EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{0}) << rel;
    EXPECT_TRUE(exists(pool.path(rel))) << rel;
  }
  EXPECT_EQ(lstat_of(pool.on_branch(0, "file")).st_nlink, 2u);
  EXPECT_TRUE(S_ISSOCK(lstat_of(pool.on_branch(0, "sock")).st_mode));
  EXPECT_TRUE(names_in(pool.branch(1)).empty());
  EXPECT_TRUE(names_in(pool.branch(2)).empty());
}

TEST(NamespacePlacement, NoCreateBranchIsSkipped) {
  Pool pool({.branches = 3, .options = "category.create=ff",
             .branch_suffixes = {"=NC", "=RW", "=RW"}});
  for (const std::string& rel : make_every_kind(pool, ""))
    EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{1}) << rel;
  EXPECT_TRUE(names_in(pool.branch(0)).empty());
}

TEST(NamespacePlacement, MostFreeSpaceLandsOnTheEmptiestBranch) {
  Pool pool({.branches = 3, .options = "category.create=mfs,minfreespace=1M", .tmpfs_mb = 16,
             .start = false});
  fill(pool.on_branch(0, "filler"), 10);  // ~6 MiB free
  fill(pool.on_branch(2, "filler"), 5);   // ~11 MiB free; branch 1 has ~16
  make_dirs(pool.on_branch(0, "zero_only"), 0750);
  pool.start();
  for (const std::string& rel : make_every_kind(pool, ""))
    EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{1}) << rel;
  // A new file below a directory that exists only on branch 0: mfs is not path-preserving, so
  // the file still goes to branch 1 and the directory is cloned there.
  write_file(pool.path("zero_only/new"), "x");
  EXPECT_EQ(holders(pool, 3, "zero_only/new"), std::vector<int>{1});
  EXPECT_EQ(mode_of(pool.on_branch(1, "zero_only")), 0750u);
}

TEST(NamespacePlacement, LeastFreeSpaceLandsOnTheFullestBranch) {
  Pool pool({.branches = 3, .options = "category.create=lfs,minfreespace=1M", .tmpfs_mb = 16,
             .start = false});
  fill(pool.on_branch(0, "filler"), 5);
  fill(pool.on_branch(1, "filler"), 10);  // the fullest
  pool.start();
  for (const std::string& rel : make_every_kind(pool, ""))
    EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{1}) << rel;
}

TEST(NamespacePlacement, ProportionalRandomNeverPicksABranchUnderMinFreeSpace) {
  // The default create policy (pfrd) is random, but branches under minfreespace are filtered.
  Pool pool({.branches = 3, .options = "minfreespace=8M", .tmpfs_mb = 16, .start = false});
  fill(pool.on_branch(0, "filler"), 10);
  fill(pool.on_branch(2, "filler"), 10);
  pool.start();
  for (int i = 0; i < 20; ++i) {
    std::string n = "f" + std::to_string(i);
    write_file(pool.path(n), n);
    EXPECT_EQ(holders(pool, 3, n), std::vector<int>{1}) << n;
    ASSERT_EQ(::mkdir(pool.path("d" + std::to_string(i)).c_str(), 0755), 0);
    EXPECT_EQ(holders(pool, 3, "d" + std::to_string(i)), std::vector<int>{1});
  }
}

TEST(NamespacePlacement, NoBranchWithEnoughSpaceIsENOSPC) {
  Pool pool({.branches = 2, .options = "category.create=ff,minfreespace=64M", .tmpfs_mb = 16});
  Outcome o = sys([&] {
    return static_cast<long>(::open(pool.path("x").c_str(), O_CREAT | O_WRONLY, 0644));
  });
  EXPECT_EQ(o.err, ENOSPC) << describe(o);
  EXPECT_EQ(sys([&] { return static_cast<long>(::mkdir(pool.path("d").c_str(), 0755)); }).err,
            ENOSPC);
  EXPECT_EQ(sys([&] { return static_cast<long>(::symlink("x", pool.path("s").c_str())); }).err,
            ENOSPC);
}

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

// ---------------------------------------------------------------------------------------------
// Credentials: ownership and umask

TEST(NamespaceCredentials, ObjectsMadeByNobodyAreOwnedByNobody) {
  Pool pool({.branches = 2, .options = "category.create=ff", .start = false});
  make_dirs(pool.on_branch(0, "pub"), 0777);
  make_dirs(pool.on_branch(1, "pub"), 0777);
  pool.start();
  Outcome o = as_user(kNobody, kNogroup, [&] {
    int fd = ::open(pool.path("pub/file").c_str(), O_CREAT | O_WRONLY | O_EXCL, 0644);
    if (fd < 0) return -1L;
    ::close(fd);
    if (::mkdir(pool.path("pub/dir").c_str(), 0755) < 0) return -2L;
    if (::mkfifo(pool.path("pub/fifo").c_str(), 0644) < 0) return -3L;
    if (::mknod(pool.path("pub/sock").c_str(), S_IFSOCK | 0644, 0) < 0) return -4L;
    if (::symlink("file", pool.path("pub/symlink").c_str()) < 0) return -5L;
    if (::link(pool.path("pub/file").c_str(), pool.path("pub/hardlink").c_str()) < 0) return -6L;
    if (::mkdir(pool.path("pub/dir/deeper").c_str(), 0700) < 0) return -7L;
    return 0L;
  });
  ASSERT_EQ(o.ret, 0) << describe(o);
  for (const std::string n : {"file", "dir", "fifo", "sock", "symlink", "hardlink", "dir/deeper"}) {
    for (const std::string& where : {pool.on_branch(0, "pub/" + n), pool.path("pub/" + n)}) {
      struct stat st = lstat_of(where);
      EXPECT_EQ(st.st_uid, kNobody) << where;
      EXPECT_EQ(st.st_gid, kNogroup) << where;
    }
  }
  EXPECT_TRUE(names_in(pool.on_branch(1, "pub")).empty());
  // And nobody may remove what it made.
  EXPECT_EQ(as_user(kNobody, kNogroup, [&] {
              return static_cast<long>(::rmdir(pool.path("pub/dir/deeper").c_str()));
            }).err,
            0);
}

// Runs fn as uid/gid with `mask` as the umask; returns what fn returned.
Outcome with_umask(uid_t uid, gid_t gid, mode_t mask, const std::function<long()>& fn) {
  return as_user(uid, gid, [&] {
    ::umask(mask);
    return fn();
  });
}

long make_four(const std::string& dir) {
  int fd = ::open((dir + "/file").c_str(), O_CREAT | O_WRONLY | O_EXCL, 0666);
  if (fd < 0) return -1;
  ::close(fd);
  if (::mkdir((dir + "/dir").c_str(), 0777) < 0) return -2;
  if (::mkfifo((dir + "/fifo").c_str(), 0666) < 0) return -3;
  if (::mknod((dir + "/sock").c_str(), S_IFSOCK | 0777, 0) < 0) return -4;
  return 0;
}

TEST(NamespaceCredentials, CallersUmaskIsApplied) {
  Pool pool({.branches = 2, .options = "category.create=ff", .start = false});
  TempDir plain;
  for (const std::string& root : {pool.branch(0), plain.path()}) {
    make_dirs(root + "/u027", 0777);
    make_dirs(root + "/u077", 0777);
    make_dirs(root + "/u000", 0777);
  }
  pool.start();
  struct Case {
    std::string dir;
    uid_t uid;
    mode_t mask;
    mode_t file, dir_mode;
  };
  for (const Case& c : {Case{"u027", kNobody, 027, 0640, 0750}, Case{"u077", 0, 077, 0600, 0700},
                        Case{"u000", kNobody, 0, 0666, 0777}}) {
    for (const std::string& root : {pool.mnt(), plain.path()}) {
      Outcome o = with_umask(c.uid, c.uid ? kNogroup : 0, c.mask,
                             [&] { return make_four(root + "/" + c.dir); });
      EXPECT_EQ(o.ret, 0) << root << " " << c.dir << ": " << describe(o);
    }
    for (const std::string n : {"file", "dir", "fifo", "sock"}) {
      std::string rel = c.dir + "/" + n;
      mode_t want = (n == "file" || n == "fifo") ? c.file : c.dir_mode;
      EXPECT_EQ(mode_of(plain.path() + "/" + rel), want) << "plain " << rel;
      EXPECT_EQ(mode_of(pool.path(rel)), want) << "pool " << rel;
      EXPECT_EQ(mode_of(pool.on_branch(0, rel)), want) << "branch 0 " << rel;
    }
  }
}

// A minimal POSIX ACL (user::rwx group::rwx other::rwx) in the kernel's xattr format.
std::string full_acl() {
  std::string a;
  auto u32 = [&](uint32_t v) { a.append(reinterpret_cast<const char*>(&v), 4); };
  auto entry = [&](uint16_t tag, uint16_t perm) {
    a.append(reinterpret_cast<const char*>(&tag), 2);
    a.append(reinterpret_cast<const char*>(&perm), 2);
    u32(0xffffffffu);
  };
  u32(2);  // POSIX_ACL_XATTR_VERSION
  entry(0x01, 7);  // ACL_USER_OBJ
  entry(0x04, 7);  // ACL_GROUP_OBJ
  entry(0x20, 7);  // ACL_OTHER
  return a;
}

TEST(NamespaceCredentials, DefaultAclOnTheParentReplacesTheUmask) {
  // FEATURES.md §4.1: the umask is not applied when the parent directory has a default ACL;
  // the ACL decides, as on a plain directory.
  Pool pool({.branches = 2, .options = "category.create=ff", .start = false});
  TempDir plain;
  const std::string acl = full_acl();
  for (const std::string& root : {pool.branch(0), plain.path()}) {
    make_dirs(root + "/acl", 0777);
    if (::setxattr((root + "/acl").c_str(), "system.posix_acl_default", acl.data(), acl.size(),
                   0) < 0)
      FAIL() << "setting a default ACL on " << root << " (temp dirs need POSIX ACLs): "
             << std::strerror(errno);
  }
  pool.start();
  for (const std::string& root : {pool.mnt(), plain.path()}) {
    Outcome o = with_umask(kNobody, kNogroup, 027, [&] { return make_four(root + "/acl"); });
    EXPECT_EQ(o.ret, 0) << root << ": " << describe(o);
  }
  for (const std::string n : {"file", "dir", "fifo", "sock"}) {
    mode_t want = mode_of(plain.path() + "/acl/" + n);
    EXPECT_EQ(want, (n == "file" || n == "fifo") ? 0666u : 0777u) << "plain " << n;
    EXPECT_EQ(mode_of(pool.path("acl/" + n)), want) << "pool " << n;
  }
}

// ---------------------------------------------------------------------------------------------
// rename and link across branches

TEST(NamespaceRename, FlagsWithTheTargetOnAnotherBranch) {
  Pool pool({.branches = 3, .start = false});
  write_file(pool.on_branch(0, "s"), "source");
  write_file(pool.on_branch(2, "t"), "target");
  pool.start();
  Outcome o = sys([&] { return rename2(pool.path("s"), pool.path("t"), RENAME_NOREPLACE); });
  EXPECT_EQ(o.err, EEXIST) << describe(o);
  o = sys([&] { return rename2(pool.path("s"), pool.path("t"), RENAME_EXCHANGE); });
  EXPECT_EQ(o.err, EINVAL) << describe(o);
  EXPECT_EQ(read_file(pool.path("s")), "source");
  EXPECT_EQ(read_file(pool.path("t")), "target");
  o = sys([&] { return rename2(pool.path("s"), pool.path("u"), RENAME_NOREPLACE); });
  EXPECT_EQ(o.err, 0) << describe(o);
  EXPECT_EQ(holders(pool, 3, "u"), std::vector<int>{0});
  EXPECT_TRUE(holders(pool, 3, "s").empty());
}

TEST(NamespaceRename, EveryCopyIsRenamedAndTheTargetReplacedOnEveryBranch) {
  Pool pool({.branches = 3, .start = false});
  write_file(pool.on_branch(0, "multi"), "m0");
  write_file(pool.on_branch(2, "multi"), "m2");
  write_file(pool.on_branch(0, "src"), "S");
  write_file(pool.on_branch(1, "tgt"), "T");  // the target lives on another branch
  make_dirs(pool.on_branch(0, "sd"));
  write_file(pool.on_branch(0, "sd/x"), "x");
  make_dirs(pool.on_branch(0, "ed"));
  make_dirs(pool.on_branch(1, "ed"));  // an empty target dir on two branches
  make_dirs(pool.on_branch(0, "m"));
  make_dirs(pool.on_branch(1, "m"));
  write_file(pool.on_branch(0, "m/a"), "a");
  write_file(pool.on_branch(1, "m/b"), "b");
  pool.start();
  ASSERT_EQ(::rename(pool.path("multi").c_str(), pool.path("renamed").c_str()), 0);
  EXPECT_EQ(holders(pool, 3, "renamed"), (std::vector<int>{0, 2}));
  EXPECT_TRUE(holders(pool, 3, "multi").empty());
  EXPECT_EQ(read_file(pool.on_branch(2, "renamed")), "m2");

  ASSERT_EQ(::rename(pool.path("src").c_str(), pool.path("tgt").c_str()), 0);
  EXPECT_EQ(read_file(pool.path("tgt")), "S");
  EXPECT_EQ(holders(pool, 3, "tgt"), std::vector<int>{0}) << "the old target must be gone";
  EXPECT_FALSE(exists(pool.path("src")));

  ASSERT_EQ(::rename(pool.path("sd").c_str(), pool.path("ed").c_str()), 0);
  EXPECT_EQ(names_in(pool.path("ed")), std::set<std::string>{"x"});
  EXPECT_EQ(holders(pool, 3, "ed"), std::vector<int>{0});

  ASSERT_EQ(::rename(pool.path("m").c_str(), pool.path("m2").c_str()), 0);
  EXPECT_EQ(names_in(pool.path("m2")), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(holders(pool, 3, "m2"), (std::vector<int>{0, 1}));
  EXPECT_TRUE(holders(pool, 3, "m").empty());
}

// f on branch 0; dir "only1" exists only on branch 1; "both" on both.
void lay_out_cross_branch(Pool& pool) {
  write_file(pool.on_branch(0, "f"), "file on branch 0");
  write_file(pool.on_branch(0, "g"), "second file on branch 0");
  make_dirs(pool.on_branch(1, "only1"), 0750);
  ASSERT_EQ(::chown(pool.on_branch(1, "only1").c_str(), 1234, 5678), 0);
  make_dirs(pool.on_branch(0, "both"));
  make_dirs(pool.on_branch(1, "both"));
}

TEST(NamespaceRename, PathPreservingRenameToADirOnAnotherBranchIsEXDEV) {
  Pool pool({.branches = 2, .options = "category.create=epff", .start = false});
  lay_out_cross_branch(pool);
  pool.start();
  Outcome o = sys([&] { return static_cast<long>(::rename(pool.path("f").c_str(), pool.path("only1/f").c_str())); });
  EXPECT_EQ(o.err, EXDEV) << describe(o);
  EXPECT_EQ(holders(pool, 2, "f"), std::vector<int>{0});
  EXPECT_FALSE(exists(pool.on_branch(0, "only1")));
  o = sys([&] { return static_cast<long>(::link(pool.path("f").c_str(), pool.path("only1/fl").c_str())); });
  EXPECT_EQ(o.err, EXDEV) << describe(o);
  // Where the parent exists on the source's branch the rename is in place.
  ASSERT_EQ(::rename(pool.path("g").c_str(), pool.path("both/g").c_str()), 0);
  EXPECT_EQ(holders(pool, 2, "both/g"), std::vector<int>{0});
  // mv falls back to copy + unlink on EXDEV; the copy is created by the (ep) create policy.
  std::string out;
  ASSERT_EQ(run("mv '" + pool.path("f") + "' '" + pool.path("only1/") + "'", &out), 0) << out;
  EXPECT_EQ(read_file(pool.path("only1/f")), "file on branch 0");
  EXPECT_EQ(holders(pool, 2, "only1/f"), std::vector<int>{1});
  EXPECT_TRUE(holders(pool, 2, "f").empty());
}

TEST(NamespaceRename, CreatePathRenameClonesTheDestinationParent) {
  for (const std::string& options : {std::string("category.create=ff"), std::string()}) {
    SCOPED_TRACE(options.empty() ? "default create policy (pfrd)" : options);
    Pool pool({.branches = 2, .options = options, .start = false});
    lay_out_cross_branch(pool);
    pool.start();
    ASSERT_EQ(::rename(pool.path("f").c_str(), pool.path("only1/f").c_str()), 0)
        << std::strerror(errno);
    EXPECT_EQ(read_file(pool.path("only1/f")), "file on branch 0");
    EXPECT_EQ(holders(pool, 2, "only1/f"), std::vector<int>{0}) << "renamed in place";
    EXPECT_TRUE(holders(pool, 2, "f").empty());
    struct stat st = lstat_of(pool.on_branch(0, "only1"));
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
    // link: same algorithm.
    ASSERT_EQ(::link(pool.path("g").c_str(), pool.path("only1/gl").c_str()), 0)
        << std::strerror(errno);
    EXPECT_EQ(holders(pool, 2, "only1/gl"), std::vector<int>{0});
    EXPECT_EQ(lstat_of(pool.path("g")).st_nlink, 2u);
    EXPECT_EQ(lstat_of(pool.path("only1/gl")).st_ino, lstat_of(pool.path("g")).st_ino);
  }
}

TEST(NamespaceRename, IgnorePathPreservingOnRenameUsesCreatePath) {
  Pool pool({.branches = 2, .options = "category.create=epff,ignorepponrename=true",
             .start = false});
  lay_out_cross_branch(pool);
  pool.start();
  ASSERT_EQ(::rename(pool.path("f").c_str(), pool.path("only1/f").c_str()), 0)
      << std::strerror(errno);
  EXPECT_EQ(holders(pool, 2, "only1/f"), std::vector<int>{0});
}

TEST(NamespaceLink, TheSourceNameShowsTheNewLinkCountAtOnce) {
  // On a plain directory stat(old) right after link(old, new) shows st_nlink 2, also when old's
  // attributes were just read. Several files, since a late invalidation shows only sometimes.
  Pool pool({.branches = 2, .start = false});
  for (int b : {0, 1}) make_dirs(pool.on_branch(b, "d"));
  for (int i = 0; i < 20; ++i) write_file(pool.on_branch(i % 2, "f" + std::to_string(i)), "x");
  pool.start();
  std::string stale;
  for (int i = 0; i < 20; ++i) {
    std::string f = pool.path("f" + std::to_string(i));
    std::string l = pool.path((i % 4 < 2 ? "d/f" : "f") + std::to_string(i) + "_link");
    if (i % 2) {
      ASSERT_EQ(lstat_of(f).st_nlink, 1u);  // the attributes are cached now
    }
    ASSERT_EQ(::link(f.c_str(), l.c_str()), 0) << std::strerror(errno);
    if (auto n = lstat_of(f).st_nlink; n != 2)
      stale += " f" + std::to_string(i) + "(nlink " + std::to_string(n) + ")";
    EXPECT_EQ(lstat_of(l).st_nlink, 2u);
  }
  EXPECT_EQ(stale, "") << "stat right after link showed the old st_nlink";
}

// ---------------------------------------------------------------------------------------------
// A directory renamed while files below it are open

class NamespaceOpenRename : public ::testing::Test {
 protected:
  Pool pool{{.branches = 2, .start = false}};
  void SetUp() override {
    for (int b : {0, 1}) make_dirs(pool.on_branch(b, "top/mid"));
    write_file(pool.on_branch(0, "top/mid/f"), "hello");
    write_file(pool.on_branch(1, "top/mid/g"), "world");
    pool.start();
  }
};

TEST_F(NamespaceOpenRename, OpenFilesKeepWorkingAndAreReachableUnderTheNewName) {
  int f = ::open(pool.path("top/mid/f").c_str(), O_RDWR);
  int g = ::open(pool.path("top/mid/g").c_str(), O_RDONLY);
  ASSERT_GE(f, 0);
  ASSERT_GE(g, 0);
  ASSERT_EQ(::rename(pool.path("top").c_str(), pool.path("top2").c_str()), 0)
      << std::strerror(errno);
  EXPECT_EQ(holders(pool, 2, "top2/mid"), (std::vector<int>{0, 1}));
  EXPECT_FALSE(exists(pool.path("top")));

  EXPECT_EQ(::pwrite(f, "HE", 2, 0), 2);
  EXPECT_EQ(::pwrite(f, "!!", 2, 5), 2);
  char buf[64] = {};
  EXPECT_EQ(::pread(f, buf, sizeof buf, 0), 7);
  EXPECT_EQ(std::string(buf, 7), "HEllo!!");
  EXPECT_EQ(::pread(g, buf, sizeof buf, 0), 5);
  EXPECT_EQ(std::string(buf, 5), "world");
  struct stat st {};
  EXPECT_EQ(::fstat(f, &st), 0);
  EXPECT_EQ(st.st_size, 7);
  EXPECT_EQ(::fchmod(f, 0600), 0);
  EXPECT_EQ(::fsync(f), 0);

  EXPECT_EQ(read_file(pool.path("top2/mid/f")), "HEllo!!");
  EXPECT_EQ(read_file(pool.on_branch(0, "top2/mid/f")), "HEllo!!");
  EXPECT_EQ(mode_of(pool.path("top2/mid/f")), 0600u);
  EXPECT_EQ(read_file(pool.path("top2/mid/g")), "world");
  // A write through the new name shows through the old descriptor, and the other way round.
  write_file(pool.path("top2/mid/g"), "WORLD!");
  EXPECT_EQ(::pread(g, buf, sizeof buf, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "WORLD!");
  // Path-based changes by the new name, then fd-based ones after another rename of the file.
  EXPECT_EQ(::chmod(pool.path("top2/mid/f").c_str(), 0640), 0);
  EXPECT_EQ(::fstat(f, &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(::rename(pool.path("top2/mid/f").c_str(), pool.path("top2/f_moved").c_str()), 0);
  EXPECT_EQ(::ftruncate(f, 3), 0);
  EXPECT_EQ(::write(f, "abc", 3), 3);  // the offset is still 0
  ::close(f);
  ::close(g);
  EXPECT_EQ(read_file(pool.path("top2/f_moved")), "abc");
  EXPECT_EQ(holders(pool, 2, "top2/f_moved"), std::vector<int>{0});
  // The old names are gone everywhere.
  EXPECT_TRUE(holders(pool, 2, "top").empty());
}

TEST_F(NamespaceOpenRename, OpenDirectoryHandleListsAfterTheRename) {
  // On a plain directory getdents on a directory opened before a rename lists it as it is.
  DIR* d = ::opendir(pool.path("top/mid").c_str());
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(::rename(pool.path("top").c_str(), pool.path("top2").c_str()), 0);
  std::set<std::string> seen;
  errno = 0;
  while (auto* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) seen.insert(e->d_name);
  int err = errno;
  ::closedir(d);
  EXPECT_EQ(err, 0) << std::strerror(err);
  EXPECT_EQ(seen, (std::set<std::string>{"f", "g"}));
}

}  // namespace
}  // namespace mfs::test
