// The read-only tests' probes: one syscall on a path, returning the Outcome and what it
// observed, and the comparison of a pool outcome with the plain directory's.
#pragma once
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::readonly {

inline void expect_same(const Outcome& pool, const Outcome& plain, const std::string& label) {
  EXPECT_TRUE(pool == plain) << label << ": pool " << describe(pool) << ", plain "
                             << describe(plain);
}

using Names = std::vector<std::string>;

const std::string kName255(255, 'l');
const std::string kName256(256, 'n');
constexpr size_t kBigSize = 300000;

// Syscall helpers: each returns the Outcome and whatever it observed.

struct StatResult {
  Outcome o;
  struct stat st {};
};
inline StatResult do_stat(const std::string& path, bool follow) {
  StatResult r;
  r.o = sys([&] { return follow ? ::stat(path.c_str(), &r.st) : ::lstat(path.c_str(), &r.st); });
  return r;
}

struct Listing {
  Outcome o;
  std::vector<std::pair<std::string, int>> entries;  // (name, d_type), sorted
};
inline Listing list_dir(const std::string& path) {
  Listing l;
  DIR* d = nullptr;
  l.o = sys([&] {
    d = ::opendir(path.c_str());
    return d ? 0L : -1L;
  });
  if (!d) return l;
  errno = 0;
  while (auto* e = ::readdir(d)) l.entries.emplace_back(e->d_name, e->d_type);
  if (errno) l.o = {-1, errno};
  ::closedir(d);
  std::sort(l.entries.begin(), l.entries.end());
  return l;
}

struct ReadResult {
  Outcome open, read;
  std::string data;
};
// open(flags) then pread(len, off).
inline ReadResult read_at(const std::string& path, off_t off, size_t len, int flags = O_RDONLY) {
  ReadResult r;
  int fd = -1;
  r.open = sys([&] { return fd = ::open(path.c_str(), flags); });
  if (fd < 0) return r;
  std::string buf(len, '\0');
  r.read = sys([&] { return ::pread(fd, buf.data(), len, off); });
  if (r.read.ret > 0) r.data = buf.substr(0, static_cast<size_t>(r.read.ret));
  ::close(fd);
  return r;
}
// open then read() in odd-sized chunks to EOF.
inline ReadResult read_all(const std::string& path) {
  ReadResult r;
  int fd = -1;
  r.open = sys([&] { return fd = ::open(path.c_str(), O_RDONLY); });
  if (fd < 0) return r;
  char buf[7001];
  for (;;) {
    r.read = sys([&] { return ::read(fd, buf, sizeof buf); });
    if (r.read.ret <= 0) break;
    r.data.append(buf, static_cast<size_t>(r.read.ret));
  }
  ::close(fd);
  return r;
}

struct ValueResult {
  Outcome o;
  std::string value;
};
inline ValueResult do_readlink(const std::string& path, size_t size = PATH_MAX) {
  ValueResult r;
  std::string buf(size, '\0');
  r.o = sys([&] { return ::readlink(path.c_str(), buf.data(), size); });
  if (r.o.ret > 0) r.value = buf.substr(0, static_cast<size_t>(r.o.ret));
  return r;
}
inline ValueResult do_getxattr(const std::string& path, const std::string& name, size_t size,
                        bool follow = true) {
  ValueResult r;
  std::string buf(size, '\0');
  r.o = sys([&] {
    void* p = size ? buf.data() : nullptr;
    return follow ? ::getxattr(path.c_str(), name.c_str(), p, size)
                  : ::lgetxattr(path.c_str(), name.c_str(), p, size);
  });
  if (size && r.o.ret > 0) r.value = buf.substr(0, static_cast<size_t>(r.o.ret));
  return r;
}
inline ValueResult do_listxattr(const std::string& path, size_t size, bool follow = true) {
  ValueResult r;
  std::string buf(size, '\0');
  r.o = sys([&] {
    char* p = size ? buf.data() : nullptr;
    return follow ? ::listxattr(path.c_str(), p, size) : ::llistxattr(path.c_str(), p, size);
  });
  if (size && r.o.ret > 0) r.value = buf.substr(0, static_cast<size_t>(r.o.ret));
  return r;
}

inline std::string type_name(int dt) {
  switch (dt) {
    case DT_DIR:
      return "dir";
    case DT_REG:
      return "reg";
    case DT_LNK:
      return "lnk";
    case DT_FIFO:
      return "fifo";
    case DT_UNKNOWN:
      return "unknown";
    default:
      return std::to_string(dt);
  }
}

inline std::string show(const Listing& l) {
  std::string s = describe(l.o) + " {";
  for (const auto& [n, t] : l.entries)
    s += " " + (n.size() > 20 ? n.substr(0, 8) + "..." : n) + ":" + type_name(t);
  return s + " }";
}

// "base/" + "./"... padding + rel, exactly `total` characters long.
inline std::string padded(const std::string& base, const std::string& rel, size_t total) {
  std::string p = base + "/";
  size_t need = total - p.size() - rel.size();
  while (need >= 2) {
    p += "./";
    need -= 2;
  }
  if (need) p += "/";
  p += rel;
  return p;
}

}  // namespace mfs::test::readonly
