// Read-only ops on the pool vs a plain directory: stat and lstat, readlink, statvfs, access.
#include <gtest/gtest.h>

#include "tests/integration/readonly_ops_fixture.hpp"

namespace mfs::test::readonly {
namespace {

TEST_P(ReadOnlyOps, StatAndLstatOfEveryNodeMatchPlainDirectory) {
  expect_same_stat("", true);
  expect_same_stat("", false);
  for (const std::string& rel : tree.visible()) {
    expect_same_stat(rel, true);
    expect_same_stat(rel, false);
  }
  // Trailing slash on a directory and a symlink to a directory.
  expect_same_stat("shared/", true);
  expect_same_stat("link_dir/", false);
  expect_same_stat("link_dir/from2", true);
}

TEST_P(ReadOnlyOps, StatShowsEachFileType) {
  struct stat st {};
  ASSERT_EQ(::lstat(P("file_a").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(::lstat(P("shared").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // branch 0's copy, not branch 1's 0700
  ASSERT_EQ(::lstat(P("link_rel").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, 6);  // strlen("file_a")
  EXPECT_EQ(st.st_uid, 4321u);
  ASSERT_EQ(::lstat(P("fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(::lstat(P("shared/fifo1").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_EQ(::stat(P("link_rel").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 22);
  ASSERT_EQ(::stat(P("hard1").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  ASSERT_EQ(::stat(P("suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  ASSERT_EQ(::stat(P("file_a").c_str(), &st), 0);
  struct stat branch {};
  ASSERT_EQ(::stat(pool.on_branch(0, "file_a").c_str(), &branch), 0);
  EXPECT_NE(st.st_mtim.tv_nsec, 0);  // nanoseconds survive the trip through the kernel
  EXPECT_EQ(st.st_mtim.tv_nsec, branch.st_mtim.tv_nsec);
  EXPECT_EQ(st.st_mtim.tv_sec, branch.st_mtim.tv_sec);
}

TEST_P(ReadOnlyOps, ReadlinkMatchesPlainDirectory) {
  for (const std::string& rel :
       Names{"link_rel", "link_x", "link_dir", "dangling", "private/link", "shared/link_up",
             "file_a", "shared", "", "fifo", "missing", "nodir/x", "file_a/x", "link_dir/from0",
             "link_dir/link_up"}) {
    auto a = do_readlink(P(rel)), b = do_readlink(L(rel));
    expect_same(a.o, b.o, "readlink " + rel);
    EXPECT_EQ(a.value, b.value) << "readlink " << rel;
  }
  EXPECT_EQ(do_readlink(P("shared/link_up")).value, "../file_a");
  EXPECT_EQ(do_readlink(P("file_a")).o.err, EINVAL);
  // A too-small buffer truncates silently.
  auto a = do_readlink(P("shared/link_up"), 3), b = do_readlink(L("shared/link_up"), 3);
  expect_same(a.o, b.o, "readlink into 3 bytes");
  EXPECT_EQ(a.value, b.value);
}

TEST_P(ReadOnlyOps, StatvfsWorksAndMatchesTheBackingFilesystem) {
  // Branches and the plain dir all live on the same filesystem: one device, counted once.
  for (const std::string& rel : Names{"", "file_a", "shared", "shared/only1/deep", "link_rel"}) {
    struct statvfs a {
    }, b{};
    Outcome oa = sys([&] { return ::statvfs(P(rel).c_str(), &a); });
    Outcome ob = sys([&] { return ::statvfs(L(rel).c_str(), &b); });
    expect_same(oa, ob, "statvfs " + rel);
    EXPECT_EQ(a.f_frsize, b.f_frsize) << rel;
    EXPECT_EQ(a.f_bsize, b.f_bsize) << rel;
    EXPECT_EQ(a.f_blocks, b.f_blocks) << rel;
    EXPECT_EQ(a.f_files, b.f_files) << rel;
    EXPECT_EQ(a.f_namemax, b.f_namemax) << rel;
    EXPECT_GT(a.f_bfree, 0u) << rel;
  }
  for (const std::string& rel : Names{"missing", "nodir/x", "file_a/x", kName256.c_str()}) {
    struct statvfs sv {};
    expect_same(sys([&] { return ::statvfs(P(rel).c_str(), &sv); }),
                sys([&] { return ::statvfs(L(rel).c_str(), &sv); }),
                "statvfs " + rel.substr(0, 30));
  }
}

TEST_P(ReadOnlyOps, AccessMatchesPlainDirectoryAsRootAndAsNobody) {
  const std::vector<std::pair<int, std::string>> masks = {{F_OK, "F_OK"},
                                                          {R_OK, "R_OK"},
                                                          {W_OK, "W_OK"},
                                                          {X_OK, "X_OK"},
                                                          {R_OK | W_OK, "R_OK|W_OK"},
                                                          {R_OK | X_OK, "R_OK|X_OK"}};
  for (bool nobody : {false, true}) {
    for (const std::string& rel :
         Names{"file_a",        "exe",      "noperm",   "secret",     "owned",  "suid",
               "fifo",          "link_rel", "dangling", "link_dir",   "shared", "private",
               "private/inner", "sticky",   "dironly1", "dironly1/f", "mixed",  "",
               "missing",       "nodir/x",  "file_a/x"}) {
      for (const auto& [mask, mname] : masks) {
        expect_same_as(nobody, "access " + rel + " " + mname,
                       [rel = rel, mask = mask](const std::string& base) {
                         return static_cast<long>(
                             ::access((rel.empty() ? base : base + "/" + rel).c_str(), mask));
                       });
      }
    }
  }
}

}  // namespace
}  // namespace mfs::test::readonly
