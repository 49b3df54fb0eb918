// The parent-directory descriptor cache (actors/branch/parent_dir_cache) over a real temp tree:
// its lstat answers as fs::lstat does, one entry per parent directory, the TTL and expire()
// closing descriptors, the pool-wide generation bump on renames, and the bound on entries.
#include "actors/branch/parent_dir_cache.hpp"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "config_tmpdir.hpp"

namespace mfs::fs {
namespace {

using config::test::TmpDir;

constexpr double kLongTtl = 60.0;

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// A branch: the temp tree and a descriptor of its root, as the branch holds one.
class Branch {
 public:
  Branch() : root_(::open(t_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
  ~Branch() {
    if (root_ >= 0) ::close(root_);
  }
  const TmpDir& tree() const { return t_; }
  int root() const { return root_; }

 private:
  TmpDir t_;
  int root_;
};

TEST(ParentDirCache, LstatAnswersAsThePlainLstatWithoutFollowingLinks) {
  Branch b;
  ASSERT_GE(b.root(), 0);
  b.tree().mkdir("a/b");
  b.tree().write("a/b/f", "12345");
  ASSERT_EQ(::symlink("f", b.tree().sub("a/b/link").c_str()), 0);
  ParentDirCache c;
  c.set_ttl(kLongTtl);
  struct stat st {}, plain {};
  ASSERT_EQ(c.lstat(b.root(), "/a/b/f", st), 0);
  ASSERT_EQ(::lstat(b.tree().sub("a/b/f").c_str(), &plain), 0);
  EXPECT_EQ(st.st_ino, plain.st_ino);
  EXPECT_EQ(st.st_size, 5);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(c.lstat(b.root(), "/a/b/link", st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(c.lstat(b.root(), "/a/b/missing", st), -ENOENT);
  ASSERT_EQ(c.lstat(b.root(), "/a/b", st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST(ParentDirCache, ProbesInOneDirectoryShareOneEntry) {
  Branch b;
  b.tree().mkdir("a/b");
  b.tree().write("a/b/f", "x");
  b.tree().write("a/b/g", "y");
  ParentDirCache c;
  c.set_ttl(kLongTtl);
  struct stat st {};
  EXPECT_EQ(c.lstat(b.root(), "/a/b/f", st), 0);
  EXPECT_EQ(c.lstat(b.root(), "/a/b/g", st), 0);
  EXPECT_EQ(c.lstat(b.root(), "/a/b/none", st), -ENOENT);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.lstat(b.root(), "/a/b", st), 0);  // parent /a
  EXPECT_EQ(c.size(), 2u);
}

TEST(ParentDirCache, NamesInTheRootAndDotNamesNeedNoEntry) {
  Branch b;
  b.tree().write("top", "x");
  b.tree().mkdir("a");
  ParentDirCache c;
  c.set_ttl(kLongTtl);
  struct stat st {};
  EXPECT_EQ(c.lstat(b.root(), "/top", st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(c.lstat(b.root(), "/", st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(c.lstat(b.root(), "/absent", st), -ENOENT);
  (void)c.lstat(b.root(), "/a/.", st);
  (void)c.lstat(b.root(), "/a/..", st);
  EXPECT_EQ(c.size(), 0u);
}

TEST(ParentDirCache, AMissingOrNonDirectoryParentGivesTheRealErrorAndNoEntry) {
  Branch b;
  b.tree().write("file", "x");
  ParentDirCache c;
  c.set_ttl(kLongTtl);
  struct stat st {};
  EXPECT_EQ(c.lstat(b.root(), "/nodir/x", st), -ENOENT);
  EXPECT_EQ(c.lstat(b.root(), "/file/x", st), -ENOTDIR);
  EXPECT_EQ(c.size(), 0u);
}

TEST(ParentDirCache, AnEntryHoldsTheDirectoryUntilARenameThroughThePool) {
  Branch b;
  b.tree().mkdir("a/b");
  b.tree().write("a/b/f", "x");
  ParentDirCache c;
  c.set_ttl(kLongTtl);
  struct stat st {};
  ASSERT_EQ(c.lstat(b.root(), "/a/b/f", st), 0);
  // Out of band: /a/b moves away and an empty /a/b takes its name. Within the TTL the entry
  // still stands for the directory it opened (documented: out-of-band renames show later).
  ASSERT_EQ(::rename(b.tree().sub("a/b").c_str(), b.tree().sub("a/moved").c_str()), 0);
  b.tree().mkdir("a/b");
  EXPECT_EQ(c.lstat(b.root(), "/a/b/f", st), 0);
  // A rename through the pool bumps the generation: the next probe resolves the name afresh.
  ParentDirCache::namespace_changed();
  EXPECT_EQ(c.lstat(b.root(), "/a/b/f", st), -ENOENT);
  EXPECT_EQ(c.lstat(b.root(), "/a/moved/f", st), 0);
}

TEST(ParentDirCache, ZeroTtlResolvesEveryProbeAndKeepsNothing) {
  Branch b;
  b.tree().mkdir("a/b");
  b.tree().write("a/b/f", "x");
  ParentDirCache c;
  c.set_ttl(kLongTtl);
  struct stat st {};
  ASSERT_EQ(c.lstat(b.root(), "/a/b/f", st), 0);
  ASSERT_EQ(c.size(), 1u);
  c.set_ttl(0);
  EXPECT_EQ(c.size(), 0u);
  ASSERT_EQ(::rename(b.tree().sub("a/b").c_str(), b.tree().sub("a/moved").c_str()), 0);
  b.tree().mkdir("a/b");
  EXPECT_EQ(c.lstat(b.root(), "/a/b/f", st), -ENOENT);
  EXPECT_EQ(c.lstat(b.root(), "/a/moved/f", st), 0);
  EXPECT_EQ(c.size(), 0u);
}

TEST(ParentDirCache, ExpireClosesTheDescriptorsOfExpiredEntries) {
  Branch b;
  b.tree().mkdir("a");
  b.tree().mkdir("b");
  ParentDirCache c;
  c.set_ttl(0.05);
  const size_t fds_before = open_fds();
  struct stat st {};
  (void)c.lstat(b.root(), "/a/x", st);
  (void)c.lstat(b.root(), "/b/x", st);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(open_fds(), fds_before + 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c.expire();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(open_fds(), fds_before);
}

TEST(ParentDirCache, ExpireKeepsLiveEntriesAndDropsThoseOfAnOlderGeneration) {
  Branch b;
  b.tree().mkdir("a");
  ParentDirCache c;
  c.set_ttl(kLongTtl);
  struct stat st {};
  (void)c.lstat(b.root(), "/a/x", st);
  c.expire();
  EXPECT_EQ(c.size(), 1u);
  ParentDirCache::namespace_changed();
  c.expire();
  EXPECT_EQ(c.size(), 0u);
}

TEST(ParentDirCache, StaysWithinItsBoundOfOpenDirectories) {
  // 1024 entries, each an open descriptor: the test needs a few more than that.
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < 2048 && lim.rlim_max >= 2048) {
    lim.rlim_cur = 2048;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
  }
  ASSERT_GE(lim.rlim_cur, 2048u) << "RLIMIT_NOFILE too low for 1024 cached directories";
  Branch b;
  constexpr int kBound = 1024;
  for (int i = 0; i <= kBound; ++i) b.tree().mkdir("d" + std::to_string(i));
  ParentDirCache c;
  c.set_ttl(kLongTtl);
  struct stat st {};
  for (int i = 0; i < kBound; ++i)
    ASSERT_EQ(c.lstat(b.root(), "/d" + std::to_string(i) + "/x", st), -ENOENT);
  EXPECT_EQ(c.size(), static_cast<size_t>(kBound));
  // A full map with nothing expired is emptied before the new entry goes in.
  EXPECT_EQ(c.lstat(b.root(), "/d" + std::to_string(kBound) + "/x", st), -ENOENT);
  EXPECT_EQ(c.size(), 1u);
}

TEST(ParentDirCache, DestroyingTheCacheClosesEveryDescriptor) {
  Branch b;
  b.tree().mkdir("a");
  b.tree().mkdir("b");
  const size_t fds_before = open_fds();
  {
    ParentDirCache c;
    c.set_ttl(kLongTtl);
    struct stat st {};
    (void)c.lstat(b.root(), "/a/x", st);
    (void)c.lstat(b.root(), "/b/x", st);
    EXPECT_EQ(open_fds(), fds_before + 2);
  }
  EXPECT_EQ(open_fds(), fds_before);
}

}  // namespace
}  // namespace mfs::fs
