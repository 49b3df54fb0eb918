// What the namespace-on-branches tests (namespace_{placement,clonepath,fanout,credentials,
// rename}_test.cpp) look at on the branches: lstat and mode of a branch path, which branches hold
// a name, an xattr's value, renameat2, one object of every kind, and filling a branch.
#pragma once
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

namespace mfs::test::nsbranches {

inline struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

inline mode_t mode_of(const std::string& path) { return lstat_of(path).st_mode & 07777; }

// The branches (by index) that hold rel.
inline std::vector<int> holders(const Pool& pool, int branches, const std::string& rel) {
  std::vector<int> out;
  for (int i = 0; i < branches; ++i)
    if (exists(pool.on_branch(i, rel))) out.push_back(i);
  return out;
}

inline std::string xattr_of(const std::string& path, const std::string& name) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("<") + std::strerror(errno) + ">" : std::string(buf, static_cast<size_t>(n));
}

inline long rename2(const std::string& from, const std::string& to, unsigned flags) {
  return ::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags);
}

// Makes every kind of object below `dir` through the pool; returns the relative names.
inline std::vector<std::string> make_every_kind(const Pool& pool, const std::string& dir) {
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
inline void fill(const std::string& path, size_t mb) {
  write_file(path, std::string(mb << 20, 'f'));
}

}  // namespace mfs::test::nsbranches
