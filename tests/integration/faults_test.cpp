// Faults injected under a running pool: a branch that vanishes (lazy unmount), a full branch, a
// branch remounted read-only, and the daemon killed with SIGKILL in the middle of writes. The
// hung-branch cases live in actor_core_test.cpp, control_file_branches_test.cpp and
// control_stats_test.cpp (FreezableBranch).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using namespace std::chrono_literals;

Outcome stat_of(const std::string& path) {
  return sys([&] {
    struct stat st {};
    return (long)::stat(path.c_str(), &st);
  });
}

// Creates `path` with `data` through open/write/close; the first failure's errno.
Outcome create_with(const std::string& path, const std::string& data) {
  return sys([&] {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return -1L;
    long r = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) ? 0 : -1;
    int e = errno;
    if (::close(fd) < 0 && r == 0) return -1L;
    errno = e;
    return r;
  });
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  std::string listing;
  run("ls -A '" + dir + "'", &listing);
  size_t at = 0;
  while (at < listing.size()) {
    size_t nl = listing.find('\n', at);
    if (nl == std::string::npos) nl = listing.size();
    if (nl > at) out.insert(listing.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

// A tmpfs branch lazily unmounted under the pool: the daemon must notice that the branch path
// no longer leads to the filesystem it opened (it holds the root open, so without a check it
// would keep writing into a detached tmpfs that nobody can reach and that is gone at exit).
TEST(Faults, VanishedBranchIsFailedAndTheOthersServe) {
  Pool p({.branches = 3,
          .options = "category.create=mfs,minfreespace=1M,cache.attr=0,cache.entry=0,cache.negative-entry=0",
          .tmpfs_mb = 16,
          .start = false});
  for (int i = 0; i < 3; ++i) {
    write_file(p.on_branch(i, "on" + std::to_string(i)), "data" + std::to_string(i));
    make_dirs(p.on_branch(i, "dir"));
  }
  write_file(p.on_branch(1, "dir/only-on-1"), "x");
  p.start();
  ASSERT_EQ(read_file(p.path("on1")), "data1");
  ASSERT_EQ(stats_field(stats_summary(p), "branch-1", "health"), "ok");

  ASSERT_EQ(::umount2(p.branch(1).c_str(), MNT_DETACH), 0) << std::strerror(errno);
  EXPECT_TRUE(eventually([&] { return stats_field(stats_summary(p), "branch-1", "health") == "failed"; }, 5s))
      << stats_summary(p);
  EXPECT_EQ(stats_field(stats_summary(p), "branch-0", "health"), "ok");
  EXPECT_EQ(stats_field(stats_summary(p), "branch-2", "health"), "ok");

  // The other branches serve reads, listings and creates.
  EXPECT_EQ(read_file(p.path("on0")), "data0");
  EXPECT_EQ(read_file(p.path("on2")), "data2");
  for (int i = 0; i < 12; ++i) {
    std::string name = "new" + std::to_string(i);
    auto o = create_with(p.path(name), "n");
    ASSERT_EQ(o.ret, 0) << name << ": " << describe(o);
    EXPECT_TRUE(exists(p.on_branch(0, name)) || exists(p.on_branch(2, name))) << name;
    EXPECT_FALSE(exists(p.on_branch(1, name))) << name << " went to the vanished branch's path";
  }
  auto root = names_in(p.mnt());
  EXPECT_TRUE(root.count("on0") && root.count("on2") && root.count("dir") && root.count("new0"));
  EXPECT_FALSE(root.count("on1"));
  // What was only on the vanished branch is gone with it: plain errnos, no hang.
  EXPECT_EQ(stat_of(p.path("on1")).err, ENOENT);
  EXPECT_EQ(stat_of(p.path("dir/only-on-1")).err, ENOENT);
  struct statvfs sv {};
  EXPECT_EQ(::statvfs(p.mnt().c_str(), &sv), 0) << std::strerror(errno);
  // And the daemon stops cleanly.
  EXPECT_EQ(p.stop(), 0);
}

// A branch filled out of band: creates go to the branch with room, a write to a file on the
// full branch fails ENOSPC (moveonenospc off), the branch is not marked unhealthy.
TEST(Faults, FullBranchSendsCreatesElsewhereAndWritesFailEnospc) {
  Pool p({.branches = 2,
          .options = "category.create=ff,minfreespace=1M,moveonenospc=false,cache.statfs=0",
          .tmpfs_mb = 8});
  ASSERT_EQ(create_with(p.path("before"), "b").ret, 0);
  ASSERT_TRUE(exists(p.on_branch(0, "before")));
  {
    int fd = ::open(p.on_branch(0, "filler").c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    std::string chunk(1 << 16, 'f');
    while (::write(fd, chunk.data(), chunk.size()) > 0) {
    }
    EXPECT_EQ(errno, ENOSPC);
    ::close(fd);
  }
  // Free space is refreshed at least once a second: after that, creates skip branch 0.
  EXPECT_TRUE(eventually([&] {
    ::unlink(p.path("probe").c_str());
    return create_with(p.path("probe"), "p").ret == 0 && exists(p.on_branch(1, "probe"));
  }, 5s));
  for (int i = 0; i < 8; ++i) {
    std::string name = "after" + std::to_string(i);
    ASSERT_EQ(create_with(p.path(name), std::string(4096, 'a')).ret, 0) << name;
    EXPECT_TRUE(exists(p.on_branch(1, name))) << name;
  }
  auto o = sys([&] {
    int fd = ::open(p.path("before").c_str(), O_WRONLY | O_APPEND);
    if (fd < 0) return -1L;
    std::string big(1 << 20, 'x');
    long r = 0;
    for (int i = 0; i < 4 && r == 0; ++i) r = ::write(fd, big.data(), big.size()) < 0 ? -1 : 0;
    int e = errno;
    ::close(fd);
    errno = e;
    return r;
  });
  EXPECT_EQ(o.ret, -1);
  EXPECT_EQ(o.err, ENOSPC) << describe(o);
  EXPECT_EQ(read_file(p.path("before")).substr(0, 1), "b");
  EXPECT_EQ(stats_field(stats_summary(p), "branch-0", "health"), "ok");
  // Room comes back: the branch takes creates again.
  ::unlink(p.on_branch(0, "filler").c_str());
  EXPECT_TRUE(eventually([&] {
    ::unlink(p.path("probe2").c_str());
    return create_with(p.path("probe2"), "p").ret == 0 && exists(p.on_branch(0, "probe2"));
  }, 5s));
}

// `mount -o remount,ro` of a branch: it is detected read-only, creates go to the next branch,
// reads keep working, writes to its files fail EROFS.
TEST(Faults, BranchRemountedReadOnlyIsSkippedForCreates) {
  Pool p({.branches = 2, .options = "category.create=ff,minfreespace=1M", .tmpfs_mb = 8});
  ASSERT_EQ(create_with(p.path("first"), "1").ret, 0);
  ASSERT_TRUE(exists(p.on_branch(0, "first")));
  // The kernel sends RELEASE after close() returns: until the daemon closed its descriptor of
  // "first", the remount is EBUSY (a file open for writing).
  ASSERT_TRUE(eventually([&] {
    return ::mount(nullptr, p.branch(0).c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }, 5s)) << std::strerror(errno);
  EXPECT_TRUE(eventually([&] { return stats_field(stats_summary(p), "branch-0", "health") == "readonly"; }, 5s))
      << stats_summary(p);
  for (int i = 0; i < 6; ++i) {
    std::string name = "ro-era" + std::to_string(i);
    auto o = create_with(p.path(name), "r");
    ASSERT_EQ(o.ret, 0) << name << ": " << describe(o);
    EXPECT_TRUE(exists(p.on_branch(1, name))) << name;
  }
  ASSERT_EQ(::mkdir(p.path("ro-dir").c_str(), 0755), 0) << std::strerror(errno);
  EXPECT_TRUE(exists(p.on_branch(1, "ro-dir")));
  EXPECT_EQ(read_file(p.path("first")), "1");
  auto w = sys([&] { return (long)::open(p.path("first").c_str(), O_WRONLY); });
  EXPECT_EQ(w.err, EROFS) << describe(w);
  if (w.ret >= 0) ::close(static_cast<int>(w.ret));
  // Back to read-write: the branch is `ok` again and first in line.
  ASSERT_EQ(::mount(nullptr, p.branch(0).c_str(), nullptr, MS_REMOUNT, nullptr), 0) << std::strerror(errno);
  EXPECT_TRUE(eventually([&] { return stats_field(stats_summary(p), "branch-0", "health") == "ok"; }, 5s))
      << stats_summary(p);
  ASSERT_EQ(create_with(p.path("rw-again"), "x").ret, 0);
  EXPECT_TRUE(exists(p.on_branch(0, "rw-again")));
}

// SIGKILL of the daemon while a writer is busy: the dead mount can be lazily unmounted, a new
// daemon mounts on the same mountpoint, and every file the writer had fsynced reads back intact.
TEST(Faults, KillNineDuringWritesKeepsFsyncedData) {
  Pool p({.branches = 2, .options = "category.create=rand"});
  int pfd[2];
  ASSERT_EQ(::pipe(pfd), 0);
  const std::string dir = p.mnt();
  auto content = [](int i) {
    std::string s;
    for (int k = 0; s.size() < 48 * 1024 + static_cast<size_t>(i) * 97; ++k)
      s += "file " + std::to_string(i) + " line " + std::to_string(k) + "\n";
    return s;
  };
  pid_t writer = ::fork();
  if (writer == 0) {
    ::close(pfd[0]);
    for (int i = 0;; ++i) {
      std::string data = content(i);
      std::string path = dir + "/w" + std::to_string(i);
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) ::_exit(0);
      if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()) || ::fsync(fd) < 0)
        ::_exit(0);
      ::close(fd);
      // Reported only once fsync returned: the parent checks exactly these.
      if (::write(pfd[1], &i, sizeof i) != sizeof i) ::_exit(0);
      // Unsynced traffic too, so the kill lands in the middle of writes.
      fd = ::open((dir + "/scratch").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        (void)!::write(fd, data.data(), data.size());
        ::close(fd);
      }
    }
  }
  ::close(pfd[1]);
  std::vector<int> synced;
  int i;
  while (synced.size() < 40 && ::read(pfd[0], &i, sizeof i) == sizeof i) synced.push_back(i);
  ASSERT_EQ(synced.size(), 40u);
  p.kill_daemon(SIGKILL);
  while (::read(pfd[0], &i, sizeof i) == sizeof i) synced.push_back(i);  // until the writer exits
  ::close(pfd[0]);
  int st;
  ::waitpid(writer, &st, 0);

  // statfs always reaches the daemon (a stat of the root may be answered from the attr cache).
  EXPECT_EQ(sys([&] {
              struct statvfs sv {};
              return (long)::statvfs(p.mnt().c_str(), &sv);
            }).err,
            ENOTCONN);
  ASSERT_EQ(run("fusermount3 -u -z '" + p.mnt() + "'"), 0);
  EXPECT_FALSE(is_mounted(p.mnt()));
  p.start();
  ASSERT_TRUE(is_mounted(p.mnt()));
  size_t bytes = 0;
  for (int k : synced) {
    std::string want = content(k);
    EXPECT_EQ(read_file(p.path("w" + std::to_string(k))), want) << "w" << k;
    bytes += want.size();
  }
  std::cout << "[ figures  ] " << synced.size() << " fsynced files, " << bytes
            << " bytes verified after SIGKILL\n";
}

}  // namespace
}  // namespace mfs::test
