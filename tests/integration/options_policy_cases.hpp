// The func.<fn> cases the policy-option tests share: for every search, action and create
// function, how to lay out the copies or branches, what the call is, and how to tell which copy
// or branch it used (options_func_test.cpp runs them; options_category_test.cpp reuses them).
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
#include "tests/integration/options_policy_probes.hpp"

namespace mfs::test::policyopts {

// ---------------------------------------------------------------------------------------------
// Search functions: one object, two copies that differ in everything a search can show.
//
// Branch i (0 or 1) holds f = "copy-i" (same length, so a direct-io read is not cut by the size
// the kernel has from getattr), mode 0644 on branch 0 and 0755 on branch 1, user.copy = "i",
// user.only<i>, mtime kOld/kNew; and a symlink l -> "target-i" with the same mtimes.
// `ff` picks the first branch holding the path (branch 0); `newest` the largest mtime
// (branch 1) (§2.4). Each observer answers "0" or "1" for the copy it saw.

inline void make_two_copies(const Pool& p) {
  for (int i = 0; i < 2; ++i) {
    const std::string n = std::to_string(i);
    write_file(p.on_branch(i, "f"), "copy-" + n, i == 0 ? 0644 : 0755);
    set_xattr(p.on_branch(i, "f"), "user.copy", n);
    set_xattr(p.on_branch(i, "f"), "user.only" + n, "1");
    set_mtime(p.on_branch(i, "f"), i == 0 ? kOld : kNew);
    ASSERT_EQ(::symlink(("target-" + n).c_str(), p.on_branch(i, "l").c_str()), 0);
    set_mtime(p.on_branch(i, "l"), i == 0 ? kOld : kNew);
  }
}

using Observer = std::function<std::string(const Pool&)>;

// access(X_OK) as root succeeds only where some execute bit is set: branch 1's copy. The check
// reaches the daemon only without default_permissions (kernel-permissions-check=false):
// otherwise the kernel answers from the attributes it got through getattr (§4.7).
inline std::string seen_by_access(const Pool& p) {
  Outcome o = sys([&] { return static_cast<long>(::access(p.path("f").c_str(), X_OK)); });
  if (o == ok()) return "1";
  if (o.err == EACCES) return "0";
  return describe(o);
}

inline std::string seen_by_getattr(const Pool& p) {
  struct stat st {};
  if (::stat(p.path("f").c_str(), &st) < 0) return std::string("stat: ") + std::strerror(errno);
  if ((st.st_mode & 07777) == 0644 && st.st_mtime == kOld) return "0";
  if ((st.st_mode & 07777) == 0755 && st.st_mtime == kNew) return "1";
  return "mode/mtime of neither copy";
}

inline std::string seen_by_getxattr(const Pool& p) { return xattr_of(p.path("f"), "user.copy"); }

inline std::string seen_by_listxattr(const Pool& p) {
  char buf[4096];
  ssize_t n = ::llistxattr(p.path("f").c_str(), buf, sizeof buf);
  if (n < 0) return std::string("listxattr: ") + std::strerror(errno);
  std::string seen;
  for (ssize_t off = 0; off < n;) {
    std::string name(buf + off);
    off += static_cast<ssize_t>(name.size()) + 1;
    if (name.rfind("user.only", 0) == 0) seen += (seen.empty() ? "" : "+") + name.substr(9);
  }
  return seen;
}

inline std::string seen_by_open(const Pool& p) {
  const std::string data = read_file(p.path("f"));
  return data.rfind("copy-", 0) == 0 ? data.substr(5) : "read " + data;
}

inline std::string seen_by_readlink(const Pool& p) {
  char buf[256];
  ssize_t n = ::readlink(p.path("l").c_str(), buf, sizeof buf);
  if (n < 0) return std::string("readlink: ") + std::strerror(errno);
  const std::string t(buf, static_cast<size_t>(n));
  return t.rfind("target-", 0) == 0 ? t.substr(7) : t;
}

struct SearchCase {
  std::string fn;
  Observer observe;
  std::string extra_options;
};

inline void PrintTo(const SearchCase& c, std::ostream* os) { *os << "func." << c.fn; }

inline const std::vector<SearchCase>& search_cases() {
  static const std::vector<SearchCase> cases = {
      {"access", seen_by_access, "kernel-permissions-check=false"},
      {"getattr", seen_by_getattr, ""},
      {"getxattr", seen_by_getxattr, ""},
      {"listxattr", seen_by_listxattr, ""},
      {"open", seen_by_open, ""},
      {"readlink", seen_by_readlink, ""},
  };
  return cases;
}

inline std::string join_options(const std::string& a, const std::string& b) {
  return a.empty() ? b : b.empty() ? a : a + "," + b;
}

// ---------------------------------------------------------------------------------------------
// Action functions: the object exists on both branches. func.<fn>=ff acts on the first copy
// only (§2.4: ff action = epff, the first branch holding the path); the default epall acts on
// every copy (§4.4, §4.5, rename §4.2, link §4.3). Either way the call succeeds.

struct ActionCase {
  std::string fn;
  std::function<void(const std::string& branch_root)> setup;  // on each of the two branches
  std::function<Outcome(const Pool&)> act;
  std::function<bool(const std::string& branch_root)> acted;  // did the call change this copy?
  // The pool's view afterwards, as an outcome, under ff and under epall (optional).
  std::function<Outcome(const Pool&)> view;
  Outcome view_ff, view_epall;
};

inline void plain_file(const std::string& b) { write_file(b + "/f", "0123456789", 0644); }

inline Outcome stat_outcome(const std::string& path) {
  struct stat st {};
  return sys([&] { return static_cast<long>(::lstat(path.c_str(), &st)); });
}

inline void PrintTo(const ActionCase& c, std::ostream* os) { *os << "func." << c.fn; }

inline const std::vector<ActionCase>& action_cases() {
  static const std::vector<ActionCase> cases = {
      {"chmod", plain_file,
       [](const Pool& p) { return sys([&] { return long{::chmod(p.path("f").c_str(), 0600)}; }); },
       [](const std::string& b) { return (lstat_of(b + "/f").st_mode & 07777) == 0600; }},
      {"chown", plain_file,
       [](const Pool& p) {
         return sys([&] { return long{::chown(p.path("f").c_str(), 1234, 5678)}; });
       },
       [](const std::string& b) {
         struct stat st = lstat_of(b + "/f");
         return st.st_uid == 1234 && st.st_gid == 5678;
       }},
      {"link", plain_file,
       [](const Pool& p) {
         return sys([&] { return long{::link(p.path("f").c_str(), p.path("h").c_str())}; });
       },
       [](const std::string& b) { return exists(b + "/h") && lstat_of(b + "/f").st_nlink == 2; }},
      {"removexattr",
       [](const std::string& b) {
         plain_file(b);
         set_xattr(b + "/f", "user.k", "v");
       },
       [](const Pool& p) {
         return sys([&] { return long{::lremovexattr(p.path("f").c_str(), "user.k")}; });
       },
       [](const std::string& b) {
         return ::lgetxattr((b + "/f").c_str(), "user.k", nullptr, 0) < 0 && errno == ENODATA;
       }},
      {"rename", plain_file,
       [](const Pool& p) {
         return sys([&] { return long{::rename(p.path("f").c_str(), p.path("g").c_str())}; });
       },
       [](const std::string& b) { return exists(b + "/g") && !exists(b + "/f"); },
       // Branch 1 was outside ff's set: its f stays and shows through the pool.
       [](const Pool& p) { return stat_outcome(p.path("f")); }, Outcome{0, 0}, Outcome{-1, ENOENT}},
      {"rmdir", [](const std::string& b) { make_dirs(b + "/d"); },
       [](const Pool& p) { return sys([&] { return long{::rmdir(p.path("d").c_str())}; }); },
       [](const std::string& b) { return !exists(b + "/d"); },
       [](const Pool& p) { return stat_outcome(p.path("d")); }, Outcome{0, 0}, Outcome{-1, ENOENT}},
      {"setxattr", plain_file,
       [](const Pool& p) {
         return sys([&] { return long{::lsetxattr(p.path("f").c_str(), "user.k", "v", 1, 0)}; });
       },
       [](const std::string& b) { return xattr_of(b + "/f", "user.k") == "v"; }},
      {"truncate", plain_file,
       [](const Pool& p) { return sys([&] { return long{::truncate(p.path("f").c_str(), 3)}; }); },
       [](const std::string& b) { return lstat_of(b + "/f").st_size == 3; }},
      {"unlink", plain_file,
       [](const Pool& p) { return sys([&] { return long{::unlink(p.path("f").c_str())}; }); },
       [](const std::string& b) { return !exists(b + "/f"); },
       // ff leaves branch 1's copy, which the pool then shows; epall removes every copy.
       [](const Pool& p) { return stat_outcome(p.path("f")); }, Outcome{0, 0}, Outcome{-1, ENOENT}},
      {"utimens", plain_file,
       [](const Pool& p) {
         struct timespec ts[2] = {{1234567890, 5}, {1234567890, 5}};
         return sys([&] { return long{::utimensat(AT_FDCWD, p.path("f").c_str(), ts, 0)}; });
       },
       [](const std::string& b) {
         struct stat st = lstat_of(b + "/f");
         return st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 5;
       }},
  };
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Create functions, over three 16 MiB tmpfs branches: branch 0 holds 5 MiB, branch 1 10 MiB
// (least free), branch 2 nothing (most free); minfreespace=1M lets all three qualify.
// With category.create=ff every create goes to branch 0; func.<fn>=mfs sends <fn> (only) to
// branch 2 and func.<fn>=lfs to branch 1 (§2.4).

inline void fill_three(const Pool& p) {
  fill(p.on_branch(0, "filler"), 5);
  fill(p.on_branch(1, "filler"), 10);
}

using Maker = std::function<long(const std::string& path)>;

inline long make_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  return fd < 0 ? -1 : ::close(fd);
}
inline long make_dir(const std::string& path) { return ::mkdir(path.c_str(), 0755); }
inline long make_fifo(const std::string& path) { return ::mknod(path.c_str(), S_IFIFO | 0644, 0); }
inline long make_symlink(const std::string& path) { return ::symlink("target", path.c_str()); }

struct CreateCase {
  std::string fn;
  Maker make;
};

inline void PrintTo(const CreateCase& c, std::ostream* os) { *os << "func." << c.fn; }

inline const std::vector<CreateCase>& create_cases() {
  static const std::vector<CreateCase> cases = {
      {"create", make_file}, {"mkdir", make_dir}, {"mknod", make_fifo}, {"symlink", make_symlink}};
  return cases;
}

}  // namespace mfs::test::policyopts
