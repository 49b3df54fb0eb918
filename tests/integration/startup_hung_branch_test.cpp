// Start-up with a hung branch (issue 17 item 5): a branch already frozen when the daemon starts
// holds neither the parse of the branch list, nor the opening of the branches, nor the move
// recovery: the pool mounts and serves the other branches, the frozen one shows failed in the
// stats, and it joins the pool once it answers.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/integration/concurrent_calls.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using namespace std::chrono_literals;

// branch-deadline 1 s; the kernel asks the pool every time.
constexpr const char* kOptions = "branch-deadline=1,cache.entry=0,cache.attr=0,cache.negative-entry=0";

TEST(StartupWithAHungBranch, MountsServesTheOthersAndJoinsTheFrozenOneAfterTheThaw) {
  Pool p({.branches = 3, .options = kOptions, .start = false});
  FreezableBranch frozen(p.root(), p.branch(1));
  ASSERT_TRUE(frozen.ok());
  write_file(p.on_branch(0, "on-first"), "a");
  write_file(frozen.src() + "/on-frozen", "h");
  write_file(p.on_branch(2, "on-third"), "c");
  // A temp file an interrupted move left in a staging folder: recovery removes it at start-up
  // on the branches that answer.
  make_dirs(p.on_branch(0, ".mergerfs.staging"));
  write_file(p.on_branch(0, ".mergerfs.staging/leftover.tmp"), "x");
  frozen.freeze();

  p.start();  // fails the test if not mounted within 15 s
  if (::testing::Test::HasFatalFailure()) return;
  auto first = run_together({stat_of(p.path("on-first")), stat_of(p.path("on-third"))}, 4s);
  ASSERT_TRUE(first[0].answered && first[1].answered) << "lookups on healthy branches still waiting";
  EXPECT_EQ(first[0].err, 0);
  EXPECT_EQ(first[1].err, 0);
  EXPECT_EQ(read_file(p.path("on-first")), "a");
  EXPECT_EQ(read_file(p.path("on-third")), "c");
  EXPECT_FALSE(exists(p.on_branch(0, ".mergerfs.staging/leftover.tmp")));
  auto health = [&] { return stats_field(stats_summary(p), "branch-1", "health"); };
  EXPECT_TRUE(eventually([&] { return !health().empty(); }, 3s)) << stats_summary(p);
  EXPECT_NE(health(), "ok");
  EXPECT_EQ(stats_field(stats_summary(p), "branch-0", "health"), "ok");

  frozen.thaw();
  reap_left();
  EXPECT_TRUE(eventually([&] { return health() == "ok"; }, 5s)) << "health " << health();
  EXPECT_TRUE(eventually([&] { return exists(p.path("on-frozen")); }, 5s));
  EXPECT_EQ(read_file(p.path("on-frozen")), "h");
}

}  // namespace
}  // namespace mfs::test
