// Read-only ops on the pool vs a plain directory: which branch's node a name shows (files on
// later branches, a directory winning over a later file, shadowed files).
#include <gtest/gtest.h>

#include "tests/integration/readonly_ops_fixture.hpp"

namespace mfs::test::readonly {
namespace {

TEST_P(ReadOnlyOps, FileOnLaterBranchInsideMergedDirectoryIsFound) {
  // shared/ is on branches 0, 1 and 2; shared/b1file only on branch 1; shared/only1/ only on 1.
  for (const std::string& rel :
       Names{"shared/b1file", "shared/from1", "shared/from2", "shared/only1", "shared/only1/deep",
             "shared/fifo1", "shared/link_up"}) {
    expect_same_stat(rel, false);
    expect_same_stat(rel, true);
  }
  EXPECT_EQ(read_file(P("shared/b1file")), "only on branch one, under a merged dir");
  EXPECT_EQ(read_file(P("shared/only1/deep")), "deep on branch one");
  EXPECT_EQ(read_file(P("shared/link_up")), "alpha: the first file\n");  // b2 link -> b0 file
  struct stat st {};
  ASSERT_EQ(::stat(P("shared/b1file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0604u);
  ASSERT_EQ(::stat(P("shared/from1").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  expect_same_listing("shared/only1");
}

TEST_P(ReadOnlyOps, DirectoryOnFirstBranchWinsOverFileOnLaterBranch) {
  // mixed: a directory on branch 0, a file on branch 1.
  expect_same_stat("mixed", false);
  struct stat st {};
  ASSERT_EQ(::stat(P("mixed").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  expect_same_listing("mixed");
  expect_same_read("mixed", 0, 100);  // EISDIR, not branch 1's file contents
  EXPECT_EQ(read_file(P("mixed/inside")), "inside the directory");
  auto root = list_dir(P(""));
  int seen = 0;
  for (const auto& [name, type] : root.entries)
    if (name == "mixed") {
      ++seen;
      EXPECT_EQ(type, DT_DIR);
    }
  EXPECT_EQ(seen, 1);
  // And the other way round: fileshadowsdir is a file on branch 0, a directory on branch 2.
  expect_same_stat("fileshadowsdir", false);
  ASSERT_EQ(::stat(P("fileshadowsdir").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  expect_same_stat("fileshadowsdir/x", true);  // ENOTDIR
  expect_same_listing("fileshadowsdir");       // ENOTDIR
}

TEST_P(ReadOnlyOps, ShadowedFileComesFromFirstBranch) {
  expect_same_stat("dup", true);
  EXPECT_EQ(read_file(P("dup")), "first-branch");
  struct stat st {};
  ASSERT_EQ(::stat(P("dup").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 12);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

}  // namespace
}  // namespace mfs::test::readonly
