// The DataPath fixture (a pool of tmpfs branches with default options, cache.files=off, and a
// plain tmpfs directory with the pool's mount flags as the reference for kernel answers) and
// the helpers the datapath_*_test.cpp files share.
#pragma once
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::datapath {

// A plain tmpfs directory with the pool's mount flags (the reference for kernel answers).
class PlainTmpfs {
 public:
  explicit PlainTmpfs(const std::string& like) {
    struct statvfs sv {};
    unsigned long flags = 0;
    if (::statvfs(like.c_str(), &sv) == 0) {
      if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
      if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    }
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", flags, "size=512m,mode=0755") == 0;
    if (!mounted_) ADD_FAILURE() << "tmpfs: " << std::strerror(errno);
  }
  ~PlainTmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  std::string path(const std::string& rel) const { return dir_.path() + "/" + rel; }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

inline uint64_t fnv(const void* data, size_t n, uint64_t h = 1469598103934665603ULL) {
  auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

inline std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  for (size_t i = n & ~size_t{7}; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

inline struct stat stat_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) st.st_nlink = 9999;
  return st;
}

// Runs fn in a forked child (as root or as uid/gid); its result comes back through a pipe.
inline Outcome in_child(const std::function<long()>& fn) {
  int p[2];
  if (::pipe(p) < 0) return {-1, errno};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    ::alarm(30);
    Outcome o = sys(fn);
    (void)!::write(p[1], &o, sizeof o);
    ::_exit(0);
  }
  ::close(p[1]);
  Outcome o{-1, ETIMEDOUT};
  (void)!::read(p[0], &o, sizeof o);
  ::close(p[0]);
  int st;
  ::waitpid(pid, &st, 0);
  return o;
}

inline std::string pread_all(int fd, size_t n, off_t off) {
  std::string s(n, '\0');
  ssize_t r = ::pread(fd, s.data(), n, off);
  s.resize(r < 0 ? 0 : static_cast<size_t>(r));
  return s;
}

// Daemon descriptors that point at `branch_file`.
inline int daemon_fds_on(pid_t daemon, const std::string& branch_file) {
  std::string dir = "/proc/" + std::to_string(daemon) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (auto* e = ::readdir(d)) {
    char target[PATH_MAX + 1];
    ssize_t k = ::readlink((dir + "/" + e->d_name).c_str(), target, PATH_MAX);
    if (k > 0 && std::string(target, static_cast<size_t>(k)) == branch_file) ++n;
  }
  ::closedir(d);
  return n;
}

// The branch holding `rel` (first in pool order), or -1.
inline int branch_of(const Pool& p, const std::string& rel) {
  for (int b = 0; b < 3; ++b)
    if (exists(p.on_branch(b, rel))) return b;
  return -1;
}

class DataPath : public ::testing::Test {
 protected:
  // Default options (the fixture adds cache.files=off, mergerfs's default); branches are large
  // enough for minfreespace (tmpfs only uses what it holds).
  Pool pool{{.branches = 3, .tmpfs_mb = 8192}};
  PlainTmpfs plain{pool.mnt()};
  std::string P(const std::string& rel) const { return pool.path(rel); }
  std::string L(const std::string& rel) const { return plain.path(rel); }
};

}  // namespace mfs::test::datapath
