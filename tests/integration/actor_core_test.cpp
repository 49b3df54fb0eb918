// Actor core: reply guards under an exception, a hung branch that stalls only what needs it,
// tracked free space, and the existence cache's TTL.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string stats_of(const Pool& p) {
  std::vector<char> buf(65536);
  ssize_t n = ::getxattr(p.path(".mergerfs").c_str(), "user.mergerfs.stats", buf.data(), buf.size());
  return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : std::string();
}

// Through a descriptor of the control file opened beforehand: no path walk, which stalls while
// the first branch is frozen and not yet marked slow (the root's attributes come from it).
std::string stats_of(int control_fd) {
  std::vector<char> buf(65536);
  ssize_t n = ::fgetxattr(control_fd, "user.mergerfs.stats", buf.data(), buf.size());
  return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : std::string();
}

// The value of `field` in the stats entry of the branch at `path`.
std::string branch_field(const std::string& stats, const std::string& path, const std::string& field) {
  auto at = stats.find("\"path\":\"" + path + "\"");
  if (at == std::string::npos) return "";
  auto end = stats.find('}', at);
  std::string entry = stats.substr(at, end - at);
  std::smatch m;
  std::regex re("\"" + field + "\":\"?([^,\"}]*)");
  if (std::regex_search(entry, m, re)) return m[1];
  return "";
}


// A syscall in a child process, so a hang cannot block the test; -2 if it did not finish.
long in_child_within(const std::function<long()>& fn, std::chrono::milliseconds limit, pid_t* left = nullptr) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(fn() < 0 ? 1 : 0);
  auto until = Clock::now() + limit;
  int st = 0;
  while (Clock::now() < until) {
    if (::waitpid(pid, &st, WNOHANG) == pid) return WEXITSTATUS(st) == 0 ? 0 : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (left) *left = pid;
  else {
    ::kill(pid, SIGKILL);
  }
  return -2;
}


TEST(ActorCore, ExceptionInBranchActorAnswersEio) {
  ::setenv("MERGERFS_TEST_HOOKS", "1", 1);
  Pool p({.branches = 2});
  ::unsetenv("MERGERFS_TEST_HOOKS");
  auto o = sys([&] {
    return ::setxattr(p.path(".mergerfs").c_str(), "user.mergerfs.cmd.test-throw-in-branch", "1", 1, 0);
  });
  EXPECT_EQ(o.ret, -1);
  EXPECT_EQ(o.err, EIO);
  // The pool keeps working and the branch actor was replaced: every branch reports again.
  write_file(p.on_branch(1, "still-here"), "x");
  EXPECT_EQ(read_file(p.path("still-here")), "x");
  EXPECT_TRUE(eventually([&] {
    auto s = stats_of(p);
    return branch_field(s, p.branch(0), "health") == "ok" && branch_field(s, p.branch(1), "health") == "ok";
  }, std::chrono::seconds(3)));
}

TEST(ActorCore, TestHookIsOffByDefault) {
  Pool p({.branches = 1});
  auto o = sys([&] {
    return ::setxattr(p.path(".mergerfs").c_str(), "user.mergerfs.cmd.test-throw-in-branch", "1", 1, 0);
  });
  EXPECT_EQ(o.err, ENODATA);
}

TEST(ActorCore, HungBranchStallsOnlyWhatNeedsIt) {
  Pool p({.branches = 3, .options = "branch-deadline=0.3,cache.attr=0,cache.entry=0", .start = false});
  FreezableBranch hung(p.root(), p.branch(0));
  ASSERT_TRUE(hung.ok());
  for (int i = 0; i < 20; ++i) write_file(p.on_branch(1, "f" + std::to_string(i)), "data");
  write_file(hung.src() + "/on-hung", "h");
  p.start();
  ASSERT_EQ(read_file(p.path("f0")), "data");
  ASSERT_EQ(read_file(p.path("on-hung")), "h");
  const int cfd = ::open(p.path(".mergerfs").c_str(), O_RDONLY);
  ASSERT_GE(cfd, 0);

  hung.freeze();
  // The first request that touches the hung branch stalls (it needs that branch)...
  pid_t stuck = -1;
  EXPECT_EQ(in_child_within([&] { struct stat st; return (long)::stat(p.path("f1").c_str(), &st); },
                            std::chrono::milliseconds(200), &stuck), -2);
  // ...and past the deadline the branch is marked and skipped: the others answer within 1 s.
  // (Requests that arrive before the deadline also wait on the hung branch: wait it out.)
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_TRUE(eventually([&] {
    auto h = branch_field(stats_of(cfd), p.branch(0), "health");
    return h == "slow" || h == "failed";
  }, std::chrono::seconds(3))) << stats_of(cfd);
  for (int i = 2; i < 8; ++i) {
    std::string f = p.path("f" + std::to_string(i));
    EXPECT_EQ(in_child_within([&] { struct stat st; return (long)::stat(f.c_str(), &st); },
                              std::chrono::seconds(1)), 0) << f;
  }
  EXPECT_EQ(in_child_within([&] { struct statvfs sv; return (long)::statvfs(p.mnt().c_str(), &sv); },
                            std::chrono::seconds(1)), 0);
  EXPECT_EQ(in_child_within([&] { return (long)(::system(("ls '" + p.mnt() + "' >/dev/null").c_str())); },
                            std::chrono::seconds(1)), 0);
  // Creates go to the healthy branches, data flows, and the control file answers and changes.
  std::string made = p.path("made-while-hung");
  EXPECT_EQ(in_child_within([&] {
    int fd = ::open(made.c_str(), O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return -1L;
    char back[4] = {};
    long r = ::write(fd, "abc", 3) == 3 && ::pread(fd, back, 3, 0) == 3 && std::string(back) == "abc" ? 0 : -1;
    ::close(fd);
    return r;
  }, std::chrono::seconds(1)), 0);
  EXPECT_TRUE(exists(p.on_branch(1, "made-while-hung")) || exists(p.on_branch(2, "made-while-hung")));
  EXPECT_EQ(in_child_within([&] { return (long)::unlink(made.c_str()); }, std::chrono::seconds(1)), 0);
  std::string ctl = p.path(".mergerfs");
  EXPECT_EQ(in_child_within([&] { return (long)::setxattr(ctl.c_str(), "user.mergerfs.cache.statfs", "2", 1, 0); },
                            std::chrono::seconds(1)), 0);
  EXPECT_EQ(in_child_within([&] {
    char buf[65536];
    return (long)::getxattr(ctl.c_str(), "user.mergerfs.stats", buf, sizeof buf);
  }, std::chrono::seconds(1)), 0);

  hung.thaw();
  EXPECT_TRUE(eventually([&] { return branch_field(stats_of(cfd), p.branch(0), "health") == "ok"; },
                         std::chrono::seconds(5))) << stats_of(cfd);
  ::close(cfd);
  if (stuck > 0) {
    int st;
    ::waitpid(stuck, &st, 0);
  }
  EXPECT_EQ(read_file(p.path("on-hung")), "h");
}

TEST(ActorCore, UnmountAndExitWorkWithAHungBranch) {
  Pool p({.branches = 2, .options = "branch-deadline=0.3,cache.attr=0,cache.entry=0", .start = false});
  FreezableBranch hung(p.root(), p.branch(0));
  ASSERT_TRUE(hung.ok());
  write_file(p.on_branch(1, "f"), "x");
  p.start();
  hung.freeze();
  pid_t stuck = -1;
  in_child_within([&] { struct stat st; return (long)::stat(p.path("f").c_str(), &st); },
                  std::chrono::milliseconds(200), &stuck);
  // SIGTERM stops the daemon within seconds although a worker is stuck in the hung branch
  // (umount itself would be EBUSY while a process waits inside the pool).
  auto t0 = Clock::now();
  ASSERT_EQ(::kill(p.pid(), SIGTERM), 0);
  int status = 0;
  bool exited = eventually([&] { return ::waitpid(p.pid(), &status, WNOHANG) == p.pid(); },
                           std::chrono::seconds(6));
  auto secs = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_TRUE(exited);
  EXPECT_LT(secs, 5.0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  p.stop();
  EXPECT_FALSE(is_mounted(p.mnt()));
  hung.thaw();
  if (stuck > 0) {
    ::kill(stuck, SIGKILL);
    int st;
    ::waitpid(stuck, &st, 0);
  }
}

TEST(ActorCore, FreeSpaceDropsByBytesWrittenBeforeRefresh) {
  // cache.statfs=60: no statvfs refresh during the test, so the drop comes from tracking.
  Pool p({.branches = 1, .options = "cache.statfs=60", .tmpfs_mb = 64, .start = false});
  write_file(p.on_branch(0, "big"), "");
  p.start();
  uint64_t before = 0;
  ASSERT_TRUE(eventually([&] {
    before = std::strtoull(branch_field(stats_of(p), p.branch(0), "avail").c_str(), nullptr, 10);
    return before > 0;
  }, std::chrono::seconds(3)));
  const size_t n = 16 << 20;
  {
    int fd = ::open(p.path("big").c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    std::string chunk(1 << 20, 'x');
    for (size_t i = 0; i < n / chunk.size(); ++i)
      ASSERT_EQ(::write(fd, chunk.data(), chunk.size()), (ssize_t)chunk.size());
    ::close(fd);
  }
  uint64_t after = before;
  EXPECT_TRUE(eventually([&] {
    after = std::strtoull(branch_field(stats_of(p), p.branch(0), "avail").c_str(), nullptr, 10);
    return before - after >= n * 95 / 100;
  }, std::chrono::seconds(3))) << "before=" << before << " after=" << after;
  EXPECT_LE(before - after, n * 105 / 100);
}

TEST(ActorCore, OutOfBandCreateVisibleWithinTtl) {
  Pool p({.branches = 3, .options = "cache.branch-entry=1,cache.entry=0,cache.attr=0"});
  struct stat st {};
  ASSERT_EQ(::stat(p.path("late").c_str(), &st), -1);
  write_file(p.on_branch(2, "late"), "x");
  auto t0 = Clock::now();
  EXPECT_TRUE(eventually([&] { return ::stat(p.path("late").c_str(), &st) == 0; },
                         std::chrono::seconds(3)));
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 1.6);
}

TEST(ActorCore, CacheOffSeesOutOfBandAtOnce) {
  Pool p({.branches = 3, .options = "cache.branch-entry=0,cache.entry=0,cache.attr=0"});
  struct stat st {};
  ASSERT_EQ(::stat(p.path("late").c_str(), &st), -1);
  write_file(p.on_branch(2, "late"), "x");
  EXPECT_EQ(::stat(p.path("late").c_str(), &st), 0);
}

}  // namespace
}  // namespace mfs::test
