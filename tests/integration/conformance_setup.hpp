// The conformance run's set-up and call: building a case's nodes below a directory fd (never
// following symlinks, no PATH_MAX limit) and running its syscall in a child process with the
// caller's credentials and umask.
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
// Building a set-up below a directory fd, never following symlinks, with no PATH_MAX limit.

// The directory holding `rel` (an O_PATH fd the caller closes) and the last name, or -errno.
inline int parent_fd(int base, const std::string& rel, std::string& leaf) {
  auto slash = rel.rfind('/');
  leaf = slash == std::string::npos ? rel : rel.substr(slash + 1);
  int cur = ::fcntl(base, F_DUPFD_CLOEXEC, 0);
  if (cur < 0 || slash == std::string::npos) return cur < 0 ? -errno : cur;
  std::string dir = rel.substr(0, slash);
  size_t pos = 0;
  while (pos <= dir.size()) {
    size_t next = dir.find('/', pos);
    if (next == std::string::npos) next = dir.size();
    std::string comp = dir.substr(pos, next - pos);
    int fd = ::openat(cur, comp.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    ::close(cur);
    if (fd < 0) return -e;
    cur = fd;
    pos = next + 1;
  }
  return cur;
}

inline std::string errstr(int e) {
  return e ? std::strerror(e) : "0";
}

// Creates one node below `base` with a neutral mode; attributes come later.
inline std::string create_node(int base, const Obj& o, int src_base) {
  std::string leaf;
  int p = parent_fd(base, o.rel, leaf);
  if (p < 0) return "parent of " + short_path(o.rel) + ": " + errstr(-p);
  int r = 0;
  switch (o.kind) {
    case 'd':
      r = ::mkdirat(p, leaf.c_str(), 0755);
      break;
    case 'f': {
      int fd = ::openat(p, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) {
        r = -1;
        break;
      }
      if (::write(fd, o.data.data(), o.data.size()) != static_cast<ssize_t>(o.data.size())) r = -1;
      ::close(fd);
      break;
    }
    case 'l':
      r = ::symlinkat(o.data.c_str(), p, leaf.c_str());
      break;
    case 'p':
      r = ::mkfifoat(p, leaf.c_str(), 0644);
      break;
    case 'c':
      r = ::mknodat(p, leaf.c_str(), S_IFCHR | 0644, ::makedev(1, 3));
      break;
    case 'h': {
      std::string sleaf;
      int sp = parent_fd(src_base, o.data, sleaf);
      if (sp < 0) {
        r = -1;
        errno = -sp;
        break;
      }
      r = ::linkat(sp, sleaf.c_str(), p, leaf.c_str(), 0);
      int e = errno;
      ::close(sp);
      errno = e;
      break;
    }
    default:
      r = -1;
      errno = EINVAL;
  }
  int e = errno;
  ::close(p);
  if (r < 0) return std::string("create ") + o.kind + " " + short_path(o.rel) + ": " + errstr(e);
  return "";
}

inline std::string apply_attrs(int base, const Obj& o, const Caller& c) {
  if (o.kind == 'h') return "";
  std::string leaf;
  int p = parent_fd(base, o.rel, leaf);
  if (p < 0) return "parent of " + short_path(o.rel) + ": " + errstr(-p);
  std::string err;
  if (::fchownat(p, leaf.c_str(), uid_for(o.uid, c), gid_for(o.gid, c), AT_SYMLINK_NOFOLLOW) < 0)
    err = "chown " + short_path(o.rel) + ": " + errstr(errno);
  else if (o.kind != 'l' && ::fchmodat(p, leaf.c_str(), o.mode, 0) < 0)
    err = "chmod " + short_path(o.rel) + ": " + errstr(errno);
  ::close(p);
  return err;
}

inline std::string apply_times(int base, const Obj& o) {
  if (!o.old_times) return "";
  std::string leaf;
  int p = parent_fd(base, o.rel, leaf);
  if (p < 0) return "parent of " + short_path(o.rel) + ": " + errstr(-p);
  timespec ts[2] = {kOldAtime, kOldMtime};
  std::string err;
  if (::utimensat(p, leaf.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0)
    err = "utimensat " + short_path(o.rel) + ": " + errstr(errno);
  ::close(p);
  return err;
}

// Materialises a set-up. `bases` holds one directory fd (plain, or the pool) or one per branch
// (spread: directories on every branch, each other node on one, hard links with their source).
inline std::string build(const std::vector<int>& bases, const std::vector<Obj>& setup,
                         const Caller& c) {
  std::map<std::string, size_t> where;  // rel -> branch index (spread)
  size_t next = 1;                      // the first non-directory lands on branch 1
  std::vector<std::vector<size_t>> placed(setup.size());
  for (size_t i = 0; i < setup.size(); ++i) {
    const Obj& o = setup[i];
    if (bases.size() == 1 || o.kind == 'd') {
      for (size_t b = 0; b < bases.size(); ++b) placed[i].push_back(b);
    } else if (o.kind == 'h') {
      auto it = where.find(o.data);
      placed[i].push_back(it == where.end() ? 0 : it->second);
    } else {
      placed[i].push_back(next++ % bases.size());
    }
    if (!placed[i].empty()) where[o.rel] = placed[i].front();
    for (size_t b : placed[i])
      if (auto e = create_node(bases[b], o, bases[b]); !e.empty()) return e;
  }
  for (size_t i = setup.size(); i-- > 0;)
    for (size_t b : placed[i])
      if (auto e = apply_attrs(bases[b], setup[i], c); !e.empty()) return e;
  for (size_t i = setup.size(); i-- > 0;)
    for (size_t b : placed[i])
      if (auto e = apply_times(bases[b], setup[i]); !e.empty()) return e;
  return "";
}

// ---------------------------------------------------------------------------------------------
// The syscall, in a child process: cwd = the case directory, the caller's credentials and umask.

inline Outcome run_call(const Case& c, int cwd) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return {-1, errno};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    ::alarm(20);  // a hung request must not hang the run
    Outcome o{kSetupFailed, EPERM};
    const Caller& who = c.caller;
    if (::fchdir(cwd) == 0 && ::setgroups(who.groups.size(), who.groups.data()) == 0 &&
        ::setresgid(who.gid, who.gid, who.gid) == 0 &&
        ::setresuid(who.uid, who.uid, who.uid) == 0) {
      ::umask(c.umask);
      errno = 0;
      long r = c.call(who);
      o = Outcome{r, r < 0 ? errno : 0};
    } else {
      o.err = errno;
    }
    (void)!::write(p[1], &o, sizeof o);
    ::_exit(0);
  }
  ::close(p[1]);
  Outcome o{kSetupFailed, ETIMEDOUT};
  if (::read(p[0], &o, sizeof o) != static_cast<ssize_t>(sizeof o)) o = {kSetupFailed, ETIMEDOUT};
  ::close(p[0]);
  int st;
  ::waitpid(pid, &st, 0);
  return o;
}

}  // namespace mfs::test::conformance
