// Syscall outcomes (as root or as another user) and the small file and directory helpers the
// integration tests share (pool_fixture.hpp declares them).
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

}  // namespace mfs::test
