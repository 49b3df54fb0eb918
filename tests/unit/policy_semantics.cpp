// Every one of the 21 policies in create, action and search form over one reference pool.
#include <gtest/gtest.h>

#include <cerrno>
#include <set>

#include "policy/policy.hpp"
#include "policy_fakes.hpp"

namespace mfs::policy {
namespace {
using testing::Branches;
using testing::FakeProbe;
using testing::ScriptedRandom;

// Reference pool (all RW, minfreespace 0). "/d" exists on 0, 2, 3 but not on 1.
//   b0: avail 10,  used 900  (98.9% used), mtime 10
//   b1: avail 500, used 1500 (75% used),   missing
//   b2: avail 300, used 300  (50% used),   mtime 30
//   b3: avail 20,  used 60   (75% used),   mtime 20
// Chosen so that mfs/lfs/lus/lup and their ep variants all pick different branches.
std::vector<BranchFacts> pool() {
  return {testing::branch(10, 900), testing::branch(500, 1500), testing::branch(300, 300),
          testing::branch(20, 60)};
}
FakeProbe probe() {
  FakeProbe p;
  p.add(0, "/d", 10).add(2, "/d", 30).add(3, "/d", 20);
  return p;
}

struct Case {
  PolicyId id;
  uint64_t draw;  // what the scripted Random returns (used by random policies only)
  int err;
  Branches want;
};

void check(Category cat, const std::vector<Case>& cases) {
  std::set<PolicyId> seen;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(to_string(c.id)) + " " + std::string(to_string(cat)));
    seen.insert(c.id);
    ScriptedRandom rnd({c.draw});
    const Pick p = run(cat, c.id, pool(), probe(), "/d", rnd);
    EXPECT_EQ(p.err, c.err);
    EXPECT_EQ(p.branches, c.want);
  }
  EXPECT_EQ(seen.size(), kPolicyCount) << "every policy must be covered";
}

TEST(PolicySemantics, CreateEveryPolicy) {
  check(Category::create,
        {
            {PolicyId::all, 0, 0, {0, 1, 2, 3}},
            {PolicyId::epall, 0, 0, {0, 2, 3}},
            {PolicyId::epff, 0, 0, {0}},
            {PolicyId::eplfs, 0, 0, {0}},
            {PolicyId::eplus, 0, 0, {3}},
            {PolicyId::epmfs, 0, 0, {2}},
            {PolicyId::eppfrd, 309, 0, {2}},  // ep sum 330: cum 10,310,330
            {PolicyId::eprand, 2, 0, {3}},    // {0,2,3}[2]
            {PolicyId::erofs, 0, -EROFS, {}},
            {PolicyId::ff, 0, 0, {0}},
            {PolicyId::lfs, 0, 0, {0}},
            {PolicyId::lus, 0, 0, {3}},
            {PolicyId::lup, 0, 0, {2}},
            {PolicyId::mfs, 0, 0, {1}},
            {PolicyId::msplfs, 0, 0, {0}},
            {PolicyId::msplus, 0, 0, {3}},
            {PolicyId::mspmfs, 0, 0, {2}},
            {PolicyId::msppfrd, 10, 0, {2}},
            {PolicyId::newest, 0, 0, {2}},
            {PolicyId::pfrd, 509, 0, {1}},  // sum 830: cum 10,510,810,830
            {PolicyId::rand, 1, 0, {1}},    // {0,1,2,3}[1]
        });
}

TEST(PolicySemantics, ActionEveryPolicy) {
  check(Category::action,
        {
            {PolicyId::all, 0, 0, {0, 2, 3}},
            {PolicyId::epall, 0, 0, {0, 2, 3}},
            {PolicyId::epff, 0, 0, {0}},
            {PolicyId::eplfs, 0, 0, {0}},
            {PolicyId::eplus, 0, 0, {3}},
            {PolicyId::epmfs, 0, 0, {2}},
            {PolicyId::eppfrd, 310, 0, {3}},
            {PolicyId::eprand, 1, 0, {2}},
            {PolicyId::erofs, 0, -EROFS, {}},
            {PolicyId::ff, 0, 0, {0}},
            {PolicyId::lfs, 0, 0, {0}},
            {PolicyId::lus, 0, 0, {3}},
            {PolicyId::lup, 0, 0, {2}},  // ep-style: b1 (missing) is not a candidate
            {PolicyId::mfs, 0, 0, {2}},  // = epmfs: b1 has more space but lacks the path
            {PolicyId::msplfs, 0, 0, {0}},
            {PolicyId::msplus, 0, 0, {3}},
            {PolicyId::mspmfs, 0, 0, {2}},
            {PolicyId::msppfrd, 9, 0, {0}},
            {PolicyId::newest, 0, 0, {2}},
            {PolicyId::pfrd, 10, 0, {2}},  // = eppfrd over {0,2,3}
            {PolicyId::rand, 0, 0, {0}},   // = epall then random
        });
}

TEST(PolicySemantics, SearchEveryPolicy) {
  check(Category::search,
        {
            {PolicyId::all, 0, 0, {0, 2, 3}},
            {PolicyId::epall, 0, 0, {0, 2, 3}},
            {PolicyId::epff, 0, 0, {0}},
            {PolicyId::eplfs, 0, 0, {0}},
            {PolicyId::eplus, 0, 0, {3}},
            {PolicyId::epmfs, 0, 0, {2}},
            {PolicyId::eppfrd, 329, 0, {3}},
            {PolicyId::eprand, 0, 0, {0}},
            {PolicyId::erofs, 0, -EROFS, {}},
            {PolicyId::ff, 0, 0, {0}},
            {PolicyId::lfs, 0, 0, {0}},
            {PolicyId::lus, 0, 0, {3}},
            {PolicyId::lup, 0, 0, {2}},
            {PolicyId::mfs, 0, 0, {2}},
            {PolicyId::msplfs, 0, 0, {0}},
            {PolicyId::msplus, 0, 0, {3}},
            {PolicyId::mspmfs, 0, 0, {2}},
            {PolicyId::msppfrd, 100, 0, {2}},
            {PolicyId::newest, 0, 0, {2}},
            {PolicyId::pfrd, 0, 0, {0}},
            {PolicyId::rand, 2, 0, {3}},
        });
}

TEST(PolicySemantics, NothingExistsAnswersEnoentExceptErofs) {
  const FakeProbe empty;
  for (size_t i = 0; i < kPolicyCount; ++i) {
    const auto id = static_cast<PolicyId>(i);
    SCOPED_TRACE(std::string(to_string(id)));
    ScriptedRandom rnd;
    const int want = id == PolicyId::erofs ? -EROFS : -ENOENT;
    EXPECT_EQ(action(id, pool(), empty, "/x", rnd).err, want);
    EXPECT_EQ(search(id, pool(), empty, "/x", rnd).err, want);
    const Pick c = create(id, pool(), empty, "/x", rnd);
    // Only the path-free create policies still find a branch when "/x" exists nowhere; msp*
    // walk up to "/", which the fake says exists nowhere either.
    const bool path_free = id == PolicyId::all || id == PolicyId::ff || id == PolicyId::lfs ||
                           id == PolicyId::lus || id == PolicyId::lup || id == PolicyId::mfs ||
                           id == PolicyId::pfrd || id == PolicyId::rand;
    EXPECT_EQ(c.err, path_free ? 0 : want);
    EXPECT_EQ(c.branches.empty(), !path_free);
  }
}

TEST(PolicySemantics, EmptyPoolIsEnoent) {
  const FakeProbe p;
  ScriptedRandom rnd;
  for (size_t i = 0; i < kPolicyCount; ++i) {
    const auto id = static_cast<PolicyId>(i);
    const int want = id == PolicyId::erofs ? -EROFS : -ENOENT;
    EXPECT_EQ(create(id, {}, p, "/", rnd).err, want) << to_string(id);
    EXPECT_EQ(action(id, {}, p, "/", rnd).err, want) << to_string(id);
    EXPECT_EQ(search(id, {}, p, "/", rnd).err, want) << to_string(id);
  }
}

TEST(PolicySemantics, PathPreservingIsExactlyEpAndMsp) {
  const std::set<PolicyId> pp = {PolicyId::epall, PolicyId::epff, PolicyId::eplfs, PolicyId::eplus,
                                 PolicyId::epmfs, PolicyId::eppfrd, PolicyId::eprand, PolicyId::msplfs,
                                 PolicyId::msplus, PolicyId::mspmfs, PolicyId::msppfrd};
  for (size_t i = 0; i < kPolicyCount; ++i) {
    const auto id = static_cast<PolicyId>(i);
    EXPECT_EQ(path_preserving(id), pp.count(id) == 1) << to_string(id);
  }
  EXPECT_FALSE(path_preserving(PolicyId::lup));
  EXPECT_FALSE(path_preserving(PolicyId::newest));
  EXPECT_FALSE(path_preserving(PolicyId::pfrd));
}

TEST(PolicySemantics, RunDispatchesByCategory) {
  ScriptedRandom rnd;
  EXPECT_EQ(run(Category::create, PolicyId::mfs, pool(), probe(), "/d", rnd).branches, Branches{1});
  EXPECT_EQ(run(Category::action, PolicyId::mfs, pool(), probe(), "/d", rnd).branches, Branches{2});
  EXPECT_EQ(run(Category::search, PolicyId::mfs, pool(), probe(), "/d", rnd).branches, Branches{2});
}

}  // namespace
}  // namespace mfs::policy
