// What the control-file tests use to talk to MOUNT/.mergerfs: xattr get/set/list on it with
// their Outcome, the stats dump summarised (one python json pass), and a child process running
// a request that may block.
#pragma once
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <cstring>
#include <regex>
#include <set>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::control {

using Clock = std::chrono::steady_clock;
const std::string kPrefix = "user.mergerfs.";

inline std::string ctl(const Pool& p) { return p.path(".mergerfs"); }

// getxattr with a buffer large enough for any value; the value or the errno.
inline Outcome getx(const std::string& path, const std::string& name, std::string* value = nullptr) {
  std::vector<char> buf(65536);
  auto o = sys([&] { return (long)::getxattr(path.c_str(), name.c_str(), buf.data(), buf.size()); });
  if (value) *value = o.ret >= 0 ? std::string(buf.data(), static_cast<size_t>(o.ret)) : "";
  return o;
}

inline std::string value_of(const std::string& path, const std::string& name) {
  std::string v;
  auto o = getx(path, name, &v);
  EXPECT_GE(o.ret, 0) << name << ": " << describe(o);
  return v;
}

inline Outcome setx(const std::string& path, const std::string& name, const std::string& value, int flags = 0) {
  return sys([&] { return (long)::setxattr(path.c_str(), name.c_str(), value.data(), value.size(), flags); });
}

inline std::vector<std::string> listx(const std::string& path) {
  std::vector<char> buf(1 << 20);
  ssize_t n = ::listxattr(path.c_str(), buf.data(), buf.size());
  std::vector<std::string> out;
  for (ssize_t at = 0; at < n;) {
    std::string name(buf.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    out.push_back(name);
  }
  return out;
}

inline Outcome stat_of(const std::string& path) {
  return sys([&] {
    struct stat st {};
    return (long)::stat(path.c_str(), &st);
  });
}

// Runs a Python script (Debian's interpreter, which has python3-prometheus-client) with the
// given input file; returns its exit status and output.
inline int python(const TempDir& dir, const std::string& script, const std::string& input, std::string* out) {
  write_file(dir.path() + "/script.py", script);
  write_file(dir.path() + "/input", input);
  return run("/usr/bin/python3 '" + dir.path() + "/script.py' '" + dir.path() + "/input'", out);
}

// Checks that `doc` is JSON (Python's parser) and prints a digest of the stats summary:
// "N id:kind:answering ..." per actor.
inline const char* kSummaryDigest = R"(
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
acts = d['actors']
print(len(acts), ' '.join('%s:%s:%s' % (a['id'], a['kind'], str(a.get('answering')).lower()) for a in acts))
)";

// Through a descriptor: no path walk, which would stall on a frozen first branch (the pool
// root's attributes come from it).
inline std::string stats_summary(int control_fd) {
  std::vector<char> buf(65536);
  ssize_t n = ::fgetxattr(control_fd, "user.mergerfs.stats", buf.data(), buf.size());
  return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : "";
}

// The flat summary entry of one actor, and one field of it ("" when absent).
inline std::string entry_of(const std::string& summary, const std::string& id) {
  auto at = summary.find("{\"id\":\"" + id + "\"");
  if (at == std::string::npos) return "";
  return summary.substr(at, summary.find('}', at) - at + 1);
}
inline std::string field(const std::string& entry, const std::string& name) {
  std::smatch m;
  std::regex re("\"" + name + "\":\"?([^,\"}]*)");
  return std::regex_search(entry, m, re) ? std::string(m[1]) : "";
}
inline uint64_t num_field(const std::string& entry, const std::string& name) {
  return std::strtoull(field(entry, name).c_str(), nullptr, 10);
}

// A child process running `fn`; reports whether it finished and how.
class Child {
 public:
  explicit Child(const std::function<long()>& fn) {
    pid_ = ::fork();
    if (pid_ == 0) ::_exit(fn() < 0 ? 1 : 0);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
  }
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) != pid_) return true;
    pid_ = -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return false;
  }
  // -1 still running after `limit`, else the exit status (0: fn succeeded).
  int wait_for(std::chrono::milliseconds limit) {
    auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      if (!running()) return status_;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return running() ? -1 : status_;
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace mfs::test::control
