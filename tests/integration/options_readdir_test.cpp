// Policy option func.readdir: every mode lists the merged set once, and an invalid value fails
// the mount.
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
// func.readdir (§4.6): every mode lists the merged set, each name once, the first branch in
// order winning d_type; seq and cosr read in branch order, cor concurrently.

struct Listing {
  std::map<std::string, int> count;
  std::map<std::string, unsigned char> type;
  std::map<std::string, size_t> position;  // of the name's first appearance
};

Listing list_dir(const std::string& dir) {
  Listing out;
  DIR* d = ::opendir(dir.c_str());
  EXPECT_NE(d, nullptr) << dir << ": " << std::strerror(errno);
  if (!d) return out;
  errno = 0;
  for (size_t i = 0; auto* e = ::readdir(d); ++i) {
    out.position.emplace(e->d_name, i);
    ++out.count[e->d_name];
    out.type[e->d_name] = e->d_type;
  }
  EXPECT_EQ(errno, 0) << "readdir " << dir;
  ::closedir(d);
  return out;
}

class ReaddirMode : public ::testing::TestWithParam<std::string> {};

TEST_P(ReaddirMode, ListsTheMergedSetOnce) {
  const std::string mode = GetParam();
  Pool p({.branches = 3, .options = "func.readdir=" + mode, .start = false});
  // a, b, c on one branch each; "shared" on all three; "mixed" a file on branch 0 and a
  // directory on branch 1; "sub" a directory on branches 0 and 2 with different contents.
  write_file(p.on_branch(0, "a"), "a");
  write_file(p.on_branch(1, "b"), "b");
  write_file(p.on_branch(2, "c"), "c");
  for (int i = 0; i < 3; ++i) write_file(p.on_branch(i, "shared"), "s");
  write_file(p.on_branch(0, "mixed"), "m");
  make_dirs(p.on_branch(1, "mixed"));
  make_dirs(p.on_branch(0, "sub"));
  make_dirs(p.on_branch(2, "sub"));
  write_file(p.on_branch(0, "sub/x"), "");
  write_file(p.on_branch(2, "sub/y"), "");
  write_file(p.on_branch(2, "sub/x"), "");
  p.start();
  EXPECT_EQ(ctl(p, "func.readdir"), mode);

  Listing root = list_dir(p.mnt());
  const std::map<std::string, int> want = {{".", 1}, {"..", 1},      {"a", 1},     {"b", 1},
                                           {"c", 1}, {"shared", 1}, {"mixed", 1}, {"sub", 1}};
  EXPECT_EQ(root.count, want);
  EXPECT_EQ(root.type["sub"], DT_DIR);
  // cor merges concurrently, so which copy of "mixed" lands first is not fixed there.
  if (mode.rfind("cor", 0) != 0) {
    EXPECT_EQ(root.type["mixed"], DT_REG) << "branch 0 wins";
    // Branches are read one after another in pool order.
    EXPECT_LT(root.position["a"], root.position["b"]);
    EXPECT_LT(root.position["b"], root.position["c"]);
  }

  Listing sub = list_dir(p.path("sub"));
  EXPECT_EQ(sub.count, (std::map<std::string, int>{{".", 1}, {"..", 1}, {"x", 1}, {"y", 1}}));
}

INSTANTIATE_TEST_SUITE_P(OptionReaddir, ReaddirMode,
                         ::testing::Values("seq", "cosr", "cor", "cosr:2:4", "cor:3:1"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == ':') ch = '_';
                           return n;
                         });

// A value outside seq|cosr[:N[:M]]|cor[:N[:M]] is "invalid value": exit 1, nothing mounted.
TEST(OptionReaddir, InvalidValueFailsTheMount) {
  Pool p({.branches = 1, .start = false});
  for (const std::string bad : {"cor:x", "cosr:1:x", "cor:-1", "sideways", "seq:2"}) {
    std::string out;
    const int status = run("'" + mergerfs_bin() + "' -f -o func.readdir=" + bad + " '" +
                               p.branch_arg() + "' '" + p.mnt() + "'",
                           &out, 10);
    EXPECT_EQ(status, 1) << bad << ": " << out;
    EXPECT_NE(out.find("mergerfs: ERROR - invalid value - func.readdir=" + bad),
              std::string::npos)
        << out;
    EXPECT_FALSE(is_mounted(p.mnt())) << bad;
    if (is_mounted(p.mnt())) {
      run("fusermount3 -u '" + p.mnt() + "'");
    }
  }
}

}  // namespace
}  // namespace mfs::test::policyopts
