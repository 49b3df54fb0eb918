// Real tools on a real tree: cp -a, tar -x, rsync -a and mv, into the pool from outside and
// within the pool, must give the same tree as the same commands on a plain directory (types,
// modes, owners, sizes, contents, symlink targets, hard links, user xattrs and mtimes).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

std::string shq(const std::string& s) { return "'" + s + "'"; }

void sh(const std::string& cmd) {
  std::string out;
  int rc = run(cmd, &out, 120);
  ASSERT_EQ(rc, 0) << cmd << "\n" << out;
}

bool have(const std::string& tool) { return run("command -v " + tool + " >/dev/null") == 0; }

std::string pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed + i / 4093) & 0xff);
  return s;
}

void set_times(const std::string& path, long sec) {
  timespec ts[2] = {{sec - 1000, 1000}, {sec, 123456789}};
  if (::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0)
    ADD_FAILURE() << "utimensat " << path << ": " << std::strerror(errno);
}

// A tree with every kind of object, odd names, owners, modes, xattrs, hard links and times.
void build_source(const std::string& root) {
  auto p = [&](const std::string& rel) { return root + "/" + rel; };
  make_dirs(p("top/sub1/deep/deeper"));
  make_dirs(p("top/empty"));
  make_dirs(p("top/with space"));
  make_dirs(p("top/priv"), 0700);
  make_dirs(p("top/sticky"), 01777);
  make_dirs(p("top/ünïcode-dïr"));
  ::chmod(p("top/sub1").c_str(), 0750);
  ::chown(p("top/priv").c_str(), 1234, 5678);
  write_file(p("top/empty_file"), "");
  write_file(p("top/one_byte"), "1");
  write_file(p("top/page"), pattern(4096, 1));
  write_file(p("top/big"), pattern((1 << 20) + 3, 2));
  write_file(p("top/exec"), "#!/bin/sh\necho hi\n", 0755);
  write_file(p("top/setuid"), "suid", 04755);
  write_file(p("top/setgid"), "sgid", 02755);
  write_file(p("top/secret"), "secret", 0600);
  write_file(p("top/sub1/file"), "in sub1\n");
  write_file(p("top/sub1/deep/deeper/leaf"), pattern(10000, 3), 0640);
  write_file(p("top/with space/a file with spaces.txt"), "spaces\n");
  write_file(p("top/ünïcode-dïr/ñame"), "unicode\n");
  write_file(p("top/" + std::string(200, 'L')), "long name\n");
  write_file(p("top/priv/owned"), "owned by 1234\n", 0604);
  ::chown(p("top/priv/owned").c_str(), 1234, 5678);
  write_file(p("top/nobodys"), "nobody's\n", 0664);
  ::chown(p("top/nobodys").c_str(), kNobody, kNogroup);
  write_file(p("top/sticky/f"), "in sticky\n", 0666);
  write_file(p("top/xattrs"), "with xattrs\n");
  ::setxattr(p("top/xattrs").c_str(), "user.one", "1", 1, 0);
  ::setxattr(p("top/xattrs").c_str(), "user.two", "second value", 12, 0);
  ::setxattr(p("top/sub1").c_str(), "user.dir", "on a dir", 8, 0);
  write_file(p("top/hard_a"), "hard linked\n");
  ::link(p("top/hard_a").c_str(), p("top/sub1/hard_b").c_str());
  ::link(p("top/hard_a").c_str(), p("top/with space/hard_c").c_str());
  ::symlink("../sub1/file", p("top/with space/rel_link").c_str());
  ::symlink("/etc/hostname", p("top/abs_link").c_str());
  ::symlink("does/not/exist", p("top/dangling").c_str());
  ::symlink("sub1", p("top/dir_link").c_str());
  ::mkfifo(p("top/fifo").c_str(), 0640);
  ::chmod(p("top/fifo").c_str(), 0640);
  // Times last, directories after their contents.
  long t = 1400000000;
  for (const std::string rel :
       {"top/empty_file", "top/one_byte", "top/page", "top/big", "top/exec", "top/setuid",
        "top/setgid", "top/secret", "top/sub1/file", "top/sub1/deep/deeper/leaf",
        "top/with space/a file with spaces.txt", "top/ünïcode-dïr/ñame", "top/priv/owned",
        "top/nobodys", "top/sticky/f", "top/xattrs", "top/hard_a", "top/with space/rel_link",
        "top/abs_link", "top/dangling", "top/dir_link", "top/fifo"})
    set_times(p(rel), t += 1000);
  set_times(p("top/" + std::string(200, 'L')), t += 1000);
  for (const std::string rel :
       {"top/sub1/deep/deeper", "top/sub1/deep", "top/sub1", "top/empty", "top/with space",
        "top/priv", "top/sticky", "top/ünïcode-dïr", "top"})
    set_times(p(rel), t += 1000);
}

// Parameter: extra pool options (the default create policy spreads files over the branches;
// a path-preserving one makes renames across branches fail with EXDEV, so mv must copy).
class NamespaceTools : public ::testing::TestWithParam<std::string> {
 protected:
  Pool pool{{.branches = 3, .options = GetParam()}};
  TempDir plain, src, scratch;

  void SetUp() override {
    for (const char* tool : {"rsync", "tar", "cp", "mv"})
      ASSERT_TRUE(have(tool)) << tool << " is not installed (tools/setup.sh installs it)";
    build_source(src.path());
  }

  // Runs a command line twice: with ROOT replaced by the pool's mount, then by the plain dir.
  void both(const std::string& cmd) {
    for (const std::string& root : {pool.mnt(), plain.path()}) {
      std::string c = cmd;
      for (size_t at; (at = c.find("ROOT")) != std::string::npos;) c.replace(at, 4, root);
      SCOPED_TRACE(c);
      sh(c);
    }
  }

  void expect_same_tree(const std::string& rel, const TreeOptions& opt) {
    std::string a = describe_tree(rel.empty() ? pool.mnt() : pool.path(rel), opt);
    std::string b = describe_tree(rel.empty() ? plain.path() : plain.path() + "/" + rel, opt);
    EXPECT_EQ(line_diff(a, b), "") << "tree " << (rel.empty() ? "/" : rel)
                                   << " differs (+ pool, - plain directory)";
    EXPECT_GT(std::count(a.begin(), a.end(), '\n'), 3) << a;
  }
};

TEST_P(NamespaceTools, CopyExtractSyncAndMoveGiveTheSameTree) {
  const std::string S = shq(src.path() + "/top");
  const std::string tarball = shq(scratch.path() + "/top.tar");
  sh("tar --xattrs --xattrs-include='user.*' -C " + shq(src.path()) + " -cf " + tarball +
     " top");
  // With files spread over branches (the default pfrd), a directory has a copy per branch and
  // the pool shows one copy's times (FEATURES.md §4.7): a file landing on another branch after
  // the tool set the directory's times changes that copy. Directory times are compared only
  // when the create policy keeps a tree on one branch.
  const TreeOptions all_times{.mtimes = true, .dir_mtimes = !GetParam().empty()};

  // Into the pool from outside.
  both("cp -a " + S + " ROOT/cp");
  expect_same_tree("cp", all_times);
  both("mkdir ROOT/tar && tar --xattrs --xattrs-include='user.*' -xpf " + tarball + " -C ROOT/tar");
  expect_same_tree("tar/top", all_times);
  both("rsync -aHX " + S + "/ ROOT/rsync/");
  expect_same_tree("rsync", all_times);
  both("rsync -a " + S + " ROOT/rsync_plain_a");  // -a alone: hard links become copies
  expect_same_tree("rsync_plain_a/top", all_times);
  for (const std::string& root : {pool.mnt(), plain.path()}) {
    // mv from another filesystem: copy + unlink of a private copy of the source.
    std::string mine = scratch.path() + "/mv_src";
    sh("rm -rf " + shq(mine) + " && cp -a " + S + " " + shq(mine));
    sh("mv " + shq(mine) + " " + shq(root + "/moved_in"));
  }
  expect_same_tree("moved_in", all_times);

  // Within the pool.
  both("cp -a ROOT/cp ROOT/cp2");
  expect_same_tree("cp2", all_times);
  both("rsync -aHX ROOT/tar/top/ ROOT/rsync_within/");
  expect_same_tree("rsync_within", all_times);
  both("rsync -aHX --delete " + S + "/ ROOT/cp2/");  // an up-to-date tree: nothing to do
  expect_same_tree("cp2", all_times);
  both("mv ROOT/cp ROOT/renamed");
  both("mv ROOT/renamed/sub1 ROOT/rsync/sub1_moved");
  both("mv ROOT/renamed/big ROOT/tar/top/sub1/deep/big_moved");
  both("mv ROOT/renamed/hard_a ROOT/renamed/empty/hard_a_moved");
  both("mv ROOT/tar/top/with\\ space ROOT/renamed/empty/");
  both("mkdir ROOT/tarred && tar -C ROOT/renamed -cf - . | tar -C ROOT/tarred -xpf -");
  both("rm -rf ROOT/rsync_within/sub1 ROOT/cp2/priv");
  // Directory mtimes of the parents touched by mv and rm differ by when they were touched.
  // With a path-preserving policy a rename whose target parent is on other branches is EXDEV
  // (FEATURES.md §4.2), and mv copies instead, as across filesystems: a hard link to a name
  // outside the moved tree becomes a file of its own. Link counts are compared only without.
  const bool path_preserving = !GetParam().empty();
  const TreeOptions after_moves{.mtimes = true, .nlink = !path_preserving};
  expect_same_tree("", after_moves);
  expect_same_tree("tarred", after_moves);
  both("rm -rf ROOT/renamed ROOT/tarred ROOT/cp2");
  expect_same_tree("", after_moves);
}

INSTANTIATE_TEST_SUITE_P(Namespace, NamespaceTools,
                         ::testing::Values(std::string(), std::string("category.create=epmfs")),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? std::string("DefaultPolicies")
                                                     : std::string("PathPreserving");
                         });

}  // namespace
}  // namespace mfs::test
