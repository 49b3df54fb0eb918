// Policy option minfreespace, global and per branch (=RW,SIZE): create skips a branch below its
// floor (FEATURES.md §1.2, §1.3, §2.3).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/integration/options_policy_cases.hpp"
#include "tests/integration/options_policy_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::policyopts {
namespace {

// ---------------------------------------------------------------------------------------------
// minfreespace (§1.2, §1.3, §2.3): create skips a branch whose free space is below its floor;
// the floor is the global value unless the branch gives its own (`=RW,SIZE`), and a branch
// without its own tracks the global value live.
//
// Two 16 MiB tmpfs branches with create=ff; branch 0 holds 10 MiB (about 6 MiB free), branch 1
// is empty.

Outcome create_outcome(const Pool& p, const std::string& rel) {
  return sys([&] { return make_file(p.path(rel)); });
}

TEST(OptionMinFreeSpace, BranchWithLessFreeSpaceIsSkippedByCreate) {
  for (const auto& [floor, branch] : std::map<std::string, int>{{"1M", 0}, {"8M", 1}}) {
    SCOPED_TRACE("minfreespace=" + floor);
    Pool p({.branches = 2, .options = "category.create=ff,minfreespace=" + floor, .tmpfs_mb = 16,
            .start = false});
    fill(p.on_branch(0, "filler"), 10);
    p.start();
    EXPECT_EQ(create_outcome(p, "file"), ok());
    EXPECT_EQ(holders(p, 2, "file"), std::vector<int>{branch});
    EXPECT_EQ(sys([&] { return make_dir(p.path("dir")); }), ok());
    EXPECT_EQ(holders(p, 2, "dir"), std::vector<int>{branch});
    if (floor != "8M") continue;
    // Above every branch's free space: no branch qualifies, ENOSPC (§2.3).
    ASSERT_EQ(ctl_set(p, "minfreespace", "32M"), 0) << std::strerror(errno);
    EXPECT_EQ(create_outcome(p, "file2"), (Outcome{-1, ENOSPC}));
    EXPECT_EQ(sys([&] { return make_dir(p.path("dir2")); }), (Outcome{-1, ENOSPC}));
    EXPECT_TRUE(holders(p, 2, "file2").empty());
  }
}

TEST(OptionMinFreeSpace, PerBranchValueOverridesTheGlobalOne) {
  {
    // Global 8M would skip branch 0 (previous test); its own 1M lets it take the create, and
    // keeps doing so when the global floor rises past every branch.
    Pool p({.branches = 2, .options = "category.create=ff,minfreespace=8M", .tmpfs_mb = 16,
            .branch_suffixes = {"=RW,1M", ""}, .start = false});
    fill(p.on_branch(0, "filler"), 10);
    p.start();
    EXPECT_EQ(create_outcome(p, "a"), ok());
    EXPECT_EQ(holders(p, 2, "a"), std::vector<int>{0});
    ASSERT_EQ(ctl_set(p, "minfreespace", "32M"), 0) << std::strerror(errno);
    EXPECT_EQ(create_outcome(p, "b"), ok());
    EXPECT_EQ(holders(p, 2, "b"), std::vector<int>{0});
  }
  {
    // Global 1M would let branch 0 take it; its own 8M skips it.
    Pool p({.branches = 2, .options = "category.create=ff,minfreespace=1M", .tmpfs_mb = 16,
            .branch_suffixes = {"=RW,8M", ""}, .start = false});
    fill(p.on_branch(0, "filler"), 10);
    p.start();
    EXPECT_EQ(create_outcome(p, "a"), ok());
    EXPECT_EQ(holders(p, 2, "a"), std::vector<int>{1});
  }
}

}  // namespace
}  // namespace mfs::test::policyopts
