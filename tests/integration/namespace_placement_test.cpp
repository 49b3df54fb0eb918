// Namespace operations seen from the branches: which branch each new object lands on (ff, NC,
// mfs/lfs and pfrd over tmpfs branches of different fill, ENOSPC when none has room).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/namespace_branch_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::nsbranches {
namespace {

// ---------------------------------------------------------------------------------------------
// Placement

TEST(NamespacePlacement, FirstFoundPutsEveryKindOnTheFirstBranch) {
  Pool pool({.branches = 3, .options = "category.create=ff"});
  for (const std::string& rel : make_every_kind(pool, "")) {
    EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{0}) << rel;
    EXPECT_TRUE(exists(pool.path(rel))) << rel;
  }
  EXPECT_EQ(lstat_of(pool.on_branch(0, "file")).st_nlink, 2u);
  EXPECT_TRUE(S_ISSOCK(lstat_of(pool.on_branch(0, "sock")).st_mode));
  EXPECT_TRUE(names_in(pool.branch(1)).empty());
  EXPECT_TRUE(names_in(pool.branch(2)).empty());
}

TEST(NamespacePlacement, NoCreateBranchIsSkipped) {
  Pool pool({.branches = 3, .options = "category.create=ff",
             .branch_suffixes = {"=NC", "=RW", "=RW"}});
  for (const std::string& rel : make_every_kind(pool, ""))
    EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{1}) << rel;
  EXPECT_TRUE(names_in(pool.branch(0)).empty());
}

TEST(NamespacePlacement, MostFreeSpaceLandsOnTheEmptiestBranch) {
  Pool pool({.branches = 3, .options = "category.create=mfs,minfreespace=1M", .tmpfs_mb = 16,
             .start = false});
  fill(pool.on_branch(0, "filler"), 10);  // ~6 MiB free
  fill(pool.on_branch(2, "filler"), 5);   // ~11 MiB free; branch 1 has ~16
  make_dirs(pool.on_branch(0, "zero_only"), 0750);
  pool.start();
  for (const std::string& rel : make_every_kind(pool, ""))
    EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{1}) << rel;
  // A new file below a directory that exists only on branch 0: mfs is not path-preserving, so
  // the file still goes to branch 1 and the directory is cloned there.
  write_file(pool.path("zero_only/new"), "x");
  EXPECT_EQ(holders(pool, 3, "zero_only/new"), std::vector<int>{1});
  EXPECT_EQ(mode_of(pool.on_branch(1, "zero_only")), 0750u);
}

TEST(NamespacePlacement, LeastFreeSpaceLandsOnTheFullestBranch) {
  Pool pool({.branches = 3, .options = "category.create=lfs,minfreespace=1M", .tmpfs_mb = 16,
             .start = false});
  fill(pool.on_branch(0, "filler"), 5);
  fill(pool.on_branch(1, "filler"), 10);  // the fullest
  pool.start();
  for (const std::string& rel : make_every_kind(pool, ""))
    EXPECT_EQ(holders(pool, 3, rel), std::vector<int>{1}) << rel;
}

TEST(NamespacePlacement, ProportionalRandomNeverPicksABranchUnderMinFreeSpace) {
  // The default create policy (pfrd) is random, but branches under minfreespace are filtered.
  Pool pool({.branches = 3, .options = "minfreespace=8M", .tmpfs_mb = 16, .start = false});
  fill(pool.on_branch(0, "filler"), 10);
  fill(pool.on_branch(2, "filler"), 10);
  pool.start();
  for (int i = 0; i < 20; ++i) {
    std::string n = "f" + std::to_string(i);
    write_file(pool.path(n), n);
    EXPECT_EQ(holders(pool, 3, n), std::vector<int>{1}) << n;
    ASSERT_EQ(::mkdir(pool.path("d" + std::to_string(i)).c_str(), 0755), 0);
    EXPECT_EQ(holders(pool, 3, "d" + std::to_string(i)), std::vector<int>{1});
  }
}

TEST(NamespacePlacement, NoBranchWithEnoughSpaceIsENOSPC) {
  Pool pool({.branches = 2, .options = "category.create=ff,minfreespace=64M", .tmpfs_mb = 16});
  Outcome o = sys([&] {
    return static_cast<long>(::open(pool.path("x").c_str(), O_CREAT | O_WRONLY, 0644));
  });
  EXPECT_EQ(o.err, ENOSPC) << describe(o);
  EXPECT_EQ(sys([&] { return static_cast<long>(::mkdir(pool.path("d").c_str(), 0755)); }).err,
            ENOSPC);
  EXPECT_EQ(sys([&] { return static_cast<long>(::symlink("x", pool.path("s").c_str())); }).err,
            ENOSPC);
}

}  // namespace
}  // namespace mfs::test::nsbranches
