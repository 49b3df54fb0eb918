// Request deadlines on fan-outs (issue 17): a listing, statfs and many lookups at once with one
// or two frozen branches are answered from the branches that answered, as if the frozen ones
// were absent; the stats dump shows the late branch, which turns ok again after the thaw.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/concurrent_calls.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

// branch-deadline 0.5 s; the kernel asks the pool every time.
constexpr const char* kOptions =
    "branch-deadline=0.5,cache.entry=0,cache.attr=0,cache.negative-entry=0";

std::set<std::string> lines_of(const std::string& path) {
  std::ifstream f(path);
  std::set<std::string> out;
  for (std::string l; std::getline(f, l);) out.insert(l);
  return out;
}

class ListingWithAFrozenBranch : public ::testing::TestWithParam<const char*> {};

// The listing leaves the frozen branch out, in every func.readdir mode: sequential reads wait
// for it until the deadline and list again without it, parallel ones stop waiting for it.
TEST_P(ListingWithAFrozenBranch, ShowsTheOtherBranches) {
  Pool p({.branches = 3, .options = std::string(kOptions) + ",func.readdir=" + GetParam(), .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  make_dirs(frozen.src() + "/d");
  write_file(frozen.src() + "/d/h", "h");
  make_dirs(p.on_branch(1, "d"));
  make_dirs(p.on_branch(2, "d"));
  write_file(p.on_branch(1, "d/a"), "a");
  write_file(p.on_branch(2, "d/b"), "b");
  p.start();
  ASSERT_EQ(names_in(p.path("d")), (std::set<std::string>{"a", "b", "h"}));

  frozen.freeze();
  const std::string out = p.root() + "/listing";
  auto first = run_together({list_into(p.path("d"), out)}, std::chrono::seconds(4));
  ASSERT_TRUE(first[0].answered) << "listing still waiting 4 s after a 0.5 s deadline";
  EXPECT_EQ(first[0].err, 0);
  EXPECT_EQ(lines_of(out), (std::set<std::string>{"a", "b"}));
  // Known late now: the next listing does not wait for it at all.
  auto second = run_together({list_into(p.path("d"), out)}, std::chrono::milliseconds(400));
  ASSERT_TRUE(second[0].answered);
  EXPECT_EQ(lines_of(out), (std::set<std::string>{"a", "b"}));

  frozen.thaw();
  reap_left();
  EXPECT_TRUE(eventually([&] { return names_in(p.path("d")).count("h") == 1; }, std::chrono::seconds(5)));
}

INSTANTIATE_TEST_SUITE_P(RequestDeadline, ListingWithAFrozenBranch, ::testing::Values("seq", "cosr", "cor"));

// Two frozen branches at once and 64 requests on healthy ones sent together: no worker
// shortage, every one answered, and statfs answers from the branches that answer.
TEST(RequestDeadline, TwoFrozenBranchesAndSixtyFourRequestsAtOnce) {
  Pool p({.branches = 4, .options = kOptions, .start = false});
  FreezableBranch first(p.root() + "/f0", p.branch(0));
  FreezableBranch third(p.root() + "/f2", p.branch(2));
  ASSERT_TRUE(first.ok() && third.ok());
  for (int i = 0; i < 64; ++i) write_file(p.on_branch(i % 2 ? 3 : 1, "f" + std::to_string(i)), "data");
  p.start();
  ASSERT_EQ(read_file(p.path("f0")), "data");

  first.freeze();
  third.freeze();
  std::vector<std::function<int()>> calls;
  for (int i = 0; i < 64; ++i) calls.push_back(stat_of(p.path("f" + std::to_string(i))));
  const std::string mnt = p.mnt();
  calls.push_back([mnt] {
    struct statvfs sv {};
    return ::statvfs(mnt.c_str(), &sv);
  });
  auto round = run_together(calls, std::chrono::seconds(4));
  EXPECT_EQ(unanswered(round), 0u) << "requests still waiting 4 s after a 0.5 s deadline";
  for (size_t i = 0; i < round.size(); ++i) EXPECT_EQ(round[i].err, 0) << "call " << i;
  auto again = run_together(calls, std::chrono::seconds(2));
  EXPECT_EQ(unanswered(again), 0u);
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].err, 0) << "call " << i;

  first.thaw();
  third.thaw();
  reap_left();
}

// statfs answers from the figures each branch tracks: with a branch frozen (and not yet known
// late: branch-deadline 5 s) it answers at once, the frozen branch's blocks counted.
TEST(RequestDeadline, StatfsWithAFrozenBranchAnswersAtOnceFromTrackedFigures) {
  Pool p({.branches = 3, .options = "branch-deadline=5", .tmpfs_mb = 16, .start = false});
  FreezableBranch frozen(p.root(), p.branch(1));
  ASSERT_TRUE(frozen.ok());
  p.start();
  unsigned long long total = 0;  // bytes: the three branches are three filesystems
  for (int i = 0; i < 3; ++i) {
    struct statvfs sv {};
    ASSERT_EQ(::statvfs(p.branch(i).c_str(), &sv), 0);
    total += static_cast<unsigned long long>(sv.f_blocks) * sv.f_frsize;
  }

  frozen.freeze();
  const std::string mnt = p.mnt(), out = p.root() + "/statvfs";
  auto asked = run_together({[mnt, out] {
                               struct statvfs sv {};
                               if (::statvfs(mnt.c_str(), &sv) < 0) return -1;
                               std::ofstream(out) << static_cast<unsigned long long>(sv.f_blocks) * sv.f_frsize;
                               return 0;
                             }},
                            std::chrono::seconds(2));
  ASSERT_TRUE(asked[0].answered) << "statfs waited for the frozen branch";
  EXPECT_EQ(asked[0].err, 0);
  EXPECT_EQ(lines_of(out), (std::set<std::string>{std::to_string(total)}));

  frozen.thaw();
  reap_left();
}

// The stats dump answers while a branch is frozen and names it late; after the thaw the branch
// is ok again within 2 s and serves its files.
TEST(RequestDeadline, AFrozenBranchShowsLateInTheStatsAndHealsAfterTheThaw) {
  Pool p({.branches = 2, .options = kOptions, .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  write_file(frozen.src() + "/on-frozen", "h");
  p.start();
  ASSERT_EQ(read_file(p.path("on-frozen")), "h");

  frozen.freeze();
  auto asked = run_together({stat_of(p.path("on-frozen"))}, std::chrono::seconds(4));
  EXPECT_TRUE(asked[0].answered && asked[0].err == ENOENT) << "err " << asked[0].err;
  auto health = [&] { return stats_field(stats_summary(p), "branch-0", "health"); };
  EXPECT_TRUE(eventually([&] { return health() == "slow" || health() == "failed"; }, std::chrono::seconds(2)))
      << "health " << health();

  frozen.thaw();
  reap_left();
  EXPECT_TRUE(eventually([&] { return health() == "ok"; }, std::chrono::seconds(2))) << "health " << health();
  EXPECT_EQ(read_file(p.path("on-frozen")), "h");
}

}  // namespace
}  // namespace mfs::test
