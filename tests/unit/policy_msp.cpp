// msp* create policies: walking up toward "/" and the error each variant reports on failure.
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

class PolicyMsp : public ::testing::Test {
 protected:
  ScriptedRandom rnd;
  std::vector<BranchFacts> bs = {branch(100), branch(400), branch(300)};
};

TEST_F(PolicyMsp, UsesTheDeepestLevelThatExistsSomewhere) {
  FakeProbe p;
  p.add(0, "/a").add(1, "/a").add(2, "/a").add(0, "/a/b");
  // "/a/b/c" exists nowhere; "/a/b" only on b0, which wins though b1 has more space at "/a".
  EXPECT_EQ(create(PolicyId::mspmfs, bs, p, "/a/b/c", rnd).branches, Branches{0});
  EXPECT_EQ(create(PolicyId::msplfs, bs, p, "/a/b/c", rnd).branches, Branches{0});
  EXPECT_EQ(create(PolicyId::msplus, bs, p, "/a/b/c", rnd).branches, Branches{0});
  EXPECT_EQ(create(PolicyId::msppfrd, bs, p, "/a/b/c", rnd).branches, Branches{0});
  // Without the walk, the ep variant fails.
  EXPECT_EQ(create(PolicyId::epmfs, bs, p, "/a/b/c", rnd).err, -ENOENT);
}

TEST_F(PolicyMsp, AppliesTheVariantRuleAtTheQualifyingLevel) {
  FakeProbe p;
  p.add(0, "/a").add(2, "/a");
  EXPECT_EQ(create(PolicyId::mspmfs, bs, p, "/a/b/c", rnd).branches, Branches{2});
  EXPECT_EQ(create(PolicyId::msplfs, bs, p, "/a/b/c", rnd).branches, Branches{0});
  ScriptedRandom r({150});  // sum 400: cum 100, 400 -> b2
  EXPECT_EQ(create(PolicyId::msppfrd, bs, p, "/a/b/c", r).branches, Branches{2});
  EXPECT_EQ(r.bounds, std::vector<uint64_t>{400});
}

TEST_F(PolicyMsp, WalksAllTheWayToRoot) {
  FakeProbe p;
  p.add(1, "/");
  EXPECT_EQ(create(PolicyId::mspmfs, bs, p, "/x/y/z", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::msplus, bs, p, "/x/", rnd).branches, Branches{1});  // trailing slash
  EXPECT_EQ(create(PolicyId::msppfrd, bs, p, "/", rnd).branches, Branches{1});
}

TEST_F(PolicyMsp, StopsAtRootWhenNothingQualifies) {
  const FakeProbe p;
  for (PolicyId id : {PolicyId::mspmfs, PolicyId::msplfs, PolicyId::msplus, PolicyId::msppfrd}) {
    EXPECT_EQ(create(id, bs, p, "/a/b", rnd).err, -ENOENT) << to_string(id);
    EXPECT_EQ(create(id, bs, p, "/", rnd).err, -ENOENT) << to_string(id);
  }
}

TEST_F(PolicyMsp, FiltersStillApplyAtEveryLevel) {
  FakeProbe p;
  p.add(0, "/a/b").add(1, "/a");
  std::vector<BranchFacts> b = bs;
  b[0].mode = BranchMode::NC;  // has the deep path but may not take creates
  EXPECT_EQ(create(PolicyId::mspmfs, b, p, "/a/b", rnd).branches, Branches{1});
}

// "/a/b" exists only on b0, which is too full: ENOSPC there. The upper levels exist nowhere:
// ENOENT. mspmfs/msplfs/msplus keep the merged ENOSPC; msppfrd reports the last level's ENOENT.
TEST_F(PolicyMsp, FailureErrorMergedAcrossLevelsExceptMsppfrd) {
  FakeProbe p;
  p.add(0, "/a/b");
  std::vector<BranchFacts> b = bs;
  b[0].minfreespace = 1000;
  EXPECT_EQ(create(PolicyId::mspmfs, b, p, "/a/b/c", rnd).err, -ENOSPC);
  EXPECT_EQ(create(PolicyId::msplfs, b, p, "/a/b/c", rnd).err, -ENOSPC);
  EXPECT_EQ(create(PolicyId::msplus, b, p, "/a/b/c", rnd).err, -ENOSPC);
  EXPECT_EQ(create(PolicyId::msppfrd, b, p, "/a/b/c", rnd).err, -ENOENT);
  // When the root level itself fails with ENOSPC, msppfrd reports it.
  p.add(0, "/");
  EXPECT_EQ(create(PolicyId::msppfrd, b, p, "/a/b/c", rnd).err, -ENOSPC);
}

TEST_F(PolicyMsp, ActionAndSearchDoNotWalk) {
  FakeProbe p;
  p.add(0, "/a").add(1, "/a/b");
  for (PolicyId id : {PolicyId::mspmfs, PolicyId::msplfs, PolicyId::msplus, PolicyId::msppfrd}) {
    EXPECT_EQ(action(id, bs, p, "/a/b/c", rnd).err, -ENOENT) << to_string(id);
    EXPECT_EQ(search(id, bs, p, "/a/b/c", rnd).err, -ENOENT) << to_string(id);
    EXPECT_EQ(action(id, bs, p, "/a/b", rnd).branches, Branches{1}) << to_string(id);
    EXPECT_EQ(search(id, bs, p, "/a/b", rnd).branches, Branches{1}) << to_string(id);
  }
}

}  // namespace
}  // namespace mfs::policy
