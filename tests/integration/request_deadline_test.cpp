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

#include "tests/integration/concurrent_calls.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using Clock = std::chrono::steady_clock;

// branch-deadline 0.5 s; the kernel asks the pool every time.
constexpr const char* kOptions =
    "branch-deadline=0.5,cache.entry=0,cache.attr=0,cache.negative-entry=0";

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
