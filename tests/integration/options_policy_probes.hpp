// What the policy-option tests (options_func/category/readdir/minfreespace_test.cpp) use: lstat
// and xattrs of branch paths, the control file's keys, mtimes, which branches hold a name,
// filling a branch.
#pragma once
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::policyopts {

constexpr time_t kOld = 1000000000;  // mtime of branch 0's copy
constexpr time_t kNew = 1500000000;  // mtime of branch 1's copy: `newest` picks it

inline struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

inline std::string xattr_of(const std::string& path, const std::string& name) {
  char buf[4096];
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("<") + std::strerror(errno) + ">"
               : std::string(buf, static_cast<size_t>(n));
}

// A runtime key read back through the control file.
inline std::string ctl(const Pool& p, const std::string& key) {
  return xattr_of(p.path(".mergerfs"), "user.mergerfs." + key);
}

inline int ctl_set(const Pool& p, const std::string& key, const std::string& value) {
  return ::lsetxattr(p.path(".mergerfs").c_str(), ("user.mergerfs." + key).c_str(), value.data(),
                     value.size(), 0);
}

inline void set_mtime(const std::string& path, time_t t) {
  struct timespec ts[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << path;
}

inline void set_xattr(const std::string& path, const std::string& name, const std::string& value) {
  ASSERT_EQ(::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0), 0)
      << path << " " << name << ": " << std::strerror(errno);
}

// The branches (by index) that hold rel.
inline std::vector<int> holders(const Pool& pool, int branches, const std::string& rel) {
  std::vector<int> out;
  for (int i = 0; i < branches; ++i)
    if (exists(pool.on_branch(i, rel))) out.push_back(i);
  return out;
}

// Fills a tmpfs branch (before the pool starts) with `mb` MiB.
inline void fill(const std::string& path, size_t mb) {
  write_file(path, std::string(mb << 20, 'f'));
}

inline Outcome ok() { return Outcome{0, 0}; }

}  // namespace mfs::test::policyopts
