// Tie rules: mfs/lfs/newest go to the later branch, lus/lup to the first; lup's percentage math.
#include <gtest/gtest.h>

#include <cerrno>

#include "policy/policy.hpp"
#include "policy_fakes.hpp"

namespace mfs::policy {
namespace {
using testing::branch;
using testing::Branches;
using testing::FakeProbe;
using testing::ScriptedRandom;

FakeProbe everywhere(size_t n, const std::string& path, int64_t mtime = 0) {
  FakeProbe p;
  for (size_t i = 0; i < n; ++i) p.add(i, path, mtime);
  return p;
}

class PolicyTies : public ::testing::Test {
 protected:
  ScriptedRandom rnd;
  FakeProbe p = everywhere(4, "/f");
};

TEST_F(PolicyTies, MostFreeSpaceTiesGoToTheLaterBranch) {
  const std::vector<BranchFacts> bs = {branch(50), branch(100), branch(100), branch(70)};
  EXPECT_EQ(create(PolicyId::mfs, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(create(PolicyId::epmfs, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(create(PolicyId::mspmfs, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(action(PolicyId::epmfs, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(search(PolicyId::epmfs, bs, p, "/f", rnd).branches, Branches{2});
}

TEST_F(PolicyTies, LeastFreeSpaceTiesGoToTheLaterBranch) {
  const std::vector<BranchFacts> bs = {branch(50), branch(100), branch(50), branch(70)};
  EXPECT_EQ(create(PolicyId::lfs, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(create(PolicyId::eplfs, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(create(PolicyId::msplfs, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(action(PolicyId::lfs, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(search(PolicyId::eplfs, bs, p, "/f", rnd).branches, Branches{2});
}

TEST_F(PolicyTies, LeastUsedSpaceTiesGoToTheFirstBranch) {
  const std::vector<BranchFacts> bs = {branch(1, 90), branch(1, 30), branch(1, 30), branch(1, 40)};
  EXPECT_EQ(create(PolicyId::lus, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::eplus, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::msplus, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::lus, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(search(PolicyId::eplus, bs, p, "/f", rnd).branches, Branches{1});
}

TEST_F(PolicyTies, LeastUsedPercentageComparesFractionsNotBytes) {
  // b0 uses fewer bytes but a larger share; lus and lup disagree.
  const std::vector<BranchFacts> bs = {branch(10, 90), branch(9000, 1000)};
  EXPECT_EQ(create(PolicyId::lus, bs, p, "/f", rnd).branches, Branches{0});
  EXPECT_EQ(create(PolicyId::lup, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::lup, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(search(PolicyId::lup, bs, p, "/f", rnd).branches, Branches{1});
}

TEST_F(PolicyTies, LeastUsedPercentageTiesGoToTheFirstBranch) {
  // 1/3 == 2/6 == 100/300 exactly under cross-multiplication.
  const std::vector<BranchFacts> bs = {branch(1, 9), branch(4, 2), branch(4, 2), branch(200, 100)};
  EXPECT_EQ(create(PolicyId::lup, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::lup, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(search(PolicyId::lup, bs, p, "/f", rnd).branches, Branches{1});
}

TEST_F(PolicyTies, LeastUsedPercentageCountsAnEmptyFilesystemAsZero) {
  BranchFacts zero = branch(0, 0);  // total 0
  EXPECT_EQ(zero.total, 0u);
  EXPECT_EQ(create(PolicyId::lup, {branch(99, 1), zero}, p, "/f", rnd).branches, Branches{1});
  // 0% vs 0%: a tie, first wins.
  EXPECT_EQ(create(PolicyId::lup, {branch(100, 0), zero}, p, "/f", rnd).branches, Branches{0});
  EXPECT_EQ(create(PolicyId::lup, {zero, branch(100, 0)}, p, "/f", rnd).branches, Branches{0});
}

TEST_F(PolicyTies, LeastUsedPercentageDistinguishesLargeFilesystems) {
  // 16 TiB filesystems that differ by one byte of usage; division in double would still work,
  // but this pins the cross-multiplied comparison at realistic magnitudes.
  const uint64_t t = 16ULL << 40;
  const std::vector<BranchFacts> bs = {branch(t / 2 - 1, t / 2 + 1), branch(t / 2, t / 2)};
  EXPECT_EQ(create(PolicyId::lup, bs, p, "/f", rnd).branches, Branches{1});
}

TEST_F(PolicyTies, NewestTiesGoToTheLaterBranch) {
  FakeProbe q;
  q.add(0, "/f", 7).add(1, "/f", 9).add(2, "/f", 9).add(3, "/f", 3);
  const std::vector<BranchFacts> bs = {branch(1), branch(1), branch(1), branch(1)};
  EXPECT_EQ(create(PolicyId::newest, bs, q, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(action(PolicyId::newest, bs, q, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(search(PolicyId::newest, bs, q, "/f", rnd).branches, Branches{2});
}

TEST_F(PolicyTies, NewestUsesNanosecondsAndOnlyEligibleBranches) {
  FakeProbe q;
  q.add(0, "/f", 1'000'000'001).add(1, "/f", 1'000'000'000).add(2, "/f", 2'000'000'000);
  std::vector<BranchFacts> bs = {branch(1), branch(1), branch(1)};
  bs[2].mode = BranchMode::RO;  // newest, but excluded from create and action
  EXPECT_EQ(create(PolicyId::newest, bs, q, "/f", rnd).branches, Branches{0});
  EXPECT_EQ(action(PolicyId::newest, bs, q, "/f", rnd).branches, Branches{0});
  EXPECT_EQ(search(PolicyId::newest, bs, q, "/f", rnd).branches, Branches{2});
  bs[1].mode = BranchMode::NC;  // NC: out of create, still in action
  bs[0].mode = BranchMode::NC;
  EXPECT_EQ(create(PolicyId::newest, bs, q, "/f", rnd).err, -EROFS);
  EXPECT_EQ(action(PolicyId::newest, bs, q, "/f", rnd).branches, Branches{0});
}

TEST_F(PolicyTies, NewestTreatsAVanishedMtimeAsMissing) {
  FakeProbe q;
  q.add(0, "/f", 5).add_without_mtime(1, "/f");
  const std::vector<BranchFacts> bs = {branch(1), branch(1)};
  EXPECT_EQ(search(PolicyId::newest, bs, q, "/f", rnd).branches, Branches{0});
  FakeProbe only;
  only.add_without_mtime(0, "/f");
  EXPECT_EQ(search(PolicyId::newest, {branch(1)}, only, "/f", rnd).err, -ENOENT);
  EXPECT_EQ(action(PolicyId::newest, {branch(1)}, only, "/f", rnd).err, -ENOENT);
  // The precedence-merged error of the filtered-out branches still stands.
  std::vector<BranchFacts> two = {branch(1), branch(1)};
  two[1].readonly_fs = true;
  FakeProbe r;
  r.add_without_mtime(0, "/f").add(1, "/f", 3);
  EXPECT_EQ(action(PolicyId::newest, two, r, "/f", rnd).err, -EROFS);
}

TEST_F(PolicyTies, FirstFoundFollowsPoolOrder) {
  FakeProbe q;
  q.add(1, "/f").add(3, "/f");
  const std::vector<BranchFacts> bs = {branch(1), branch(1), branch(1), branch(1)};
  EXPECT_EQ(search(PolicyId::ff, bs, q, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::ff, bs, q, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::epff, bs, q, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::ff, bs, q, "/f", rnd).branches, Branches{0});
}

}  // namespace
}  // namespace mfs::policy
