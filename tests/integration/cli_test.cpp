// The command line: bad input exits non-zero with one clear line and mounts nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

struct CliRun {
  int status;
  std::string out;
};

CliRun mergerfs(const std::string& args) {
  CliRun r;
  r.status = run("'" + mergerfs_bin() + "' " + args, &r.out, 20);
  return r;
}

class Cli : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string a = tmp.path() + "/a", b = tmp.path() + "/b", mnt = tmp.path() + "/mnt";
  void SetUp() override {
    make_dirs(a);
    make_dirs(b);
    make_dirs(mnt);
  }
  void expect_refused(const std::string& args, const std::string& needle) {
    auto r = mergerfs(args);
    EXPECT_NE(r.status, 0) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(needle), std::string::npos) << "output: " << r.out;
    EXPECT_FALSE(is_mounted(mnt)) << args;
  }
};

TEST_F(Cli, VersionAndHelp) {
  auto v = mergerfs("-v");
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("mergerfs"), std::string::npos);
  auto h = mergerfs("-h");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("-o"), std::string::npos);
}

TEST_F(Cli, NoBranches) { expect_refused("'" + mnt + "'", "branch"); }

TEST_F(Cli, NoArguments) {
  auto r = mergerfs("");
  EXPECT_NE(r.status, 0);
}

TEST_F(Cli, MissingMountpoint) {
  expect_refused("'" + a + ":" + b + "' '" + tmp.path() + "/nope'", "nope");
}

TEST_F(Cli, BranchIsMountpoint) { expect_refused("'" + a + ":" + mnt + "' '" + mnt + "'", "mountpoint"); }

TEST_F(Cli, BranchContainsMountpoint) {
  std::string inner = a + "/inner";
  make_dirs(inner);
  auto r = mergerfs("'" + a + "' '" + inner + "'");
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_FALSE(is_mounted(inner));
}

TEST_F(Cli, InvalidValueForKnownOption) {
  expect_refused("-o category.create=bogus '" + a + "' '" + mnt + "'", "category.create");
  expect_refused("-o minfreespace=12Q '" + a + "' '" + mnt + "'", "minfreespace");
  expect_refused("-o moveonenospc=maybe '" + a + "' '" + mnt + "'", "moveonenospc");
  expect_refused("-o 'branches=" + a + "=XX' '" + mnt + "'", "XX");
}

TEST_F(Cli, ErrorFormatMatchesMergerfs) {
  auto r = mergerfs("-o func.getattr=nope '" + a + "' '" + mnt + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("mergerfs: ERROR - invalid value - "), std::string::npos) << r.out;
}

TEST_F(Cli, UnknownOptionIsDroppedAndMounts) {
  auto r = mergerfs("-o some_unknown_key=1,nofail '" + a + ":" + b + "' '" + mnt + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(is_mounted(mnt));
  run("fusermount3 -u '" + mnt + "'");
  EXPECT_FALSE(is_mounted(mnt));
}

TEST_F(Cli, DaemonizesAndMountIsUsableOnReturn) {
  write_file(a + "/hello", "hi\n");
  auto r = mergerfs("'" + a + ":" + b + "' '" + mnt + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(read_file(mnt + "/hello"), "hi\n");
  std::string opts;
  run("grep ' " + mnt + " ' /proc/mounts", &opts);
  EXPECT_NE(opts.find("fuse.mergerfs"), std::string::npos) << opts;
  EXPECT_NE(opts.find("default_permissions"), std::string::npos) << opts;
  EXPECT_NE(opts.find("allow_other"), std::string::npos) << opts;
  run("fusermount3 -u '" + mnt + "'");
  EXPECT_FALSE(is_mounted(mnt));
}

TEST_F(Cli, PositionalBranchesAndGlobs) {
  write_file(a + "/fa", "a");
  write_file(b + "/fb", "b");
  auto r = mergerfs("'" + tmp.path() + "/[ab]' '" + mnt + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(exists(mnt + "/fa"));
  EXPECT_TRUE(exists(mnt + "/fb"));
  run("fusermount3 -u '" + mnt + "'");
  r = mergerfs("-o 'branches=" + a + "' '" + b + "' '" + mnt + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(exists(mnt + "/fa"));
  EXPECT_TRUE(exists(mnt + "/fb"));
  run("fusermount3 -u '" + mnt + "'");
}

}  // namespace
}  // namespace mfs::test
