// The union view: files from every branch, duplicates once (first branch wins), merged dirs.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

#include <set>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

std::multiset<std::string> list(const std::string& dir) {
  std::multiset<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (auto* e = ::readdir(d)) names.insert(e->d_name);
  ::closedir(d);
  return names;
}

TEST(UnionView, FilesFromEveryBranchDuplicatesOnce) {
  Pool p({.branches = 3, .start = false});
  write_file(p.on_branch(0, "one"), "1");
  write_file(p.on_branch(1, "two"), "2");
  write_file(p.on_branch(2, "three"), "3");
  write_file(p.on_branch(0, "dup"), "first");
  write_file(p.on_branch(2, "dup"), "third-longer");
  p.start();
  auto names = list(p.mnt());
  EXPECT_EQ(names, (std::multiset<std::string>{".", "..", "one", "two", "three", "dup"}));
  EXPECT_EQ(read_file(p.path("dup")), "first");
  struct stat st {};
  ASSERT_EQ(::stat(p.path("dup").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 5);
}

TEST(UnionView, MergedDirectories) {
  Pool p({.branches = 3, .start = false});
  make_dirs(p.on_branch(0, "media/tv"));
  make_dirs(p.on_branch(1, "media/movies"));
  make_dirs(p.on_branch(2, "media/tv"));
  write_file(p.on_branch(0, "media/tv/a.mkv"), "a");
  write_file(p.on_branch(2, "media/tv/b.mkv"), "b");
  write_file(p.on_branch(1, "media/movies/c.mkv"), "c");
  p.start();
  EXPECT_EQ(list(p.path("media")), (std::multiset<std::string>{".", "..", "tv", "movies"}));
  EXPECT_EQ(list(p.path("media/tv")), (std::multiset<std::string>{".", "..", "a.mkv", "b.mkv"}));
  EXPECT_EQ(read_file(p.path("media/tv/b.mkv")), "b");
}

TEST(UnionView, AttributesComeFromFirstBranchHoldingTheFile) {
  Pool p({.branches = 2, .start = false});
  write_file(p.on_branch(0, "f"), "x", 0600);
  write_file(p.on_branch(1, "f"), "yyyy", 0644);
  write_file(p.on_branch(1, "g"), "yyyy", 0640);
  p.start();
  struct stat st {};
  ASSERT_EQ(::stat(p.path("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 1);
  ASSERT_EQ(::stat(p.path("g").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST(UnionView, ControlFileExistsAndIsHidden) {
  Pool p({.branches = 2});
  struct stat st {};
  ASSERT_EQ(::stat(p.path(".mergerfs").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0664u);
  EXPECT_EQ(list(p.mnt()).count(".mergerfs"), 0u);
  char buf[4096];
  ssize_t n = ::getxattr(p.path(".mergerfs").c_str(), "user.mergerfs.category.create", buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "pfrd");
  n = ::getxattr(p.path(".mergerfs").c_str(), "user.mergerfs.nonexistent", buf, sizeof buf);
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, ENODATA);
}

TEST(UnionView, StatfsSumsDistinctFilesystems) {
  Pool p({.branches = 2, .tmpfs_mb = 16});
  struct statvfs a {}, b {}, m {};
  ASSERT_EQ(::statvfs(p.branch(0).c_str(), &a), 0);
  ASSERT_EQ(::statvfs(p.branch(1).c_str(), &b), 0);
  ASSERT_EQ(::statvfs(p.mnt().c_str(), &m), 0);
  EXPECT_EQ(m.f_blocks * m.f_frsize, a.f_blocks * a.f_frsize + b.f_blocks * b.f_frsize);
}

TEST(UnionView, StatfsCountsSharedFilesystemOnce) {
  Pool p({.branches = 3});
  struct statvfs a {}, m {};
  ASSERT_EQ(::statvfs(p.branch(0).c_str(), &a), 0);
  ASSERT_EQ(::statvfs(p.mnt().c_str(), &m), 0);
  EXPECT_EQ(m.f_blocks * m.f_frsize, a.f_blocks * a.f_frsize);
}

}  // namespace
}  // namespace mfs::test
