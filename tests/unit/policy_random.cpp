// pfrd weighting walked over a cumulative sum, rand/eprand, and the default random source.
#include <gtest/gtest.h>

#include <cerrno>
#include <thread>

#include "policy/policy.hpp"
#include "policy_fakes.hpp"

namespace mfs::policy {
namespace {
using testing::branch;
using testing::Branches;
using testing::FakeProbe;
using testing::ScriptedRandom;

FakeProbe everywhere(size_t n, const std::string& path) {
  FakeProbe p;
  for (size_t i = 0; i < n; ++i) p.add(i, path);
  return p;
}

TEST(PolicyRandom, PfrdWalksTheCumulativeAvailSum) {
  const FakeProbe p = everywhere(4, "/");
  const std::vector<BranchFacts> bs = {branch(10), branch(500), branch(300), branch(20)};
  // cumulative: 10, 510, 810, 830
  const std::vector<std::pair<uint64_t, size_t>> draws = {{0, 0},   {9, 0},   {10, 1},  {509, 1},
                                                          {510, 2}, {809, 2}, {810, 3}, {829, 3}};
  for (auto [draw, want] : draws) {
    ScriptedRandom r({draw});
    EXPECT_EQ(create(PolicyId::pfrd, bs, p, "/", r).branches, Branches{want}) << draw;
    EXPECT_EQ(r.bounds, std::vector<uint64_t>{830});
  }
}

TEST(PolicyRandom, PfrdWeighsOnlyEligibleBranches) {
  FakeProbe p = everywhere(4, "/");
  std::vector<BranchFacts> bs = {branch(10), branch(500), branch(300), branch(20, 0, 100)};
  bs[1].mode = BranchMode::NC;  // out of create, so out of the sum
  ScriptedRandom r({309});
  EXPECT_EQ(create(PolicyId::pfrd, bs, p, "/", r).branches, Branches{2});
  EXPECT_EQ(r.bounds, std::vector<uint64_t>{310});  // b3 is under its minfreespace
  // Action: NC and minfreespace do not matter, RO does.
  bs[0].mode = BranchMode::RO;
  ScriptedRandom a({799});  // cum 500, 800, 820
  EXPECT_EQ(action(PolicyId::pfrd, bs, p, "/", a).branches, Branches{2});
  EXPECT_EQ(a.bounds, std::vector<uint64_t>{820});
  // Search: every existing branch.
  ScriptedRandom s({829});
  EXPECT_EQ(search(PolicyId::eppfrd, bs, p, "/", s).branches, Branches{3});
  EXPECT_EQ(s.bounds, std::vector<uint64_t>{830});
}

TEST(PolicyRandom, EppfrdNeedsThePath) {
  FakeProbe p;
  p.add(1, "/d").add(3, "/d");
  const std::vector<BranchFacts> bs = {branch(10), branch(500), branch(300), branch(20)};
  ScriptedRandom r({505});
  EXPECT_EQ(create(PolicyId::eppfrd, bs, p, "/d", r).branches, Branches{3});
  EXPECT_EQ(r.bounds, std::vector<uint64_t>{520});
}

TEST(PolicyRandom, ZeroAvailBranchIsNeverPicked) {
  const FakeProbe p = everywhere(3, "/");
  const std::vector<BranchFacts> bs = {branch(0), branch(100), branch(0)};
  for (uint64_t d : {0ULL, 50ULL, 99ULL}) {
    ScriptedRandom r({d});
    EXPECT_EQ(create(PolicyId::pfrd, bs, p, "/", r).branches, Branches{1});
  }
}

TEST(PolicyRandom, AllZeroAvailFallsBackToAUniformPick) {
  const FakeProbe p = everywhere(3, "/");
  const std::vector<BranchFacts> bs = {branch(0), branch(0), branch(0)};
  ScriptedRandom r({2});
  const Pick pick = create(PolicyId::pfrd, bs, p, "/", r);
  EXPECT_EQ(pick.err, 0);
  EXPECT_EQ(pick.branches, Branches{2});
  EXPECT_EQ(r.bounds, std::vector<uint64_t>{3});
}

TEST(PolicyRandom, RandPicksOneOfTheAllSet) {
  FakeProbe p;
  p.add(0, "/d").add(2, "/d");
  std::vector<BranchFacts> bs = {branch(1), branch(1), branch(1), branch(1)};
  bs[3].mode = BranchMode::RO;
  for (uint64_t d = 0; d < 3; ++d) {
    ScriptedRandom r({d});
    EXPECT_EQ(create(PolicyId::rand, bs, p, "/d", r).branches, Branches{d});  // all create: {0,1,2}
    EXPECT_EQ(r.bounds, std::vector<uint64_t>{3});
  }
  const Branches ep = {0, 2};
  for (uint64_t d = 0; d < 2; ++d) {
    ScriptedRandom r({d});
    EXPECT_EQ(create(PolicyId::eprand, bs, p, "/d", r).branches, Branches{ep[d]});
    ScriptedRandom a({d});
    EXPECT_EQ(action(PolicyId::rand, bs, p, "/d", a).branches, Branches{ep[d]});
    EXPECT_EQ(a.bounds, std::vector<uint64_t>{2});
    ScriptedRandom s({d});
    EXPECT_EQ(search(PolicyId::eprand, bs, p, "/d", s).branches, Branches{ep[d]});
  }
  ScriptedRandom r;
  EXPECT_EQ(create(PolicyId::rand, {bs[3]}, p, "/d", r).err, -EROFS);
  EXPECT_TRUE(r.bounds.empty()) << "no draw when nothing qualifies";
}

TEST(PolicyRandom, DefaultRandomStaysInBounds) {
  Random& r = default_random();
  EXPECT_EQ(r.below(0), 0u);
  EXPECT_EQ(r.below(1), 0u);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(r.below(7), 7u);
}

TEST(PolicyRandom, DefaultRandomIsPerThread) {
  Random* main_rng = &default_random();
  Random* other = nullptr;
  std::thread t([&] {
    other = &default_random();
    other->below(10);
  });
  t.join();
  EXPECT_NE(main_rng, other);
}

TEST(PolicyRandom, PfrdWithDefaultRandomFollowsTheWeights) {
  const FakeProbe p = everywhere(2, "/");
  const std::vector<BranchFacts> bs = {branch(1000), branch(3000)};
  int hits1 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) hits1 += create(PolicyId::pfrd, bs, p, "/", default_random()).branches.at(0) == 1;
  // Expect 75%; five sigma is about 1.5%.
  EXPECT_NEAR(static_cast<double>(hits1) / n, 0.75, 0.02);
}

}  // namespace
}  // namespace mfs::policy
