// Request deadlines (issue 17): a request stuck on a frozen branch is answered when its
// deadline passes, a lookup from the branches that answered, a change that needs the frozen
// branch with EIO, and nothing it left behind stalls the requests that come after it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using Clock = std::chrono::steady_clock;

// branch-deadline 0.5 s; the kernel asks the pool every time.
constexpr const char* kOptions =
    "branch-deadline=0.5,cache.entry=0,cache.attr=0,cache.negative-entry=0";

// What became of one syscall run in a child process: its errno (0: success), or unanswered.
struct Outcome {
  bool answered = false;
  int err = 0;
};

// Children still waiting when a round gave up: killed, and reaped once the branch thaws (a
// caller whose request the daemon read waits for its answer even when killed).
std::vector<pid_t> g_left;

// Runs every call at once, each in its own child (a call that never returns cannot block the
// test), and waits up to `limit` for all of them.
std::vector<Outcome> run_together(const std::vector<std::function<int()>>& calls,
                                  std::chrono::milliseconds limit) {
  std::vector<pid_t> pids;
  for (const auto& call : calls) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(call() == 0 ? 0 : (errno & 0x7f) | 0x80);
    pids.push_back(pid);
  }
  std::vector<Outcome> out(calls.size());
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

std::function<int()> stat_of(const std::string& path) {
  return [path] {
    struct stat st {};
    return ::stat(path.c_str(), &st);
  };
}

size_t unanswered(const std::vector<Outcome>& v) {
  size_t n = 0;
  for (const auto& o : v) n += o.answered ? 0 : 1;
  return n;
}

TEST(RequestDeadline, LookupsStuckOnAFrozenBranchAreAnsweredFromTheOthers) {
  Pool p({.branches = 3, .options = kOptions, .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  for (int i = 0; i < 32; ++i) write_file(p.on_branch(1 + i % 2, "f" + std::to_string(i)), "data");
  write_file(frozen.src() + "/on-frozen", "h");
  p.start();
  ASSERT_EQ(read_file(p.path("f0")), "data");

  frozen.freeze();
  // Sent at once, before anything knows the branch is frozen: every lookup asks branch 0 first.
  std::vector<std::function<int()>> calls;
  for (int i = 0; i < 32; ++i) calls.push_back(stat_of(p.path("f" + std::to_string(i))));
  calls.push_back(stat_of(p.path("on-frozen")));
  calls.push_back([&] { return ::system(("ls '" + p.mnt() + "' >/dev/null 2>&1").c_str()) == 0 ? 0 : -1; });
  auto first = run_together(calls, std::chrono::seconds(4));
  EXPECT_EQ(unanswered(first), 0u) << "requests still waiting 4 s after a 0.5 s deadline";
  for (int i = 0; i < 32; ++i)
    EXPECT_TRUE(first[i].answered && first[i].err == 0) << "f" << i << " err " << first[i].err;
  // The frozen branch's own file: as if the branch were absent.
  EXPECT_TRUE(first[32].answered && first[32].err == ENOENT) << "err " << first[32].err;

  // The first round left nothing the kernel makes later lookups of the same names wait for.
  auto second = run_together(calls, std::chrono::seconds(2));
  EXPECT_EQ(unanswered(second), 0u);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(second[i].err, 0) << "f" << i;

  frozen.thaw();
  reap_left();
  EXPECT_TRUE(eventually([&] { return read_file(p.path("on-frozen")) == "h"; }, std::chrono::seconds(5)));
}

TEST(RequestDeadline, AChangeThatNeedsAFrozenBranchAnswersEio) {
  Pool p({.branches = 2, .options = kOptions, .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  write_file(frozen.src() + "/on-frozen", "h", 0644);
  write_file(p.on_branch(1, "elsewhere"), "e");
  p.start();
  const int fd = ::open(p.path("on-frozen").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);

  frozen.freeze();
  // fchmod through a descriptor of the file: a change only the frozen branch can make.
  auto t0 = Clock::now();
  auto out = run_together({[&] { return ::fchmod(fd, 0600); }}, std::chrono::seconds(4));
  ASSERT_TRUE(out[0].answered) << "fchmod still waiting 4 s after a 0.5 s deadline";
  EXPECT_EQ(out[0].err, EIO);
  EXPECT_GE(std::chrono::duration<double>(Clock::now() - t0).count(), 0.5) << "answered before the deadline";
  // A change on the healthy branch goes through meanwhile.
  std::string other_path = p.path("elsewhere");
  auto other = run_together({[&] { return ::unlink(other_path.c_str()); }}, std::chrono::seconds(2));
  EXPECT_TRUE(other[0].answered && other[0].err == 0) << "err " << other[0].err;

  frozen.thaw();
  reap_left();
  // Healed: the same change now goes through.
  EXPECT_TRUE(eventually([&] { return ::fchmod(fd, 0640) == 0; }, std::chrono::seconds(5)));
  struct stat st {};
  EXPECT_EQ(::stat((frozen.src() + "/on-frozen").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ::close(fd);
}

}  // namespace
}  // namespace mfs::test
