// Namespace operations seen from the branches: rename and link in path-preserving and
// create-path mode, rename flags, and a directory renamed while files below it are open.
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
// rename and link across branches

TEST(NamespaceRename, FlagsWithTheTargetOnAnotherBranch) {
  Pool pool({.branches = 3, .start = false});
  write_file(pool.on_branch(0, "s"), "source");
  write_file(pool.on_branch(2, "t"), "target");
  pool.start();
  Outcome o = sys([&] { return rename2(pool.path("s"), pool.path("t"), RENAME_NOREPLACE); });
  EXPECT_EQ(o.err, EEXIST) << describe(o);
  o = sys([&] { return rename2(pool.path("s"), pool.path("t"), RENAME_EXCHANGE); });
  EXPECT_EQ(o.err, EINVAL) << describe(o);
  EXPECT_EQ(read_file(pool.path("s")), "source");
  EXPECT_EQ(read_file(pool.path("t")), "target");
  o = sys([&] { return rename2(pool.path("s"), pool.path("u"), RENAME_NOREPLACE); });
  EXPECT_EQ(o.err, 0) << describe(o);
  EXPECT_EQ(holders(pool, 3, "u"), std::vector<int>{0});
  EXPECT_TRUE(holders(pool, 3, "s").empty());
}

TEST(NamespaceRename, EveryCopyIsRenamedAndTheTargetReplacedOnEveryBranch) {
  Pool pool({.branches = 3, .start = false});
  write_file(pool.on_branch(0, "multi"), "m0");
  write_file(pool.on_branch(2, "multi"), "m2");
  write_file(pool.on_branch(0, "src"), "S");
  write_file(pool.on_branch(1, "tgt"), "T");  // the target lives on another branch
  make_dirs(pool.on_branch(0, "sd"));
  write_file(pool.on_branch(0, "sd/x"), "x");
  make_dirs(pool.on_branch(0, "ed"));
  make_dirs(pool.on_branch(1, "ed"));  // an empty target dir on two branches
  make_dirs(pool.on_branch(0, "m"));
  make_dirs(pool.on_branch(1, "m"));
  write_file(pool.on_branch(0, "m/a"), "a");
  write_file(pool.on_branch(1, "m/b"), "b");
  pool.start();
  ASSERT_EQ(::rename(pool.path("multi").c_str(), pool.path("renamed").c_str()), 0);
  EXPECT_EQ(holders(pool, 3, "renamed"), (std::vector<int>{0, 2}));
  EXPECT_TRUE(holders(pool, 3, "multi").empty());
  EXPECT_EQ(read_file(pool.on_branch(2, "renamed")), "m2");

  ASSERT_EQ(::rename(pool.path("src").c_str(), pool.path("tgt").c_str()), 0);
  EXPECT_EQ(read_file(pool.path("tgt")), "S");
  EXPECT_EQ(holders(pool, 3, "tgt"), std::vector<int>{0}) << "the old target must be gone";
  EXPECT_FALSE(exists(pool.path("src")));

  ASSERT_EQ(::rename(pool.path("sd").c_str(), pool.path("ed").c_str()), 0);
  EXPECT_EQ(names_in(pool.path("ed")), std::set<std::string>{"x"});
  EXPECT_EQ(holders(pool, 3, "ed"), std::vector<int>{0});

  ASSERT_EQ(::rename(pool.path("m").c_str(), pool.path("m2").c_str()), 0);
  EXPECT_EQ(names_in(pool.path("m2")), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(holders(pool, 3, "m2"), (std::vector<int>{0, 1}));
  EXPECT_TRUE(holders(pool, 3, "m").empty());
}

// f on branch 0; dir "only1" exists only on branch 1; "both" on both.
void lay_out_cross_branch(Pool& pool) {
  write_file(pool.on_branch(0, "f"), "file on branch 0");
  write_file(pool.on_branch(0, "g"), "second file on branch 0");
  make_dirs(pool.on_branch(1, "only1"), 0750);
  ASSERT_EQ(::chown(pool.on_branch(1, "only1").c_str(), 1234, 5678), 0);
  make_dirs(pool.on_branch(0, "both"));
  make_dirs(pool.on_branch(1, "both"));
}

TEST(NamespaceRename, PathPreservingRenameToADirOnAnotherBranchIsEXDEV) {
  Pool pool({.branches = 2, .options = "category.create=epff", .start = false});
  lay_out_cross_branch(pool);
  pool.start();
  Outcome o = sys([&] { return static_cast<long>(::rename(pool.path("f").c_str(), pool.path("only1/f").c_str())); });
  EXPECT_EQ(o.err, EXDEV) << describe(o);
  EXPECT_EQ(holders(pool, 2, "f"), std::vector<int>{0});
  EXPECT_FALSE(exists(pool.on_branch(0, "only1")));
  o = sys([&] { return static_cast<long>(::link(pool.path("f").c_str(), pool.path("only1/fl").c_str())); });
  EXPECT_EQ(o.err, EXDEV) << describe(o);
  // Where the parent exists on the source's branch the rename is in place.
  ASSERT_EQ(::rename(pool.path("g").c_str(), pool.path("both/g").c_str()), 0);
  EXPECT_EQ(holders(pool, 2, "both/g"), std::vector<int>{0});
  // mv falls back to copy + unlink on EXDEV; the copy is created by the (ep) create policy.
  std::string out;
  ASSERT_EQ(run("mv '" + pool.path("f") + "' '" + pool.path("only1/") + "'", &out), 0) << out;
  EXPECT_EQ(read_file(pool.path("only1/f")), "file on branch 0");
  EXPECT_EQ(holders(pool, 2, "only1/f"), std::vector<int>{1});
  EXPECT_TRUE(holders(pool, 2, "f").empty());
}

TEST(NamespaceRename, CreatePathRenameClonesTheDestinationParent) {
  for (const std::string& options : {std::string("category.create=ff"), std::string()}) {
    SCOPED_TRACE(options.empty() ? "default create policy (pfrd)" : options);
    Pool pool({.branches = 2, .options = options, .start = false});
    lay_out_cross_branch(pool);
    pool.start();
    ASSERT_EQ(::rename(pool.path("f").c_str(), pool.path("only1/f").c_str()), 0)
        << std::strerror(errno);
    EXPECT_EQ(read_file(pool.path("only1/f")), "file on branch 0");
    EXPECT_EQ(holders(pool, 2, "only1/f"), std::vector<int>{0}) << "renamed in place";
    EXPECT_TRUE(holders(pool, 2, "f").empty());
    struct stat st = lstat_of(pool.on_branch(0, "only1"));
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
    // link: same algorithm.
    ASSERT_EQ(::link(pool.path("g").c_str(), pool.path("only1/gl").c_str()), 0)
        << std::strerror(errno);
    EXPECT_EQ(holders(pool, 2, "only1/gl"), std::vector<int>{0});
    EXPECT_EQ(lstat_of(pool.path("g")).st_nlink, 2u);
    EXPECT_EQ(lstat_of(pool.path("only1/gl")).st_ino, lstat_of(pool.path("g")).st_ino);
  }
}

TEST(NamespaceRename, IgnorePathPreservingOnRenameUsesCreatePath) {
  Pool pool({.branches = 2, .options = "category.create=epff,ignorepponrename=true",
             .start = false});
  lay_out_cross_branch(pool);
  pool.start();
  ASSERT_EQ(::rename(pool.path("f").c_str(), pool.path("only1/f").c_str()), 0)
      << std::strerror(errno);
  EXPECT_EQ(holders(pool, 2, "only1/f"), std::vector<int>{0});
}

TEST(NamespaceLink, TheSourceNameShowsTheNewLinkCountAtOnce) {
  // On a plain directory stat(old) right after link(old, new) shows st_nlink 2, also when old's
  // attributes were just read. Several files, since a late invalidation shows only sometimes.
  Pool pool({.branches = 2, .start = false});
  for (int b : {0, 1}) make_dirs(pool.on_branch(b, "d"));
  for (int i = 0; i < 20; ++i) write_file(pool.on_branch(i % 2, "f" + std::to_string(i)), "x");
  pool.start();
  std::string stale;
  for (int i = 0; i < 20; ++i) {
    std::string f = pool.path("f" + std::to_string(i));
    std::string l = pool.path((i % 4 < 2 ? "d/f" : "f") + std::to_string(i) + "_link");
    if (i % 2) {
      ASSERT_EQ(lstat_of(f).st_nlink, 1u);  // the attributes are cached now
    }
    ASSERT_EQ(::link(f.c_str(), l.c_str()), 0) << std::strerror(errno);
    if (auto n = lstat_of(f).st_nlink; n != 2)
      stale += " f" + std::to_string(i) + "(nlink " + std::to_string(n) + ")";
    EXPECT_EQ(lstat_of(l).st_nlink, 2u);
  }
  EXPECT_EQ(stale, "") << "stat right after link showed the old st_nlink";
}

// ---------------------------------------------------------------------------------------------
// A directory renamed while files below it are open

class NamespaceOpenRename : public ::testing::Test {
 protected:
  Pool pool{{.branches = 2, .start = false}};
  void SetUp() override {
    for (int b : {0, 1}) make_dirs(pool.on_branch(b, "top/mid"));
    write_file(pool.on_branch(0, "top/mid/f"), "hello");
    write_file(pool.on_branch(1, "top/mid/g"), "world");
    pool.start();
  }
};

TEST_F(NamespaceOpenRename, OpenFilesKeepWorkingAndAreReachableUnderTheNewName) {
  int f = ::open(pool.path("top/mid/f").c_str(), O_RDWR);
  int g = ::open(pool.path("top/mid/g").c_str(), O_RDONLY);
  ASSERT_GE(f, 0);
  ASSERT_GE(g, 0);
  ASSERT_EQ(::rename(pool.path("top").c_str(), pool.path("top2").c_str()), 0)
      << std::strerror(errno);
  EXPECT_EQ(holders(pool, 2, "top2/mid"), (std::vector<int>{0, 1}));
  EXPECT_FALSE(exists(pool.path("top")));

  EXPECT_EQ(::pwrite(f, "HE", 2, 0), 2);
  EXPECT_EQ(::pwrite(f, "!!", 2, 5), 2);
  char buf[64] = {};
  EXPECT_EQ(::pread(f, buf, sizeof buf, 0), 7);
  EXPECT_EQ(std::string(buf, 7), "HEllo!!");
  EXPECT_EQ(::pread(g, buf, sizeof buf, 0), 5);
  EXPECT_EQ(std::string(buf, 5), "world");
  struct stat st {};
  EXPECT_EQ(::fstat(f, &st), 0);
  EXPECT_EQ(st.st_size, 7);
  EXPECT_EQ(::fchmod(f, 0600), 0);
  EXPECT_EQ(::fsync(f), 0);

  EXPECT_EQ(read_file(pool.path("top2/mid/f")), "HEllo!!");
  EXPECT_EQ(read_file(pool.on_branch(0, "top2/mid/f")), "HEllo!!");
  EXPECT_EQ(mode_of(pool.path("top2/mid/f")), 0600u);
  EXPECT_EQ(read_file(pool.path("top2/mid/g")), "world");
  // A write through the new name shows through the old descriptor, and the other way round.
  write_file(pool.path("top2/mid/g"), "WORLD!");
  EXPECT_EQ(::pread(g, buf, sizeof buf, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "WORLD!");
  // Path-based changes by the new name, then fd-based ones after another rename of the file.
  EXPECT_EQ(::chmod(pool.path("top2/mid/f").c_str(), 0640), 0);
  EXPECT_EQ(::fstat(f, &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(::rename(pool.path("top2/mid/f").c_str(), pool.path("top2/f_moved").c_str()), 0);
  EXPECT_EQ(::ftruncate(f, 3), 0);
  EXPECT_EQ(::write(f, "abc", 3), 3);  // the offset is still 0
  ::close(f);
  ::close(g);
  EXPECT_EQ(read_file(pool.path("top2/f_moved")), "abc");
  EXPECT_EQ(holders(pool, 2, "top2/f_moved"), std::vector<int>{0});
  // The old names are gone everywhere.
  EXPECT_TRUE(holders(pool, 2, "top").empty());
}

TEST_F(NamespaceOpenRename, OpenDirectoryHandleListsAfterTheRename) {
  // On a plain directory getdents on a directory opened before a rename lists it as it is.
  DIR* d = ::opendir(pool.path("top/mid").c_str());
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(::rename(pool.path("top").c_str(), pool.path("top2").c_str()), 0);
  std::set<std::string> seen;
  errno = 0;
  while (auto* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) seen.insert(e->d_name);
  int err = errno;
  ::closedir(d);
  EXPECT_EQ(err, 0) << std::strerror(err);
  EXPECT_EQ(seen, (std::set<std::string>{"f", "g"}));
}

}  // namespace
}  // namespace mfs::test::nsbranches
