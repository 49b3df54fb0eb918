// The rebalance planner: when it plans nothing, that every move narrows the spread without
// overshooting, the rebalance.* filters, which branches give and take, termination.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "policy/rebalance_plan.hpp"

namespace mfs::policy {
namespace {

constexpr uint64_t MiB = 1 << 20;

RebalanceFile file(const std::string &path, uint64_t size, uint64_t nlink = 1) {
  return RebalanceFile{path, size, size, nlink};
}

// A writable branch of `total_mib` with the given files as its only used space.
RebalanceBranch branch(const std::string &path, uint64_t total_mib,
                       std::vector<RebalanceFile> files = {}) {
  RebalanceBranch b;
  b.path = path;
  b.source = b.target = true;
  b.total = static_cast<double>(total_mib * MiB);
  for (const auto &f : files) b.used += static_cast<double>(f.charged);
  b.avail = b.total - b.used;
  b.files = std::move(files);
  return b;
}

std::vector<RebalanceFile> files_of(const std::string &prefix, int n, uint64_t size) {
  std::vector<RebalanceFile> out;
  for (int i = 0; i < n; ++i) out.push_back(file(prefix + std::to_string(i), size));
  return out;
}

RebalanceLimits limits(double threshold) {
  RebalanceLimits l;
  l.threshold = threshold;
  l.reserve = 0;
  return l;
}

// Replays the plan on the branch figures, checking each step; returns the final spread.
double replay(std::vector<RebalanceBranch> bs, const RebalancePlan &plan) {
  std::map<std::string, RebalanceBranch *> by_path;
  for (auto &b : bs) by_path[b.path] = &b;
  double spread = spread_of(bs);
  for (const auto &m : plan.moves) {
    auto &src = *by_path.at(m.src);
    auto &dst = *by_path.at(m.dst);
    double gap_before = src.pct() - dst.pct();
    double bytes = static_cast<double>(m.charged);
    src.used -= bytes;
    dst.used += bytes;
    dst.avail -= bytes;
    // Never overshoots: the pair's gap shrinks in absolute value.
    EXPECT_LT(std::abs(src.pct() - dst.pct()), gap_before) << m.path;
    EXPECT_GE(dst.avail, 0) << m.path;
    double now = spread_of(bs);
    EXPECT_LE(now, spread + 1e-9) << m.path;
    spread = now;
  }
  return spread;
}

TEST(RebalancePlan, BalancedPoolPlansNothing) {
  std::vector<RebalanceBranch> bs = {branch("/a", 100, files_of("/a", 10, MiB)),
                                     branch("/b", 100, files_of("/b", 11, MiB))};
  auto plan = plan_rebalance(bs, {}, {}, limits(2));
  EXPECT_TRUE(plan.moves.empty());
  EXPECT_NEAR(plan.spread, 1.0, 1e-9);
}

TEST(RebalancePlan, SingleBranchPlansNothing) {
  auto plan = plan_rebalance({branch("/a", 100, files_of("/a", 90, MiB))}, {}, {}, limits(0));
  EXPECT_TRUE(plan.moves.empty());
  EXPECT_EQ(plan.spread, 0);
}

TEST(RebalancePlan, MovesFromFullestToEmptiestUntilWithinThreshold) {
  std::vector<RebalanceBranch> bs = {branch("/a", 100, files_of("/f", 60, MiB)), branch("/b", 100)};
  auto plan = plan_rebalance(bs, {}, {}, limits(5));
  ASSERT_FALSE(plan.moves.empty());
  EXPECT_NEAR(plan.spread, 60, 1e-9);
  for (const auto &m : plan.moves) {
    EXPECT_EQ(m.src, "/a");
    EXPECT_EQ(m.dst, "/b");
    EXPECT_EQ(m.bytes, MiB);
  }
  EXPECT_LE(replay(bs, plan), 5);
}

TEST(RebalancePlan, NeverOvershootsTheBalancePoint) {
  // 70% against 30%: moving the 50 MiB file would leave 20% against 80%, a wider gap than before;
  // the 5 MiB files close it instead.
  auto fs = files_of("/s", 4, 5 * MiB);
  fs.push_back(file("/big", 50 * MiB));
  std::vector<RebalanceBranch> bs = {branch("/a", 100, fs),
                                     branch("/b", 100, files_of("/b", 3, 10 * MiB))};
  auto plan = plan_rebalance(bs, {}, {}, limits(1));
  ASSERT_EQ(plan.moves.size(), 4u);
  for (const auto &m : plan.moves) EXPECT_NE(m.path, "/big");
  EXPECT_NEAR(replay(bs, plan), 0, 1e-9);
}

TEST(RebalancePlan, EveryMoveNarrowsTheSpreadAcrossSeveralBranches) {
  std::vector<RebalanceBranch> bs = {
      branch("/a", 200, files_of("/a", 150, MiB)), branch("/b", 100, files_of("/b", 10, 3 * MiB)),
      branch("/c", 50), branch("/d", 300, files_of("/d", 20, 7 * MiB))};
  auto plan = plan_rebalance(bs, {}, {}, limits(2));
  ASSERT_FALSE(plan.moves.empty());
  EXPECT_LE(replay(bs, plan), 2);
}

TEST(RebalancePlan, IncludeAndExcludePatternsFilterByPoolPath) {
  std::vector<RebalanceFile> fs = {file("/keep/x.iso", 5 * MiB), file("/media/a.mkv", 5 * MiB),
                                   file("/media/b.part", 5 * MiB), file("/media/c.mkv", 5 * MiB)};
  std::vector<RebalanceBranch> bs = {branch("/a", 100, fs), branch("/b", 100)};
  auto lim = limits(0);
  lim.include = "/media/*|/other/*";
  lim.exclude = "*.part";
  auto plan = plan_rebalance(bs, {}, {}, lim);
  ASSERT_FALSE(plan.moves.empty());
  for (const auto &m : plan.moves) {
    EXPECT_EQ(m.path.rfind("/media/", 0), 0u) << m.path;
    EXPECT_NE(m.path, "/media/b.part");
  }
}

TEST(RebalancePlan, SizeLimitsAndSkippedPathsStay) {
  std::vector<RebalanceFile> fs = {file("/tiny", 1000), file("/huge", 40 * MiB),
                                   file("/failed", 8 * MiB), file("/ok", 8 * MiB)};
  std::vector<RebalanceBranch> bs = {branch("/a", 100, fs), branch("/b", 100)};
  auto lim = limits(0);
  lim.min_size = 4096;
  lim.max_size = 20 * MiB;
  auto plan = plan_rebalance(bs, {}, {"/failed"}, lim);
  ASSERT_EQ(plan.moves.size(), 1u);
  EXPECT_EQ(plan.moves[0].path, "/ok");
}

TEST(RebalancePlan, HardLinksAndFilesWithCopiesAreReportedNotMoved) {
  std::vector<RebalanceFile> fs = {file("/linked", 10 * MiB, 2), file("/twice", 10 * MiB),
                                   file("/on-ro", 10 * MiB), file("/free", 10 * MiB)};
  std::vector<RebalanceBranch> bs = {branch("/a", 100, fs), branch("/b", 100, {file("/twice", 1)})};
  // "/on-ro" also lives on a branch that takes no part (read-only).
  auto plan = plan_rebalance(bs, {"/on-ro"}, {}, limits(0));
  EXPECT_EQ(plan.links, std::set<std::string>{"/linked"});
  EXPECT_EQ(plan.copies, (std::set<std::string>{"/on-ro", "/twice"}));
  ASSERT_EQ(plan.moves.size(), 1u);
  EXPECT_EQ(plan.moves[0].path, "/free");
}

TEST(RebalancePlan, NoCreateBranchesGiveButNeverTake) {
  auto nc = branch("/nc", 100);
  nc.target = false;
  auto full_nc = branch("/fullnc", 100, files_of("/n", 80, MiB));
  full_nc.target = false;
  std::vector<RebalanceBranch> bs = {full_nc, nc, branch("/rw", 100)};
  auto plan = plan_rebalance(bs, {}, {}, limits(1));
  ASSERT_FALSE(plan.moves.empty());
  for (const auto &m : plan.moves) {
    EXPECT_EQ(m.src, "/fullnc");
    EXPECT_EQ(m.dst, "/rw");
  }
}

TEST(RebalancePlan, BranchesThatGiveNothingKeepTheirFiles) {
  // A branch that is neither source nor target (as the caller would mark a read-only one).
  auto ro = branch("/ro", 100, files_of("/r", 90, MiB));
  ro.source = ro.target = false;
  auto plan = plan_rebalance({ro, branch("/rw", 100)}, {}, {}, limits(1));
  EXPECT_TRUE(plan.moves.empty());
  EXPECT_NEAR(plan.spread, 90, 1e-9);
}

TEST(RebalancePlan, TargetKeepsTheReserveFree) {
  auto small = branch("/small", 10, files_of("/s", 1, 9 * MiB));
  std::vector<RebalanceBranch> bs = {branch("/a", 100, {file("/f", 50 * MiB)}), small};
  // No file fits on /small (1 MiB free, 1 MiB reserve): nothing to do.
  auto lim = limits(0);
  lim.reserve = MiB;
  EXPECT_TRUE(plan_rebalance(bs, {}, {}, lim).moves.empty());
}

TEST(RebalancePlan, EndsOnManySmallFiles) {
  std::vector<RebalanceBranch> bs = {branch("/a", 1 << 20, files_of("/f", 3000, 4096)),
                                     branch("/b", 1 << 20)};
  bs[0].used = bs[0].total * 0.9;  // most of it held by files the scan did not list
  bs[0].avail = bs[0].total - bs[0].used;
  auto plan = plan_rebalance(bs, {}, {}, limits(0));
  // Every small file moves and the plan still ends (the gap stays wide).
  EXPECT_EQ(plan.moves.size(), 3000u);
  std::set<std::string> moved;
  for (const auto &m : plan.moves) moved.insert(m.path);
  EXPECT_EQ(moved.size(), plan.moves.size());
}

}  // namespace
}  // namespace mfs::policy
