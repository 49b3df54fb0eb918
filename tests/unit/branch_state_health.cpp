// BranchState's health over a real temp directory: which syscall errors fail the branch at once
// and which only ask for a root probe (one bad file must not fail a whole branch).
#include "actors/branch/branch_state.hpp"

#include <errno.h>
#include <gtest/gtest.h>

#include "config_tmpdir.hpp"

namespace mfs {
namespace {

using config::test::TmpDir;

TEST(BranchStateHealth, FileLevelErrorsAskForAProbeAndKeepTheBranchOk) {
  TmpDir tmp;
  BranchState rt(tmp.mkdir("b"));
  ASSERT_EQ(rt.health(), BranchHealth::ok);
  for (int err : {-EIO, -ESTALE}) {
    rt.refresh_wanted.store(false);
    rt.note_error(err);
    EXPECT_EQ(rt.health(), BranchHealth::ok) << err;
    EXPECT_TRUE(rt.refresh_wanted.load()) << err;
  }
  EXPECT_EQ(rt.counters.errors.load(), 2u);
}

TEST(BranchStateHealth, BranchLevelErrorsFailItAtOnce) {
  for (int err : {-ENOTCONN, -ENODEV}) {
    TmpDir tmp;
    BranchState rt(tmp.mkdir("b"));
    rt.note_error(err);
    EXPECT_EQ(rt.health(), BranchHealth::failed) << err;
    EXPECT_EQ(rt.counters.errors.load(), 1u) << err;
  }
}

TEST(BranchStateHealth, OrdinaryErrorsChangeNothingAndSpaceErrorsAskForARefresh) {
  TmpDir tmp;
  BranchState rt(tmp.mkdir("b"));
  for (int err : {-ENOENT, -EACCES, -EEXIST, -ENOTEMPTY}) rt.note_error(err);
  EXPECT_EQ(rt.health(), BranchHealth::ok);
  EXPECT_FALSE(rt.refresh_wanted.load());
  EXPECT_EQ(rt.counters.errors.load(), 0u);
  rt.note_error(-ENOSPC);
  EXPECT_TRUE(rt.refresh_wanted.load());
  EXPECT_EQ(rt.health(), BranchHealth::ok);
  EXPECT_EQ(rt.counters.errors.load(), 0u);
}

// A branch that did not answer at start-up: nothing opened, failed; the probe's refresh opens it.
TEST(BranchStateHealth, NotOpenedBranchIsFailedUntilARefreshOpensIt) {
  TmpDir tmp;
  BranchState rt(tmp.mkdir("b"), BranchState::NotOpened{});
  EXPECT_EQ(rt.health(), BranchHealth::failed);
  EXPECT_LT(rt.root_fd(), 0);
  EXPECT_FALSE(rt.statvfs_ok());
  ASSERT_EQ(rt.refresh_space(), 0);
  EXPECT_GE(rt.root_fd(), 0);
  EXPECT_TRUE(rt.statvfs_ok());
}

}  // namespace
}  // namespace mfs
