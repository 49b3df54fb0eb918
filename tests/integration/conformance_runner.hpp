// The conformance runner: one case on the plain tmpfs, and through and spread in the pool,
// each in a fresh case directory, with the result read back.
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
#include "tests/integration/conformance_setup.hpp"
#include "tests/integration/conformance_snapshot.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::conformance {

// ---------------------------------------------------------------------------------------------

struct Result {
  std::string setup_err;
  Outcome out;
  std::vector<std::string> tree;        // compared
  std::vector<std::string> tree_times;  // with directory timestamps (reported, not compared)
};

enum class Where { plain, through, spread };
inline const char* name_of(Where w) {
  return w == Where::plain ? "plain" : w == Where::through ? "through" : "spread";
}

class Runner {
 public:
  Runner() {
    // The same mount flags as the pool (libfuse mounts nosuid,nodev): this compares filesystem
    // semantics, not the administrator's mount options.
    struct statvfs sv {};
    unsigned long flags = 0;
    if (::statvfs(pool_.mnt().c_str(), &sv) == 0) {
      if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
      if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
      if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    }
    if (::mount("tmpfs", plain_.path().c_str(), "tmpfs", flags, "size=1g,mode=0755") < 0)
      ADD_FAILURE() << "tmpfs for the plain directory: " << std::strerror(errno);
    else
      plain_mounted_ = true;
  }
  ~Runner() {
    if (plain_mounted_) ::umount2(plain_.path().c_str(), MNT_DETACH);
  }
  Pool& pool() { return pool_; }

  // Spread set-ups are made behind the pool's back, and the pool promises to see out-of-band
  // changes within cache.branch-entry: spread cases run with that cache off.
  void set_branch_entry_cache(bool on) {
    if (on == cache_on_) return;
    std::string ctl = pool_.mnt() + "/.mergerfs";
    const char* v = on ? "1" : "0";
    if (::setxattr(ctl.c_str(), "user.mergerfs.cache.branch-entry", v, 1, 0) != 0)
      ADD_FAILURE() << "cannot set cache.branch-entry: " << std::strerror(errno);
    cache_on_ = on;
  }

  Result run(const Case& c, size_t index, Where w) {
    Result r;
    char name[16];
    std::snprintf(name, sizeof name, "%c%04zu",
                  w == Where::plain     ? 'p'
                  : w == Where::through ? 't'
                                        : 's',
                  index);
    std::vector<int> bases;
    auto fail = [&](const std::string& what) {
      r.setup_err = what;
      r.out = {kSetupFailed, 0};
      for (int fd : bases) ::close(fd);
      return r;
    };
    // The case directory, then the set-up below it.
    std::vector<std::string> roots;
    if (w == Where::plain)
      roots.push_back(plain_.path());
    else if (w == Where::through)
      roots.push_back(pool_.mnt());
    else
      for (int b = 0; b < 3; ++b) roots.push_back(pool_.branch(b));
    for (const auto& root : roots) {
      std::string dir = root + "/" + name;
      if (::mkdir(dir.c_str(), 0755) < 0) return fail("mkdir " + dir + ": " + errstr(errno));
      int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return fail("open " + dir + ": " + errstr(errno));
      bases.push_back(fd);
    }
    std::string err = build(bases, c.setup, c.caller);
    for (int fd : bases) ::close(fd);
    bases.clear();
    if (!err.empty()) r.setup_err = err;
    std::string casedir = (w == Where::plain ? plain_.path() : pool_.mnt()) + "/" + name;
    int cfd = ::open(casedir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cfd < 0) return fail("open " + casedir + ": " + errstr(errno));
    if (r.setup_err.empty())
      r.out = run_call(c, cfd);
    else
      r.out = {kSetupFailed, 0};
    auto entries = snapshot(cfd);
    r.tree = format(entries, c.sys == "utimensat");
    r.tree_times = format(entries, true);
    ::close(cfd);
    return r;
  }

  // The case's tree on each branch (for the report of a failing case).
  std::string placement(size_t index, Where w) {
    std::string out;
    char name[16];
    std::snprintf(name, sizeof name, "%c%04zu", w == Where::through ? 't' : 's', index);
    for (int b = 0; b < 3; ++b) {
      std::string dir = pool_.branch(b) + "/" + name;
      int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) continue;
      std::vector<Entry> es;
      walk(fd, "", es);
      ::close(fd);
      std::string names;
      for (size_t k = 0; k < es.size() && k < 12; ++k) names += " " + short_path(es[k].rel);
      if (es.size() > 12) names += " ... (" + std::to_string(es.size()) + " in all)";
      out +=
          "      branch " + std::to_string(b) + ":" + (names.empty() ? " (empty)" : names) + "\n";
    }
    return out;
  }

 private:
  TempDir plain_;
  bool plain_mounted_ = false;
  bool cache_on_ = true;
  Pool pool_{
      {.branches = 3, .tmpfs_mb = 8192}};  // > minfreespace (4G); tmpfs only uses what it holds
};

}  // namespace mfs::test::conformance
