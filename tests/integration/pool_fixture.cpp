// Pool fixture: forks the daemon with -f, waits for the mount, and always tears it down.
#include "tests/integration/pool_fixture.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

namespace mfs::test {
namespace {

std::string mountinfo() {
  std::ifstream f("/proc/self/mountinfo");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool wait_exit(pid_t pid, int ms, int* status) {
  for (int i = 0; i < ms / 10; ++i) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Every temp dir of this test process starts with this prefix, so the sweeper below touches only
// its own mounts (another test binary may be running beside it).
// Other users (nobody, uid 12345) must reach every test's mountpoint and branches, so the base
// must be searchable by everyone along its whole path: /tmp on a usual system, but a runner may
// give its jobs a private /tmp of mode 0700, where every check as another user turns into EACCES.
bool searchable_by_others(const std::string& dir) {
  for (std::string p = dir; !p.empty(); p = p.substr(0, p.rfind('/'))) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || !(st.st_mode & S_IXOTH)) return false;
  }
  return true;
}

const std::string& temp_base() {
  static const std::string base = [] {
    for (const char* dir : {"/tmp", "/var/tmp", "/dev/shm", "/run"})
      if (searchable_by_others(dir) && ::access(dir, W_OK) == 0) return std::string(dir);
    return std::string("/tmp");
  }();
  return base;
}

std::string temp_prefix() { return temp_base() + "/mfs-test-" + std::to_string(::getpid()) + "-"; }

// Every mount a test made under this process's prefix is gone when the test binary exits.
class MountSweeper : public ::testing::Environment {
 public:
  void TearDown() override {
    std::istringstream in(mountinfo());
    std::string line;
    std::vector<std::string> left;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string a, b, c, d, mp;
      ls >> a >> b >> c >> d >> mp;
      if (mp.rfind(temp_prefix(), 0) == 0) left.push_back(mp);
    }
    for (auto it = left.rbegin(); it != left.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
  }
};
const auto* g_sweeper = ::testing::AddGlobalTestEnvironment(new MountSweeper);

}  // namespace

std::string mergerfs_bin() { return MERGERFS_BIN; }

TempDir::TempDir() {
  std::string tmpl = temp_prefix() + "XXXXXX";
  char* d = ::mkdtemp(tmpl.data());
  if (!d) throw std::runtime_error("mkdtemp failed");
  path_ = d;
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() { run("rm -rf '" + path_ + "'"); }

Pool::Pool(PoolSpec spec) : spec_(std::move(spec)) {
  mnt_ = tmp_.path() + "/mnt";
  make_dirs(mnt_);
  for (int i = 0; i < spec_.branches; ++i) {
    std::string b = tmp_.path() + "/b" + std::to_string(i);
    make_dirs(b);
    if (spec_.tmpfs_mb) {
      std::string opts = "size=" + std::to_string(spec_.tmpfs_mb) + "m,mode=0755";
      if (::mount("tmpfs", b.c_str(), "tmpfs", 0, opts.c_str()) == 0) tmpfs_mounts_.push_back(b);
      else ADD_FAILURE() << "tmpfs mount failed: " << std::strerror(errno);
    }
    branches_.push_back(b);
  }
  if (spec_.start) start();
}

std::string Pool::branch_arg() const {
  std::string arg;
  for (size_t i = 0; i < branches_.size(); ++i) {
    if (i) arg.push_back(':');
    arg += branches_[i];
    if (i < spec_.branch_suffixes.size()) arg += spec_.branch_suffixes[i];
  }
  return arg;
}

std::string Pool::log() const {
  std::ifstream f(tmp_.path() + "/daemon.log");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void Pool::start() {
  if (pid_ > 0) return;
  std::string opts = "cache.files=off";
  if (!spec_.options.empty()) opts += "," + spec_.options;
  std::string logpath = tmp_.path() + "/daemon.log";
  std::string bin = mergerfs_bin();
  std::string barg = branch_arg();
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(logpath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    for (int cap : spec_.drop_caps) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    ::execl(bin.c_str(), "mergerfs", spec_.fuse_debug ? "-d" : "-f", "-o", opts.c_str(),
            barg.c_str(), mnt_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (is_mounted(mnt_)) {
      struct stat st {};
      if (::stat(mnt_.c_str(), &st) == 0) return;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL() << "daemon exited before mounting: " << log();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "pool did not mount within 15 s: " << log();
}

int Pool::stop() {
  if (pid_ <= 0) return -1;
  int status = -1;
  if (is_mounted(mnt_)) run("fusermount3 -u '" + mnt_ + "' 2>/dev/null", nullptr, 10);
  if (!wait_exit(pid_, 5000, &status)) {
    ::kill(pid_, SIGTERM);
    if (!wait_exit(pid_, 5000, &status)) {
      ::kill(pid_, SIGKILL);
      wait_exit(pid_, 5000, &status);
    }
  }
  if (is_mounted(mnt_)) ::umount2(mnt_.c_str(), MNT_DETACH);
  pid_ = -1;
  return status;
}

void Pool::kill_daemon(int sig) {
  if (pid_ <= 0) return;
  ::kill(pid_, sig);
  int status;
  if (!wait_exit(pid_, 10000, &status)) ADD_FAILURE() << "daemon did not exit on signal " << sig;
  pid_ = -1;
}

Pool::~Pool() {
  stop();
  for (auto& m : tmpfs_mounts_) ::umount2(m.c_str(), MNT_DETACH);
}

std::string stats_summary(const Pool& p) {
  std::vector<char> buf(65536);
  ssize_t n = ::getxattr(p.path(".mergerfs").c_str(), "user.mergerfs.stats", buf.data(), buf.size());
  return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : std::string();
}

std::string stats_field(const std::string& summary, const std::string& actor, const std::string& name) {
  auto at = summary.find("{\"id\":\"" + actor + "\"");
  if (at == std::string::npos) return "";
  std::string entry = summary.substr(at, summary.find('}', at) - at + 1);
  std::smatch m;
  std::regex re("\"" + name + "\":\"?([^,\"}]*)");
  return std::regex_search(entry, m, re) ? std::string(m[1]) : "";
}

void set_option(const Pool& pool, const std::string& key, const std::string& value) {
  std::string ctl = pool.mnt() + "/.mergerfs";
  ASSERT_EQ(::setxattr(ctl.c_str(), ("user.mergerfs." + key).c_str(), value.data(), value.size(), 0),
            0)
      << key << "=" << value << ": " << std::strerror(errno);
}

std::string get_option(const Pool& pool, const std::string& key) {
  char buf[4096];
  ssize_t n = ::getxattr((pool.mnt() + "/.mergerfs").c_str(), ("user.mergerfs." + key).c_str(), buf,
                         sizeof buf);
  return n < 0 ? std::string("<") + std::strerror(errno) + ">" : std::string(buf, static_cast<size_t>(n));
}
FreezableBranch::FreezableBranch(const std::string& workdir, const std::string& mnt) : mnt_(mnt) {
  src_ = workdir + "/pll-src";
  make_dirs(src_);
  std::string bin = workdir + "/passthrough_ll";
  std::string out;
  if (run("cc -O2 -o '" + bin + "' /usr/share/doc/libfuse3-dev/examples/passthrough_ll.c "
          "$(pkg-config --cflags --libs fuse3)", &out, 120) != 0) {
    ADD_FAILURE() << "building passthrough_ll failed: " << out;
    return;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open("/dev/null", O_RDWR);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::string opt = "source=" + src_ + ",cache=never,allow_other";
    ::execl(bin.c_str(), "passthrough_ll", "-f", "-o", opt.c_str(), mnt_.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ok_ = eventually([&] { return is_mounted(mnt_); }, std::chrono::seconds(10));
}

FreezableBranch::~FreezableBranch() {
  thaw();
  run("fusermount3 -u '" + mnt_ + "' 2>/dev/null || umount -l '" + mnt_ + "'", nullptr, 10);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int st;
    ::waitpid(pid_, &st, 0);
  }
}

void FreezableBranch::freeze() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void FreezableBranch::thaw() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

bool is_mounted(const std::string& path) {
  std::string needle = " " + path + " ";
  return mountinfo().find(needle) != std::string::npos;
}

}  // namespace mfs::test
