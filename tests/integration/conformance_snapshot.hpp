// The conformance run's view of a result: the case directory's tree read through directory fds
// and formatted as the lines the plain and pool runs compare.
#pragma once
#include <dirent.h>
#include <sys/xattr.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/conformance_cases.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::conformance {

// ---------------------------------------------------------------------------------------------
// The resulting tree, read through directory fds (no PATH_MAX limit on the reader's side).

struct Entry {
  std::string rel;
  int err = 0;
  struct stat st {};
  std::string extra;  // symlink target or content digest
};

inline std::string digest(int dfd, const std::string& name) {
  int fd = ::openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOATIME | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "open:" + errstr(errno);
  uint64_t h = 1469598103934665603ULL;  // FNV-1a over the first 64 KiB
  std::vector<char> buf(65536);
  ssize_t n = ::read(fd, buf.data(), buf.size());
  int e = errno;
  ::close(fd);
  if (n < 0) return "read:" + errstr(e);
  for (ssize_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
  char out[40];
  std::snprintf(out, sizeof out, "%zd:%016llx", n, static_cast<unsigned long long>(h));
  return out;
}

inline void walk(int dfd, const std::string& prefix, std::vector<Entry>& out) {
  int lfd = ::openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = lfd < 0 ? nullptr : ::fdopendir(lfd);
  if (!d) {
    out.push_back({prefix + "<readdir>", errno, {}, ""});
    if (lfd >= 0) ::close(lfd);
    return;
  }
  std::vector<std::string> names;
  errno = 0;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  if (errno) out.push_back({prefix + "<readdir>", errno, {}, ""});
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    Entry e;
    e.rel = prefix + n;
    if (::fstatat(dfd, n.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) < 0) {
      e.err = errno;
      out.push_back(e);
      continue;
    }
    if (S_ISLNK(e.st.st_mode)) {
      std::vector<char> t(PATH_MAX + 2);
      ssize_t k = ::readlinkat(dfd, n.c_str(), t.data(), t.size());
      e.extra =
          k < 0 ? "?" + errstr(errno) : short_path(std::string(t.data(), static_cast<size_t>(k)));
    } else if (S_ISREG(e.st.st_mode)) {
      e.extra = digest(dfd, n);
    }
    out.push_back(e);
    if (S_ISDIR(e.st.st_mode)) {
      int sub = ::openat(dfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        out.push_back({e.rel + "/<open>", errno, {}, ""});
        continue;
      }
      walk(sub, e.rel + "/", out);
      ::close(sub);
    }
  }
}

inline std::vector<Entry> snapshot(int casefd) {
  std::vector<Entry> out;
  Entry root;
  root.rel = ".";
  if (::fstat(casefd, &root.st) < 0) root.err = errno;
  out.push_back(root);
  walk(casefd, "", out);
  return out;
}

inline std::string show_time(const timespec& t, time_t now) {
  if (t.tv_sec > now - 600 && t.tv_sec < now + 600) return "now";
  return std::to_string(t.tv_sec) + "." + std::to_string(t.tv_nsec);
}

// Directory timestamps are shown only when asked: a pool directory that exists on several
// branches shows one copy's times (FEATURES.md §4.7), like its link count and size.
inline std::vector<std::string> format(const std::vector<Entry>& es, bool dir_times) {
  std::vector<std::string> lines;
  std::map<std::pair<dev_t, ino_t>, std::string> first;
  time_t now = ::time(nullptr);
  for (const Entry& e : es) {
    std::string l = short_path(e.rel);
    if (e.err) {
      lines.push_back(l + " error:" + errstr(e.err));
      continue;
    }
    const struct stat& st = e.st;
    char buf[96];
    std::snprintf(buf, sizeof buf, " mode=%04o uid=%u gid=%u",
                  static_cast<unsigned>(st.st_mode & 07777), static_cast<unsigned>(st.st_uid),
                  static_cast<unsigned>(st.st_gid));
    const bool dir = S_ISDIR(st.st_mode);
    if (dir)
      l += " dir";
    else if (S_ISREG(st.st_mode))
      l += " file";
    else if (S_ISLNK(st.st_mode))
      l += " symlink";
    else if (S_ISFIFO(st.st_mode))
      l += " fifo";
    else if (S_ISSOCK(st.st_mode))
      l += " socket";
    else if (S_ISCHR(st.st_mode))
      l += " chr";
    else if (S_ISBLK(st.st_mode))
      l += " blk";
    else
      l += " type?";
    l += buf;
    if (!dir) {
      l += " nlink=" + std::to_string(st.st_nlink) + " size=" + std::to_string(st.st_size);
      if (st.st_nlink > 1) {
        auto key = std::make_pair(st.st_dev, st.st_ino);
        auto it = first.find(key);
        if (it != first.end())
          l += " =" + it->second;
        else
          first.emplace(key, short_path(e.rel));
      }
    }
    if (!e.extra.empty()) l += (S_ISLNK(st.st_mode) ? " -> " : " data=") + e.extra;
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
      l += " rdev=" + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    if (!dir || dir_times)
      l += " atime=" + show_time(st.st_atim, now) + " mtime=" + show_time(st.st_mtim, now);
    lines.push_back(l);
  }
  return lines;
}

}  // namespace mfs::test::conformance
