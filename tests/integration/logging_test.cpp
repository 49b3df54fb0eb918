// Logging: what reaches syslog under the `mergerfs` ident (start-up, branch problems, health,
// lifecycle), that successful operations log nothing, and the debug trace to log.file.
//
// syslog(3) always writes to /dev/log. The syslog tests run in a child process inside a private
// mount namespace with its own /dev (a tmpfs holding the few device nodes the daemon uses) in
// which the test itself listens on /dev/log. Nothing outside that namespace changes, and every
// process left in it is killed when the test ends.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using Clock = std::chrono::steady_clock;


std::string shq(const std::string& s) { return "'" + s + "'"; }

// Messages received on /dev/log, as "ident[pid]: text" lines.
class SyslogSink {
 public:
  explicit SyslogSink(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ::unlink(path.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      ADD_FAILURE() << "bind " << path << ": " << std::strerror(errno);
    ::chmod(path.c_str(), 0666);
    reader_ = std::thread([this] {
      char buf[8192];
      for (;;) {
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || stop_) break;
        std::string m(buf, static_cast<size_t>(n));
        // "<PRI>Mmm dd hh:mm:ss ident[pid]: text": keep from the ident on.
        size_t at = m.find("]: ");
        size_t ident = at == std::string::npos ? 0 : m.rfind(' ', m.rfind('[', at)) + 1;
        std::lock_guard<std::mutex> g(mu_);
        lines_.push_back(m.substr(ident));
      }
    });
  }
  ~SyslogSink() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    // A datagram to ourselves wakes recv if shutdown did not.
    sockaddr_un addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    int w = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    ::sendto(w, "x", 1, 0, reinterpret_cast<sockaddr*>(&addr), len);
    ::close(w);
    reader_.join();
    ::close(fd_);
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> g(mu_);
    return lines_;
  }
  size_t count() const { return lines().size(); }
  std::string all() const {
    std::string s;
    for (const auto& l : lines()) s += l + "\n";
    return s;
  }
  bool has(const std::string& needle) const { return all().find(needle) != std::string::npos; }
  bool waits_for(const std::string& needle, int ms = 3000) const {
    return eventually([&] { return has(needle); }, std::chrono::milliseconds(ms));
  }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread reader_;
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

std::string ns_of(pid_t pid) {
  char buf[64] = {};
  std::string link = "/proc/" + std::to_string(pid) + "/ns/mnt";
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

void kill_namespace(const std::string& ns) {
  std::string list;
  run("ls /proc", &list);
  std::istringstream in(list);
  std::string name;
  while (in >> name)
    if (name.find_first_not_of("0123456789") == std::string::npos) {
      pid_t pid = std::atoi(name.c_str());
      if (pid != ::getpid() && ns_of(pid) == ns) ::kill(pid, SIGKILL);
    }
}

// A fresh /dev with what the daemon, the shell and the tests open; /dev/log is the test's.
bool private_dev() {
  if (::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=0755,size=1m") != 0) return false;
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  for (Node n : {Node{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8},
                 {"urandom", 1, 9}, {"tty", 5, 0}, {"fuse", 10, 229}}) {
    std::string p = std::string("/dev/") + n.name;
    if (::mknod(p.c_str(), S_IFCHR | 0666, makedev(n.major, n.minor)) != 0) return false;
    ::chmod(p.c_str(), 0666);
  }
  ::symlink("/proc/self/fd", "/dev/fd");
  ::symlink("/proc/self/fd/0", "/dev/stdin");
  ::symlink("/proc/self/fd/1", "/dev/stdout");
  ::symlink("/proc/self/fd/2", "/dev/stderr");
  ::mkdir("/dev/shm", 01777);
  return ::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") == 0;
}

// Runs `body` in a child inside a private mount namespace whose /dev/log is `SyslogSink`.
void with_syslog(const std::function<void(SyslogSink&)>& body, int timeout_s = 60) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::fflush(stdout);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(p[0]);
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      std::printf("unshare: %s\n", std::strerror(errno));
      ::_exit(2);
    }
    std::string ns = ns_of(::getpid());
    (void)!::write(p[1], ns.data(), ns.size());
    ::close(p[1]);
    if (!private_dev()) {
      std::printf("private /dev: %s\n", std::strerror(errno));
      ::_exit(2);
    }
    {
      SyslogSink sink("/dev/log");
      body(sink);
      if (::testing::Test::HasFailure()) std::printf("syslog received:\n%s", sink.all().c_str());
    }
    std::fflush(stdout);
    ::_exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  ::close(p[1]);
  char buf[64] = {};
  ssize_t n = ::read(p[0], buf, sizeof buf - 1);
  ::close(p[0]);
  const std::string ns = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  int status = -1;
  bool done = eventually([&] { return ::waitpid(child, &status, WNOHANG) == child; },
                         std::chrono::seconds(timeout_s));
  if (!done) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  if (!ns.empty()) kill_namespace(ns);
  EXPECT_TRUE(done) << "the test did not finish within " << timeout_s << " s";
  EXPECT_TRUE(done && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "failures inside the namespace (printed above), status " << status;
}

// Lines from one daemon process.
std::string from_pid(const SyslogSink& log, pid_t pid) {
  std::string tag = "mergerfs[" + std::to_string(pid) + "]: ", out;
  for (const auto& l : log.lines())
    if (l.rfind(tag, 0) == 0) out += l.substr(tag.size()) + "\n";
  return out;
}

TEST(OpsLogging, StartupLogsVersionArgumentsAndConfigUnderMergerfs) {
  with_syslog([](SyslogSink& log) {
    Pool p({.branches = 2, .options = "category.create=mfs,func.getattr=newest"});
    ASSERT_TRUE(log.waits_for("config: category.create=mfs"));
    std::string mine = from_pid(log, p.pid()), startup;
    std::istringstream lines(mine);
    for (std::string l; std::getline(lines, l);)
      if (l.rfind("config: ", 0) != 0) startup += l + "\n";
    // Beside the config dump (which holds the version too): the version and the command line.
    EXPECT_NE(startup.find("2.42"), std::string::npos) << "no version logged at start";
    EXPECT_NE(startup.find(p.branch_arg()), std::string::npos) << "the command line is not logged";
    EXPECT_NE(mine.find("config: func.getattr=newest"), std::string::npos);
    EXPECT_NE(mine.find("config: branches="), std::string::npos);
    for (const auto& l : log.lines())
      EXPECT_EQ(l.rfind("mergerfs[", 0), 0u) << "logged under another ident: " << l;
  });
}

TEST(OpsLogging, BranchProblemsAreLogged) {
  with_syslog([](SyslogSink& log) {
    TempDir tmp;
    std::string ok = tmp.path() + "/ok", file = tmp.path() + "/a-file", mnt = tmp.path() + "/mnt";
    make_dirs(ok);
    make_dirs(mnt);
    write_file(file, "x");
    std::string branches = ok + ":" + tmp.path() + "/nomatch*:" + tmp.path() + "/missing:" + file;
    std::string out;
    ASSERT_EQ(run(shq(mergerfs_bin()) + " " + shq(branches) + " " + shq(mnt), &out, 20), 0) << out;
    EXPECT_TRUE(log.waits_for("config: "));
    std::string all = log.all();
    EXPECT_NE(all.find("nomatch*"), std::string::npos) << "a glob with no match is not logged";
    EXPECT_NE(all.find(tmp.path() + "/missing"), std::string::npos) << "a missing branch is not logged";
    EXPECT_NE(all.find(file), std::string::npos) << "a branch that is not a directory is not logged";
    run("umount " + shq(mnt));
  });
}

TEST(OpsLogging, NothingIsLoggedPerSuccessfulOperation) {
  with_syslog([](SyslogSink& log) {
    Pool p({.branches = 2});
    ASSERT_TRUE(log.waits_for("config: "));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const size_t before = log.count();
    for (int i = 0; i < 30; ++i) {
      std::string d = p.path("d" + std::to_string(i)), f = d + "/f";
      ASSERT_EQ(::mkdir(d.c_str(), 0755), 0);
      write_file(f, "data");
      EXPECT_EQ(read_file(f), "data");
      struct stat st;
      EXPECT_EQ(::stat(f.c_str(), &st), 0);
      EXPECT_EQ(::rename(f.c_str(), (f + "2").c_str()), 0);
      EXPECT_EQ(::unlink((f + "2").c_str()), 0);
      EXPECT_EQ(::rmdir(d.c_str()), 0);
      char v[256];
      EXPECT_GT(::getxattr(p.path(".mergerfs").c_str(), "user.mergerfs.version", v, sizeof v), 0);
    }
    run("ls -la " + shq(p.mnt()) + " >/dev/null");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto lines = log.lines();
    std::string extra;
    for (size_t i = before; i < lines.size(); ++i) extra += lines[i] + "\n";
    EXPECT_EQ(lines.size(), before) << "logged during successful operations:\n" << extra;
  });
}

TEST(OpsLogging, DeadMountCleanupAndLazyUmountAreLogged) {
  with_syslog([](SyslogSink& log) {
    Pool p({.branches = 2});
    ASSERT_EQ(::kill(p.pid(), SIGKILL), 0);
    int status;
    ::waitpid(p.pid(), &status, 0);
    std::string out;
    ASSERT_EQ(run(shq(mergerfs_bin()) + " -o lazy-umount-mountpoint=true " + shq(p.branch_arg()) +
                      " " + shq(p.mnt()), &out, 20), 0) << out;
    EXPECT_TRUE(log.waits_for("dead mount")) << "cleaning a dead mount is not logged";
    EXPECT_TRUE(log.waits_for("lazy umount")) << "lazy umount is not logged";
    run("umount " + shq(p.mnt()));
  });
}

// A hung branch: the mountpoint of another instance, stopped with SIGSTOP.
TEST(OpsLogging, BranchHealthChangesAreLogged) {
  with_syslog([](SyslogSink& log) {
    Pool p({.branches = 2, .options = "branch-deadline=0.3,cache.entry=0,cache.attr=0,cache.negative-entry=0",
            .start = false});
    std::string src = p.root() + "/inner-src", out;
    make_dirs(src);
    ASSERT_EQ(run(shq(mergerfs_bin()) + " " + shq(src) + " " + shq(p.branch(0)), &out, 20), 0) << out;
    char v[32] = {};
    ASSERT_GT(::getxattr((p.branch(0) + "/.mergerfs").c_str(), "user.mergerfs.pid", v, sizeof v - 1), 0);
    pid_t inner = std::atoi(v);
    p.start();
    ::kill(inner, SIGSTOP);
    pid_t caller = ::fork();
    if (caller == 0) {
      struct stat st;
      ::stat(p.path("missing").c_str(), &st);
      ::_exit(0);
    }
    EXPECT_TRUE(log.waits_for("branch " + p.branch(0) + ": ok -> ")) << "health change not logged";
    ::kill(inner, SIGCONT);
    EXPECT_TRUE(log.waits_for(" -> ok", 5000)) << "recovery not logged";
    int st;
    ::waitpid(caller, &st, 0);
    p.stop();
    ::umount2(p.branch(0).c_str(), MNT_DETACH);
  });
}

// ---- debug trace (no syslog involved) -------------------------------------------------------

off_t size_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

TEST(OpsLogging, DebugTracesToLogFileAndSwitchesAtRuntime) {
  TempDir tmp;
  std::string trace = tmp.path() + "/trace.log";
  Pool p({.branches = 2, .options = "debug=true,log.file=" + trace + ",cache.entry=0,cache.attr=0"});
  write_file(p.on_branch(0, "f"), "x");
  for (int i = 0; i < 5; ++i) read_file(p.path("f"));
  EXPECT_TRUE(eventually([&] { return size_of(trace) > 0; }, std::chrono::seconds(2)))
      << "debug=true wrote nothing to log.file";
  EXPECT_EQ(p.log().find("lookup"), std::string::npos) << "the trace went to stderr, not log.file";

  ASSERT_EQ(::setxattr(p.path(".mergerfs").c_str(), "user.mergerfs.debug", "false", 5, 0), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  off_t off = size_of(trace);
  for (int i = 0; i < 5; ++i) read_file(p.path("f"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(size_of(trace), off) << "debug=false still traces";

  ASSERT_EQ(::setxattr(p.path(".mergerfs").c_str(), "user.mergerfs.debug", "true", 4, 0), 0);
  for (int i = 0; i < 5; ++i) read_file(p.path("f"));
  EXPECT_TRUE(eventually([&] { return size_of(trace) > off; }, std::chrono::seconds(2)))
      << "debug=true at runtime does not trace";
}

TEST(OpsLogging, DashDTracesToStderrInTheForeground) {
  TempDir tmp;
  std::string a = tmp.path() + "/a", mnt = tmp.path() + "/mnt", err = tmp.path() + "/stderr";
  make_dirs(a);
  make_dirs(mnt);
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(mergerfs_bin().c_str(), "mergerfs", "-d", a.c_str(), mnt.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // -d implies -f: the process stays in the foreground and traces requests to stderr.
  ASSERT_TRUE(eventually([&] { return is_mounted(mnt); }, std::chrono::seconds(10))) << read_file(err);
  struct stat st;
  ::stat((mnt + "/x").c_str(), &st);
  int status;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "-d did not stay in the foreground";
  EXPECT_TRUE(eventually([&] { return read_file(err).find("LOOKUP") != std::string::npos ||
                                      read_file(err).find("lookup") != std::string::npos; },
                         std::chrono::seconds(2))) << read_file(err);
  run("umount " + shq(mnt));
  if (!eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, std::chrono::seconds(5))) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
}

}  // namespace
}  // namespace mfs::test
