// Concurrent syscalls in children for the deadline tests.
#include "tests/integration/concurrent_calls.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

namespace mfs::test {
namespace {
using Clock = std::chrono::steady_clock;
std::vector<pid_t> g_left;
}  // namespace

std::vector<CallOutcome> run_together(const std::vector<std::function<int()>>& calls,
                                  std::chrono::milliseconds limit) {
  std::vector<pid_t> pids;
  for (const auto& call : calls) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(call() == 0 ? 0 : (errno & 0x7f) | 0x80);
    pids.push_back(pid);
  }
  std::vector<CallOutcome> out(calls.size());
  auto until = Clock::now() + limit;
  size_t left = pids.size();
  while (left && Clock::now() < until) {
    for (size_t i = 0; i < pids.size(); ++i) {
      int st = 0;
      if (out[i].answered || ::waitpid(pids[i], &st, WNOHANG) != pids[i]) continue;
      out[i].answered = true;
      int code = WIFEXITED(st) ? WEXITSTATUS(st) : 0xff;
      out[i].err = code & 0x80 ? code & 0x7f : 0;
      --left;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    if (out[i].answered) continue;
    ::kill(pids[i], SIGKILL);
    g_left.push_back(pids[i]);
  }
  return out;
}

void reap_left() {
  for (pid_t pid : g_left) ::waitpid(pid, nullptr, 0);
  g_left.clear();
}

size_t unanswered(const std::vector<CallOutcome>& v) {
  size_t n = 0;
  for (const auto& o : v) n += o.answered ? 0 : 1;
  return n;
}

std::function<int()> stat_of(const std::string& path) {
  return [path] {
    struct stat st {};
    return ::stat(path.c_str(), &st);
  };
}

std::function<int()> list_into(const std::string& dir, const std::string& out) {
  return [dir, out] {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return -1;
    std::ofstream f(out);
    errno = 0;
    while (dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) f << e->d_name << "\n";
      errno = 0;
    }
    int err = errno;
    ::closedir(d);
    errno = err;
    return err ? -1 : 0;
  };
}

}  // namespace mfs::test
