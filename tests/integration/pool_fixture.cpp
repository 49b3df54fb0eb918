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
std::string temp_prefix() { return "/tmp/mfs-test-" + std::to_string(::getpid()) + "-"; }

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

std::string describe(const Outcome& o) {
  return "ret=" + std::to_string(o.ret) + " errno=" + (o.err ? std::strerror(o.err) : "0");
}

Outcome sys(const std::function<long()>& fn) {
  errno = 0;
  long r = fn();
  return Outcome{r, r < 0 ? errno : 0};
}

Outcome as_user(uid_t uid, gid_t gid, const std::function<long()>& fn) {
  int p[2];
  if (::pipe(p) < 0) return {-1, errno};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    Outcome o{-1, EPERM};
    if (::setgroups(0, nullptr) == 0 && ::setresgid(gid, gid, gid) == 0 &&
        ::setresuid(uid, uid, uid) == 0)
      o = sys(fn);
    (void)!::write(p[1], &o, sizeof o);
    ::_exit(0);
  }
  ::close(p[1]);
  Outcome o{-1, EIO};
  ssize_t got = ::read(p[0], &o, sizeof o);
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  // A child that died before reporting (a crash, a sanitizer abort) must not pass for an EIO.
  if (got != static_cast<ssize_t>(sizeof o))
    ADD_FAILURE() << "as_user child died without a result (wait status " << st << ")";
  return o;
}

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

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) out.insert(e->d_name);
  ::closedir(d);
  return out;
}

std::string readlink_of(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? std::string("<") + std::strerror(errno) + ">" : std::string(buf, static_cast<size_t>(n));
}

size_t resident_pages(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return SIZE_MAX;
  struct stat st {};
  ::fstat(fd, &st);
  size_t len = static_cast<size_t>(st.st_size), page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  void* m = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) return SIZE_MAX;
  std::vector<unsigned char> vec((len + page - 1) / page);
  ::mincore(m, len, vec.data());
  ::munmap(m, len);
  size_t n = 0;
  for (unsigned char v : vec) n += v & 1;
  return n;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
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

void write_file(const std::string& path, const std::string& data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::fchmod(fd, mode);
  ::close(fd);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void make_dirs(const std::string& path, mode_t mode) {
  run("mkdir -p '" + path + "'");
  ::chmod(path.c_str(), mode);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_mounted(const std::string& path) {
  std::string needle = " " + path + " ";
  return mountinfo().find(needle) != std::string::npos;
}

int run(const std::string& cmd, std::string* out, int timeout_s) {
  std::string full = "timeout " + std::to_string(timeout_s) + " sh -c '" + [&] {
    std::string esc;
    for (char c : cmd) {
      if (c == '\'') esc += "'\\''";
      else esc.push_back(c);
    }
    return esc;
  }() + "' 2>&1";
  FILE* f = ::popen(full.c_str(), "r");
  if (!f) return -1;
  char buf[4096];
  std::string o;
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) o.append(buf, n);
  int st = ::pclose(f);
  if (out) *out = o;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

namespace {

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string content_digest(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::string("unreadable:") + std::strerror(errno);
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
  int e = errno;
  ::close(fd);
  if (n < 0) return std::string("readerr:") + std::strerror(e);
  return hex64(h);
}

std::string user_xattrs(const std::string& path) {
  std::vector<char> names(65536);
  ssize_t n = ::llistxattr(path.c_str(), names.data(), names.size());
  if (n <= 0) return "";
  std::vector<std::string> out;
  for (ssize_t off = 0; off < n;) {
    std::string name(names.data() + off);
    off += static_cast<ssize_t>(name.size()) + 1;
    if (name.rfind("user.", 0) != 0) continue;
    std::vector<char> v(65536);
    ssize_t vn = ::lgetxattr(path.c_str(), name.c_str(), v.data(), v.size());
    out.push_back(name + "=" + (vn < 0 ? std::string("?") : std::string(v.data(), static_cast<size_t>(vn))));
  }
  std::sort(out.begin(), out.end());
  std::string s;
  for (const auto& x : out) s += " " + x;
  return s;
}

void walk_tree(const std::string& root, const std::string& rel, const TreeOptions& opt,
               std::map<std::pair<dev_t, ino_t>, std::string>& seen, std::string& out) {
  std::string path = rel.empty() ? root : root + "/" + rel;
  std::string name = rel.empty() ? "." : rel;
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) {
    out += name + " lstat:" + std::strerror(errno) + "\n";
    return;
  }
  char head[160];
  std::snprintf(head, sizeof head, " mode=%04o uid=%u gid=%u",
                static_cast<unsigned>(st.st_mode & 07777), static_cast<unsigned>(st.st_uid),
                static_cast<unsigned>(st.st_gid));
  std::string line = name;
  const bool dir = S_ISDIR(st.st_mode);
  if (dir) line += " dir";
  else if (S_ISREG(st.st_mode)) line += " file";
  else if (S_ISLNK(st.st_mode)) line += " symlink";
  else if (S_ISFIFO(st.st_mode)) line += " fifo";
  else if (S_ISSOCK(st.st_mode)) line += " socket";
  else if (S_ISCHR(st.st_mode)) line += " chr";
  else if (S_ISBLK(st.st_mode)) line += " blk";
  else line += " type?";
  line += head;
  if (!dir) {
    if (opt.nlink) line += " nlink=" + std::to_string(st.st_nlink);
    if (opt.nlink && st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto it = seen.find(key);
      if (it != seen.end()) line += " =" + it->second;
      else seen.emplace(key, name);
    }
  }
  if (S_ISREG(st.st_mode))
    line += " size=" + std::to_string(st.st_size) + " data=" + content_digest(path);
  if (S_ISLNK(st.st_mode)) {
    std::vector<char> t(PATH_MAX + 1);
    ssize_t n = ::readlink(path.c_str(), t.data(), t.size());
    line += " -> " + (n < 0 ? std::string("?") : std::string(t.data(), static_cast<size_t>(n)));
  }
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    line += " rdev=" + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  line += user_xattrs(path);
  if (dir ? opt.dir_mtimes : opt.mtimes)
    line += " mtime=" + std::to_string(st.st_mtim.tv_sec) + "." +
            std::to_string(st.st_mtim.tv_nsec);
  out += line + "\n";
  if (!dir) return;
  DIR* d = ::opendir(path.c_str());
  if (!d) {
    out += name + "/ opendir:" + std::strerror(errno) + "\n";
    return;
  }
  std::vector<std::string> names;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) walk_tree(root, rel.empty() ? n : rel + "/" + n, opt, seen, out);
}

}  // namespace

std::string describe_tree(const std::string& root, const TreeOptions& opt) {
  std::map<std::pair<dev_t, ino_t>, std::string> seen;
  std::string out;
  walk_tree(root, "", opt, seen, out);
  return out;
}

std::string line_diff(const std::string& got, const std::string& want) {
  auto lines = [](const std::string& s) {
    std::multiset<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.insert(l);
    return out;
  };
  auto g = lines(got), w = lines(want);
  std::string out;
  for (const auto& l : g)
    if (!w.count(l)) out += "+ " + l + "\n";
  for (const auto& l : w)
    if (!g.count(l)) out += "- " + l + "\n";
  return out;
}

}  // namespace mfs::test
