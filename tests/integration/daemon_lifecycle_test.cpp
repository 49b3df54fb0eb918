// Lifecycle: signals, umount, restart over a dead mount, live upgrade, branches-mount-timeout.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using Clock = std::chrono::steady_clock;


double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Waits for a child of this process (the pool fixture's daemon) to exit.
bool child_exits(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  return eventually([&] { return ::waitpid(pid, status, WNOHANG) == pid; }, timeout);
}

// Exited: no such process, or a zombie (daemonized instances are reaped by init, maybe late).
bool gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

std::string getx(const std::string& path, const std::string& name) {
  char buf[4096];
  ssize_t n = ::getxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  return n >= 0 ? std::string(buf, static_cast<size_t>(n)) : "<" + std::string(std::strerror(errno)) + ">";
}

pid_t served_by(const std::string& mnt) {
  return std::atoi(getx(mnt + "/.mergerfs", "user.mergerfs.pid").c_str());
}

int mount_count(const std::string& mnt) {
  std::ifstream f("/proc/self/mountinfo");
  std::string line;
  int n = 0;
  while (std::getline(f, line)) n += line.find(" " + mnt + " ") != std::string::npos;
  return n;
}

std::string shq(const std::string& s) { return "'" + s + "'"; }

// A daemonized instance started like a user would (`mergerfs [-o OPTS] BRANCHES MNT`, no -f).
// The destructor continues it if stopped, detaches its mount and ends it.
class Instance {
 public:
  Instance(const std::string& branches, const std::string& mnt, const std::string& opts = "")
      : mnt_(mnt) {
    auto t0 = Clock::now();
    status_ = run(shq(mergerfs_bin()) + (opts.empty() ? "" : " -o " + shq(opts)) + " " +
                      shq(branches) + " " + shq(mnt),
                  &out_, 60);
    elapsed_ = seconds_since(t0);
    if (status_ == 0) pid_ = served_by(mnt);
  }
  ~Instance() {
    if (pid_ <= 0 || gone(pid_)) return;
    ::kill(pid_, SIGCONT);
    if (served_by(mnt_) == pid_) ::umount2(mnt_.c_str(), MNT_DETACH);
    ::kill(pid_, SIGTERM);
    if (!eventually([&] { return gone(pid_); }, std::chrono::seconds(5))) ::kill(pid_, SIGKILL);
  }
  int status() const { return status_; }
  const std::string& output() const { return out_; }
  double elapsed() const { return elapsed_; }
  pid_t pid() const { return pid_; }

 private:
  std::string mnt_, out_;
  int status_ = -1;
  double elapsed_ = 0;
  pid_t pid_ = -1;
};

// ---- signals and umount -------------------------------------------------------------------

TEST(OpsLifecycle, TermIntQuitStopTheDaemonCleanly) {
  for (int sig : {SIGTERM, SIGINT, SIGQUIT}) {
    SCOPED_TRACE(strsignal(sig));
    Pool p({.branches = 2});
    write_file(p.on_branch(0, "f"), "x");
    ASSERT_EQ(read_file(p.path("f")), "x");
    auto t0 = Clock::now();
    ASSERT_EQ(::kill(p.pid(), sig), 0);
    int status = -1;
    EXPECT_TRUE(child_exits(p.pid(), std::chrono::seconds(5), &status));
    // Well under branch-deadline + 2 s (7 s here): the clean path, not the stuck-shutdown one.
    EXPECT_LT(seconds_since(t0), 3.0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_FALSE(is_mounted(p.mnt()));
  }
}

TEST(OpsLifecycle, HupUsr1Usr2DoNotStopTheDaemon) {
  Pool p({.branches = 2});
  write_file(p.on_branch(1, "f"), "x");
  for (int sig : {SIGHUP, SIGUSR1, SIGUSR2}) {
    ASSERT_EQ(::kill(p.pid(), sig), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    int status;
    EXPECT_EQ(::waitpid(p.pid(), &status, WNOHANG), 0) << strsignal(sig) << " stopped the daemon";
    EXPECT_EQ(read_file(p.path("f")), "x") << strsignal(sig);
  }
  EXPECT_EQ(p.stop(), 0);
}

TEST(OpsLifecycle, UmountStopsTheDaemon) {
  Pool p({.branches = 2});
  std::string out;
  auto t0 = Clock::now();
  ASSERT_EQ(run("umount " + shq(p.mnt()), &out, 10), 0) << out;
  int status = -1;
  EXPECT_TRUE(child_exits(p.pid(), std::chrono::seconds(5), &status));
  EXPECT_LT(seconds_since(t0), 3.0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

// A branch that hangs: the mountpoint of another instance, stopped with SIGSTOP. The destructor
// lets it go again.
class HungBranch {
 public:
  explicit HungBranch(Pool& p) : src_(p.root() + "/inner-src") {
    make_dirs(src_);
    write_file(src_ + "/on-hung", "h");
    inner_ = std::make_unique<Instance>(src_, p.branch(0));
  }
  ~HungBranch() { thaw(); }
  bool ok() const { return inner_->status() == 0; }
  const std::string& output() const { return inner_->output(); }
  void freeze() { ::kill(inner_->pid(), SIGSTOP); }
  void thaw() { ::kill(inner_->pid(), SIGCONT); }

 private:
  std::string src_;
  std::unique_ptr<Instance> inner_;
};

constexpr const char* kHungOptions = "branch-deadline=0.3,cache.entry=0,cache.attr=0,cache.negative-entry=0";

// Where each thread of `pid` waits, for failure messages.
std::string threads_of(pid_t pid) {
  std::string out;
  run("for t in /proc/" + std::to_string(pid) + "/task/*; do echo \"$(cat $t/comm) $(cut -d' ' -f3 $t/stat) "
      "$(cat $t/wchan)\"; head -4 $t/stack | sed 's/^/    /'; done", &out);
  return "threads:\n" + out;
}

// Runs `cmd` (argv) in a child and reports whether it exited with status 0 within `limit`. A
// child still running then is left to `release` (which must let it finish), and reaped.
bool finishes_within(const std::vector<std::string>& cmd, std::chrono::milliseconds limit,
                     const std::function<void()>& release) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = -1;
  if (child_exits(pid, limit, &status)) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  release();
  ::waitpid(pid, &status, 0);
  return false;
}

// Starts a pool whose first branch hangs, and leaves it idle for a second: nothing waits
// inside the pool, but the daemon's own probes of the branch may be stuck in it.
void start_with_hung_first_branch(Pool& p, HungBranch& hung) {
  ASSERT_TRUE(hung.ok()) << hung.output();
  p.start();
  ASSERT_EQ(read_file(p.path("on-hung")), "h");
  hung.freeze();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
}

// What systemd runs to stop a mount unit: `umount -c` (no stat of the mountpoint first).
TEST(OpsLifecycle, UmountWithAHungBranchStopsWithinSeconds) {
  Pool p({.branches = 2, .options = kHungOptions, .start = false});
  HungBranch hung(p);
  start_with_hung_first_branch(p, hung);
  auto t0 = Clock::now();
  EXPECT_TRUE(finishes_within({"umount", "-c", p.mnt()}, std::chrono::seconds(5), [&] { hung.thaw(); }))
      << "umount -c did not finish";
  int status = -1;
  EXPECT_TRUE(child_exits(p.pid(), std::chrono::seconds(8), &status));
  EXPECT_LT(seconds_since(t0), 5.0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

// What an admin types: umount(8) first stats the mountpoint, i.e. getattr("/") in the pool,
// whose first branch hangs. The getattr waits for the hung branch until its deadline, then is
// run again without it; the lookups that follow skip the branch, marked slow by then.
TEST(OpsLifecycle, PlainUmountWithAHungFirstBranchFinishes) {
  Pool p({.branches = 2, .options = kHungOptions, .start = false});
  HungBranch hung(p);
  start_with_hung_first_branch(p, hung);
  auto t0 = Clock::now();
  EXPECT_TRUE(finishes_within({"umount", p.mnt()}, std::chrono::seconds(5), [&] { hung.thaw(); }))
      << "umount stayed stuck in getattr of the pool root (the hung branch is never skipped)";
  int status = -1;
  EXPECT_TRUE(child_exits(p.pid(), std::chrono::seconds(8), &status));
  EXPECT_LT(seconds_since(t0), 5.0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

// fusermount3 -u, what a user without umount(8)'s habits types: it too stats the mountpoint.
TEST(OpsLifecycle, FusermountUnmountWithAHungFirstBranchFinishes) {
  Pool p({.branches = 2, .options = kHungOptions, .start = false});
  HungBranch hung(p);
  start_with_hung_first_branch(p, hung);
  auto t0 = Clock::now();
  EXPECT_TRUE(finishes_within({"fusermount3", "-u", p.mnt()}, std::chrono::seconds(5), [&] { hung.thaw(); }));
  EXPECT_LT(seconds_since(t0), 0.3 + 2.0) << "fusermount3 -u took longer than branch-deadline + 2 s";
  int status = -1;
  EXPECT_TRUE(child_exits(p.pid(), std::chrono::seconds(8), &status));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

// Whether the main thread of `pid` has exited (the process may linger while another thread
// is stuck in uninterruptible I/O on a hung branch).
bool main_thread_exited(pid_t pid, int* status) {
  if (::waitpid(pid, status, WNOHANG) == pid) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t close = line.rfind(')');
  return close == std::string::npos || (close + 2 < line.size() && line[close + 2] == 'Z');
}

TEST(OpsLifecycle, SigintWithARequestStuckOnAHungBranchStopsWithinSeconds) {
  Pool p({.branches = 2, .options = kHungOptions, .start = false});
  HungBranch hung(p);
  ASSERT_TRUE(hung.ok()) << hung.output();
  p.start();
  ASSERT_EQ(read_file(p.path("on-hung")), "h");
  hung.freeze();
  // A lookup that needs the hung branch: the caller waits (uninterruptibly) on the daemon.
  pid_t caller = ::fork();
  if (caller == 0) {
    struct stat st;
    ::stat(p.path("missing").c_str(), &st);
    ::_exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto t0 = Clock::now();
  ASSERT_EQ(::kill(p.pid(), SIGINT), 0);
  // Within seconds: the daemon is done (a thread stuck in the hung branch's I/O may keep the
  // process itself until that I/O ends), the pool is unmounted and the caller released.
  int status = -1;
  EXPECT_TRUE(eventually([&] { return main_thread_exited(p.pid(), &status); }, std::chrono::seconds(5)))
      << threads_of(p.pid());
  EXPECT_LT(seconds_since(t0), 5.0);
  EXPECT_TRUE(eventually([&] { return !is_mounted(p.mnt()); }, std::chrono::seconds(1)));
  int cs = -1;
  EXPECT_TRUE(child_exits(caller, std::chrono::seconds(2), &cs)) << "the caller is still stuck";
  hung.thaw();
  if (!gone(caller)) ::waitpid(caller, &cs, 0);
  // Once the branch answers, the rest of the process goes too.
  EXPECT_TRUE(status != -1 || child_exits(p.pid(), std::chrono::seconds(5), &status));
}

// ---- restart and live upgrade ---------------------------------------------------------------

TEST(OpsLifecycle, RestartOverADeadMount) {
  Pool p({.branches = 2});
  write_file(p.on_branch(0, "f"), "x");
  ASSERT_EQ(read_file(p.path("f")), "x");
  ASSERT_EQ(::kill(p.pid(), SIGKILL), 0);
  int status;
  ASSERT_TRUE(child_exits(p.pid(), std::chrono::seconds(5), &status));
  // Restarted at once, while the kernel may still answer stat of the root from its attribute
  // cache (cache.attr): the dead mount must be found all the same.
  struct statvfs sv {};
  ASSERT_EQ(::statvfs(p.mnt().c_str(), &sv), -1);
  ASSERT_EQ(errno, ENOTCONN) << "expected a dead mount";

  Instance again(p.branch_arg(), p.mnt());
  ASSERT_EQ(again.status(), 0) << again.output();
  EXPECT_EQ(mount_count(p.mnt()), 1) << "the dead mount was not cleaned up";
  EXPECT_EQ(read_file(p.path("f")), "x");
  EXPECT_EQ(served_by(p.mnt()), again.pid());
}

TEST(OpsLifecycle, LiveUpgradeWithLazyUmountReplacesAnIdleInstance) {
  Pool old({.branches = 2});
  write_file(old.on_branch(0, "f"), "x");
  ASSERT_EQ(read_file(old.path("f")), "x");
  Instance fresh(old.branch_arg(), old.mnt(), "lazy-umount-mountpoint=true");
  ASSERT_EQ(fresh.status(), 0) << fresh.output();
  EXPECT_EQ(mount_count(old.mnt()), 1) << "the old instance is still mounted";
  EXPECT_EQ(served_by(old.mnt()), fresh.pid());
  EXPECT_EQ(read_file(old.path("f")), "x");
  // Detached and unused, the old instance's connection ends and it exits.
  int status = -1;
  EXPECT_TRUE(child_exits(old.pid(), std::chrono::seconds(5), &status)) << "old instance still running";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_EQ(served_by(old.mnt()), fresh.pid());
}

TEST(OpsLifecycle, LiveUpgradeKeepsOpenFilesAndTheOldInstanceLeavesTheNewMountAlone) {
  Pool old({.branches = 2});
  write_file(old.on_branch(0, "f"), "old-data");
  int fd = ::open(old.path("f").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  Instance fresh(old.branch_arg(), old.mnt(), "lazy-umount-mountpoint=true");
  ASSERT_EQ(fresh.status(), 0) << fresh.output();
  EXPECT_EQ(served_by(old.mnt()), fresh.pid());
  // The file opened before the upgrade is still served by the old instance.
  char buf[16] = {};
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), 8);
  EXPECT_STREQ(buf, "old-data");
  // Stopping the old instance must not unmount what is now on the mountpoint, neither on a
  // clean exit nor through the stuck-shutdown watchdog: wait for it to be gone.
  ASSERT_EQ(::kill(old.pid(), SIGTERM), 0);
  int status = -1;
  EXPECT_TRUE(child_exits(old.pid(), std::chrono::seconds(10), &status));
  ::close(fd);
  EXPECT_EQ(mount_count(old.mnt()), 1) << "the old instance unmounted the new one";
  EXPECT_EQ(served_by(old.mnt()), fresh.pid());
  EXPECT_EQ(read_file(old.path("f")), "old-data");
}

TEST(OpsLifecycle, WithoutLazyUmountTheNewInstanceStacksOnTop) {
  Pool old({.branches = 2});
  write_file(old.on_branch(1, "f"), "x");
  Instance fresh(old.branch_arg(), old.mnt());
  ASSERT_EQ(fresh.status(), 0) << fresh.output();
  EXPECT_EQ(mount_count(old.mnt()), 2);
  EXPECT_EQ(served_by(old.mnt()), fresh.pid());
  ASSERT_EQ(::umount2(old.mnt().c_str(), 0), 0) << std::strerror(errno);
  EXPECT_TRUE(eventually([&] { return gone(fresh.pid()); }, std::chrono::seconds(5)));
  EXPECT_EQ(served_by(old.mnt()), old.pid()) << "the old instance is serving again";
  EXPECT_EQ(read_file(old.path("f")), "x");
}

// ---- branches-mount-timeout -------------------------------------------------------------------

class BranchesMountTimeout : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string a = tmp.path() + "/a", b = tmp.path() + "/b", mnt = tmp.path() + "/mnt";
  std::vector<std::string> tmpfs;
  void SetUp() override {
    make_dirs(a);
    make_dirs(b);
    make_dirs(mnt);
  }
  void TearDown() override {
    for (auto it = tmpfs.rbegin(); it != tmpfs.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
  }
  void mount_tmpfs(const std::string& dir) {
    ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
    tmpfs.push_back(dir);
  }
  std::string branches() const { return a + ":" + b; }
};

TEST_F(BranchesMountTimeout, BareDirectoriesFailAfterTheTimeoutWithFail) {
  Instance i(branches(), mnt, "branches-mount-timeout=1,branches-mount-timeout-fail=true");
  EXPECT_EQ(i.status(), 1) << i.output();
  EXPECT_GE(i.elapsed(), 0.9) << "did not wait";
  EXPECT_LT(i.elapsed(), 4.0);
  EXPECT_NE(i.output().find("branches-mount-timeout"), std::string::npos) << i.output();
  EXPECT_NE(i.output().find(a), std::string::npos) << i.output();
  EXPECT_FALSE(is_mounted(mnt));
}

TEST_F(BranchesMountTimeout, WithoutFailItMountsAfterTheTimeout) {
  Instance i(branches(), mnt, "branches-mount-timeout=1");
  EXPECT_EQ(i.status(), 0) << i.output();
  EXPECT_GE(i.elapsed(), 0.9) << "did not wait";
  EXPECT_TRUE(is_mounted(mnt));
}

TEST_F(BranchesMountTimeout, MarkerFileAndXattrMeanMounted) {
  write_file(a + "/.mergerfs.branch", "");
  ASSERT_EQ(::setxattr(b.c_str(), "user.mergerfs.branch", "1", 1, 0), 0) << std::strerror(errno);
  Instance i(branches(), mnt, "branches-mount-timeout=10,branches-mount-timeout-fail=true");
  EXPECT_EQ(i.status(), 0) << i.output();
  EXPECT_LT(i.elapsed(), 2.0);
}

TEST_F(BranchesMountTimeout, MountsHereMarkerMeansNotMounted) {
  mount_tmpfs(a);
  write_file(a + "/.mergerfs.branch_mounts_here", "");
  write_file(b + "/.mergerfs.branch", "");
  Instance i(branches(), mnt, "branches-mount-timeout=1,branches-mount-timeout-fail=true");
  EXPECT_EQ(i.status(), 1) << i.output();
  EXPECT_FALSE(is_mounted(mnt));
}

TEST_F(BranchesMountTimeout, WaitsForADiskThatArrives) {
  mount_tmpfs(a);
  std::thread disk([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    mount_tmpfs(b);
    write_file(b + "/on-disk-b", "b");
  });
  Instance i(branches(), mnt, "branches-mount-timeout=10,branches-mount-timeout-fail=true");
  disk.join();
  EXPECT_EQ(i.status(), 0) << i.output();
  EXPECT_GE(i.elapsed(), 0.9);
  EXPECT_LT(i.elapsed(), 5.0);
  EXPECT_EQ(read_file(mnt + "/on-disk-b"), "b");
}

}  // namespace
}  // namespace mfs::test
