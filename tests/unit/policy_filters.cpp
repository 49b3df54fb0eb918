// The §2.3 filters (mode, statvfs, read-only mount, minfreespace, path, health) and error precedence.
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
using testing::with_mode;

BranchFacts statvfs_failed(BranchFacts b) {
  b.statvfs_ok = false;
  return b;
}
BranchFacts ro_mount(BranchFacts b) {
  b.readonly_fs = true;
  return b;
}
BranchFacts unhealthy(BranchFacts b) {
  b.healthy = false;
  return b;
}
FakeProbe everywhere(size_t n, const std::string& path) {
  FakeProbe p;
  for (size_t i = 0; i < n; ++i) p.add(i, path);
  return p;
}

class PolicyFilters : public ::testing::Test {
 protected:
  ScriptedRandom rnd;
};

// --- create ---------------------------------------------------------------------------------

TEST_F(PolicyFilters, CreateSkipsRoAndNcModesWithErofs) {
  const FakeProbe p = everywhere(3, "/");
  const std::vector<BranchFacts> bs = {with_mode(branch(900), BranchMode::RO),
                                       with_mode(branch(800), BranchMode::NC), branch(10)};
  EXPECT_EQ(create(PolicyId::ff, bs, p, "/", rnd).branches, Branches{2});
  EXPECT_EQ(create(PolicyId::mfs, bs, p, "/", rnd).branches, Branches{2});
  EXPECT_EQ(create(PolicyId::all, bs, p, "/", rnd).branches, Branches{2});
  const std::vector<BranchFacts> only = {bs[0], bs[1]};
  EXPECT_EQ(create(PolicyId::ff, only, p, "/", rnd).err, -EROFS);
  EXPECT_EQ(create(PolicyId::epmfs, only, p, "/", rnd).err, -EROFS);
}

TEST_F(PolicyFilters, CreateSkipsFailedStatvfsWithEnoent) {
  const FakeProbe p = everywhere(2, "/");
  const std::vector<BranchFacts> bs = {statvfs_failed(branch(900)), branch(10)};
  EXPECT_EQ(create(PolicyId::mfs, bs, p, "/", rnd).branches, Branches{1});
  const Pick none = create(PolicyId::ff, {bs[0]}, p, "/", rnd);
  EXPECT_EQ(none.err, -ENOENT);
  EXPECT_TRUE(none.branches.empty());
}

TEST_F(PolicyFilters, CreateSkipsReadonlyMountWithErofs) {
  const FakeProbe p = everywhere(2, "/");
  const std::vector<BranchFacts> bs = {ro_mount(branch(900)), branch(10)};
  EXPECT_EQ(create(PolicyId::ff, bs, p, "/", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::pfrd, {bs[0]}, p, "/", rnd).err, -EROFS);
}

TEST_F(PolicyFilters, CreateSkipsBranchesBelowTheirOwnMinfreespaceWithEnospc) {
  const FakeProbe p = everywhere(3, "/");
  // Per-branch floors differ: the caller resolves global vs override into each BranchFacts.
  const std::vector<BranchFacts> bs = {branch(100, 0, 200), branch(100, 0, 50), branch(1000, 0, 2000)};
  EXPECT_EQ(create(PolicyId::ff, bs, p, "/", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::mfs, bs, p, "/", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::all, bs, p, "/", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::mfs, {bs[0], bs[2]}, p, "/", rnd).err, -ENOSPC);
}

TEST_F(PolicyFilters, CreateMinfreespaceIsAStrictFloor) {
  const FakeProbe p = everywhere(1, "/");
  EXPECT_EQ(create(PolicyId::ff, {branch(100, 0, 100)}, p, "/", rnd).branches, Branches{0});
  EXPECT_EQ(create(PolicyId::ff, {branch(99, 0, 100)}, p, "/", rnd).err, -ENOSPC);
}

TEST_F(PolicyFilters, GlobalMinfreespaceAppliedToEveryBranch) {
  const FakeProbe p = everywhere(3, "/");
  const uint64_t global = 4ULL << 30;  // mergerfs's 4G default
  const std::vector<BranchFacts> bs = {branch(1ULL << 30, 0, global), branch(5ULL << 30, 0, global),
                                       branch(3ULL << 30, 0, global)};
  EXPECT_EQ(create(PolicyId::lfs, bs, p, "/", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::all, bs, p, "/", rnd).branches, Branches{1});
}

TEST_F(PolicyFilters, EpCreateNeedsTheParentPathNonEpDoesNot) {
  FakeProbe p;
  p.add(1, "/dir");
  const std::vector<BranchFacts> bs = {branch(900), branch(10)};
  EXPECT_EQ(create(PolicyId::epff, bs, p, "/dir", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::epmfs, bs, p, "/dir", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::epall, bs, p, "/dir", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::ff, bs, p, "/dir", rnd).branches, Branches{0});
  EXPECT_EQ(create(PolicyId::mfs, bs, p, "/dir", rnd).branches, Branches{0});
  EXPECT_EQ(create(PolicyId::epff, bs, p, "/other", rnd).err, -ENOENT);
}

TEST_F(PolicyFilters, CreateSkipsUnhealthyAsEnoentWithoutProbing) {
  FakeProbe p = everywhere(2, "/");
  const std::vector<BranchFacts> bs = {unhealthy(branch(900)), branch(10)};
  EXPECT_EQ(create(PolicyId::epmfs, bs, p, "/", rnd).branches, Branches{1});
  EXPECT_FALSE(p.probed(0));
  EXPECT_EQ(create(PolicyId::mfs, bs, p, "/", rnd).branches, Branches{1});
  EXPECT_EQ(create(PolicyId::ff, {bs[0]}, p, "/", rnd).err, -ENOENT);
  // Unhealthy does not mask a stronger error elsewhere.
  EXPECT_EQ(create(PolicyId::ff, {bs[0], branch(1, 0, 5)}, p, "/", rnd).err, -ENOSPC);
}

// --- action ---------------------------------------------------------------------------------

TEST_F(PolicyFilters, ActionSkipsRoButKeepsNc) {
  const FakeProbe p = everywhere(3, "/f");
  const std::vector<BranchFacts> bs = {with_mode(branch(1), BranchMode::RO), with_mode(branch(1), BranchMode::NC),
                                       branch(1)};
  EXPECT_EQ(action(PolicyId::epall, bs, p, "/f", rnd).branches, (Branches{1, 2}));
  EXPECT_EQ(action(PolicyId::epff, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::epall, {bs[0]}, p, "/f", rnd).err, -EROFS);
}

TEST_F(PolicyFilters, ActionNeedsThePathEvenForNonEpNames) {
  FakeProbe p;
  p.add(1, "/f");
  const std::vector<BranchFacts> bs = {branch(900), branch(10)};
  EXPECT_EQ(action(PolicyId::ff, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::all, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::mfs, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::lup, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(action(PolicyId::ff, bs, p, "/g", rnd).err, -ENOENT);
}

TEST_F(PolicyFilters, ActionSkipsFailedStatvfsAsEnoentAndReadonlyMountAsErofs) {
  const FakeProbe p = everywhere(3, "/f");
  const std::vector<BranchFacts> bs = {statvfs_failed(branch(1)), ro_mount(branch(1)), branch(1)};
  EXPECT_EQ(action(PolicyId::epall, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(action(PolicyId::epall, {bs[0]}, p, "/f", rnd).err, -ENOENT);
  EXPECT_EQ(action(PolicyId::epall, {bs[1]}, p, "/f", rnd).err, -EROFS);
  EXPECT_EQ(action(PolicyId::epall, {bs[0], bs[1]}, p, "/f", rnd).err, -EROFS);
}

TEST_F(PolicyFilters, ActionIgnoresMinfreespace) {
  const FakeProbe p = everywhere(2, "/f");
  const std::vector<BranchFacts> bs = {branch(0, 100, 1000), branch(5, 100, 1000)};
  EXPECT_EQ(action(PolicyId::epall, bs, p, "/f", rnd).branches, (Branches{0, 1}));
  EXPECT_EQ(action(PolicyId::epmfs, bs, p, "/f", rnd).branches, Branches{1});
}

// A copy on a healthy branch is acted on, whatever an unhealthy branch before it may hold.
TEST_F(PolicyFilters, ActionSkipsUnhealthyBranchesWithoutProbing) {
  FakeProbe p = everywhere(2, "/f");
  const std::vector<BranchFacts> bs = {unhealthy(branch(1)), branch(1)};
  for (PolicyId id : {PolicyId::epall, PolicyId::epff, PolicyId::all, PolicyId::ff, PolicyId::epmfs}) {
    const Pick pick = action(id, bs, p, "/f", rnd);
    EXPECT_EQ(pick.err, 0) << to_string(id);
    EXPECT_EQ(pick.branches, Branches{1}) << to_string(id);
  }
  EXPECT_FALSE(p.probed(0));
}

// Where the only copies may be on an unhealthy branch, the answer is EIO, not ENOENT.
TEST_F(PolicyFilters, ActionWhoseOnlyCopiesMayBeOnUnhealthyBranchesAnswersEio) {
  FakeProbe p;
  p.add(0, "/f");  // on the unhealthy branch only (not probed: unknown to the pool)
  const std::vector<BranchFacts> bs = {unhealthy(branch(1)), branch(1), branch(1)};
  for (PolicyId id : {PolicyId::epall, PolicyId::epff, PolicyId::all, PolicyId::ff, PolicyId::newest}) {
    const Pick pick = action(id, bs, p, "/f", rnd);
    EXPECT_EQ(pick.err, -EIO) << to_string(id);
    EXPECT_TRUE(pick.branches.empty()) << to_string(id);
  }
  EXPECT_FALSE(p.probed(0));
  // Order-independent: EIO outranks ENOENT wherever the unhealthy branch is.
  EXPECT_EQ(action(PolicyId::epff, {bs[1], bs[0]}, p, "/g", rnd).err, -EIO);
  EXPECT_EQ(action(PolicyId::epff, {unhealthy(branch(1))}, p, "/f", rnd).err, -EIO);
  // A read-only branch still answers EROFS first (mergerfs' precedence), and a pool with no
  // unhealthy branch still answers ENOENT.
  EXPECT_EQ(action(PolicyId::epff, {with_mode(branch(1), BranchMode::RO), bs[0]}, p, "/f", rnd).err,
            -EROFS);
  EXPECT_EQ(action(PolicyId::epff, {bs[1], bs[2]}, p, "/g", rnd).err, -ENOENT);
}

// --- search ---------------------------------------------------------------------------------

TEST_F(PolicyFilters, SearchIgnoresModeReadonlyAndMinfreespace) {
  const FakeProbe p = everywhere(3, "/f");
  const std::vector<BranchFacts> bs = {with_mode(branch(1), BranchMode::RO), ro_mount(branch(1, 0, 100)),
                                       with_mode(branch(1), BranchMode::NC)};
  EXPECT_EQ(search(PolicyId::ff, bs, p, "/f", rnd).branches, Branches{0});
  EXPECT_EQ(search(PolicyId::epall, bs, p, "/f", rnd).branches, (Branches{0, 1, 2}));
}

TEST_F(PolicyFilters, SearchNeedsOnlyExistence) {
  FakeProbe p;
  p.add(2, "/f");
  const std::vector<BranchFacts> bs = {branch(1), branch(1), branch(1)};
  EXPECT_EQ(search(PolicyId::ff, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(search(PolicyId::all, bs, p, "/f", rnd).branches, Branches{2});
  EXPECT_EQ(search(PolicyId::ff, bs, p, "/nope", rnd).err, -ENOENT);
}

// ff takes the first branch that has the path: the branches after it are never probed, so a
// hung later branch cannot delay a name the first one holds.
TEST_F(PolicyFilters, FirstFoundSearchStopsAtItsFirstHit) {
  FakeProbe p;
  p.add(1, "/f").add(2, "/f");
  const std::vector<BranchFacts> bs = {branch(1), branch(1), branch(1)};
  EXPECT_EQ(search(PolicyId::ff, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_TRUE(p.probed(0));
  EXPECT_TRUE(p.probed(1));
  EXPECT_FALSE(p.probed(2));
  FakeProbe q;
  q.add(1, "/f").add(2, "/f");
  EXPECT_EQ(search(PolicyId::all, bs, q, "/f", rnd).branches, (Branches{1, 2}));
  EXPECT_TRUE(q.probed(2));
}

TEST_F(PolicyFilters, SpaceBasedSearchSkipsFailedStatvfsOthersDoNot) {
  FakeProbe p;
  p.add(0, "/f", 100).add(1, "/f", 50);
  const std::vector<BranchFacts> bs = {statvfs_failed(branch(900, 10)), branch(10, 500)};
  for (PolicyId id : {PolicyId::mfs, PolicyId::epmfs, PolicyId::lfs, PolicyId::eplfs, PolicyId::lus,
                      PolicyId::eplus, PolicyId::lup, PolicyId::pfrd, PolicyId::eppfrd, PolicyId::mspmfs,
                      PolicyId::msplfs, PolicyId::msplus, PolicyId::msppfrd})
    EXPECT_EQ(search(id, bs, p, "/f", rnd).branches, Branches{1}) << to_string(id);
  EXPECT_EQ(search(PolicyId::ff, bs, p, "/f", rnd).branches, Branches{0});
  EXPECT_EQ(search(PolicyId::epall, bs, p, "/f", rnd).branches, (Branches{0, 1}));
  EXPECT_EQ(search(PolicyId::newest, bs, p, "/f", rnd).branches, Branches{0});
  EXPECT_EQ(search(PolicyId::epmfs, {bs[0]}, p, "/f", rnd).err, -ENOENT);
}

TEST_F(PolicyFilters, SearchSkipsUnhealthyWithoutProbing) {
  FakeProbe p = everywhere(2, "/f");
  const std::vector<BranchFacts> bs = {unhealthy(branch(1)), branch(1)};
  EXPECT_EQ(search(PolicyId::ff, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_EQ(search(PolicyId::epall, bs, p, "/f", rnd).branches, Branches{1});
  EXPECT_FALSE(p.probed(0));
  EXPECT_EQ(search(PolicyId::ff, {bs[0]}, p, "/f", rnd).err, -ENOENT);
}

// --- error precedence: EROFS > ENOSPC > ENOENT, whatever the branch order ----------------------

TEST_F(PolicyFilters, CreateErrorPrecedenceIsOrderIndependent) {
  const FakeProbe p = everywhere(3, "/");
  const BranchFacts rofs = with_mode(branch(100), BranchMode::RO);
  const BranchFacts full = branch(1, 0, 10);
  const BranchFacts gone = statvfs_failed(branch(100));
  for (PolicyId id : {PolicyId::ff, PolicyId::mfs, PolicyId::lus, PolicyId::lup, PolicyId::pfrd,
                      PolicyId::all, PolicyId::rand, PolicyId::epmfs, PolicyId::newest}) {
    SCOPED_TRACE(std::string(to_string(id)));
    EXPECT_EQ(create(id, {gone, full, rofs}, p, "/", rnd).err, -EROFS);
    EXPECT_EQ(create(id, {rofs, full, gone}, p, "/", rnd).err, -EROFS);
    EXPECT_EQ(create(id, {gone, full}, p, "/", rnd).err, -ENOSPC);
    EXPECT_EQ(create(id, {full, gone}, p, "/", rnd).err, -ENOSPC);
    EXPECT_EQ(create(id, {gone, gone}, p, "/", rnd).err, -ENOENT);
    EXPECT_EQ(create(id, {ro_mount(branch(100)), full}, p, "/", rnd).err, -EROFS);
  }
}

TEST_F(PolicyFilters, EachBranchContributesTheErrorOfItsFirstFailingFilter) {
  FakeProbe p;
  p.add(1, "/d");
  // RO mode is checked before the path: a missing path on an RO branch still says EROFS.
  EXPECT_EQ(create(PolicyId::epmfs, {with_mode(branch(100), BranchMode::RO)}, p, "/d", rnd).err, -EROFS);
  // The path is checked before the mount flags and space: missing + read-only mount says ENOENT.
  EXPECT_EQ(create(PolicyId::epmfs, {ro_mount(branch(100))}, p, "/d", rnd).err, -ENOENT);
  EXPECT_EQ(create(PolicyId::epmfs, {branch(1, 0, 10)}, p, "/d", rnd).err, -ENOENT);
  // A read-only mount is checked before space.
  FakeProbe root = everywhere(1, "/");
  EXPECT_EQ(create(PolicyId::ff, {ro_mount(branch(1, 0, 10))}, root, "/", rnd).err, -EROFS);
  // A failed statvfs hides the (unknown) read-only flag: ENOENT.
  EXPECT_EQ(create(PolicyId::ff, {ro_mount(statvfs_failed(branch(1)))}, root, "/", rnd).err, -ENOENT);
}

TEST_F(PolicyFilters, ActionErrorPrecedence) {
  FakeProbe p;
  p.add(1, "/f").add(2, "/f");
  const std::vector<BranchFacts> bs = {branch(1), statvfs_failed(branch(1)), ro_mount(branch(1))};
  EXPECT_EQ(action(PolicyId::epall, bs, p, "/f", rnd).err, -EROFS);
  EXPECT_EQ(action(PolicyId::epall, {bs[0], bs[1]}, p, "/f", rnd).err, -ENOENT);
  // RO mode wins even where the path is missing.
  EXPECT_EQ(action(PolicyId::epall, {with_mode(branch(1), BranchMode::RO), bs[1]}, p, "/f", rnd).err, -EROFS);
}

}  // namespace
}  // namespace mfs::policy
