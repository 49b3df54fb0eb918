// The rebalance scan over a real temp tree: regular files only, by pool path, no link followed,
// the staging folder left out, sizes and link counts as lstat gives them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "actors/migration/rebalance_scan.hpp"
#include "config_tmpdir.hpp"

namespace mfs {
namespace {

using config::test::TmpDir;

std::map<std::string, policy::RebalanceFile> by_path(std::vector<policy::RebalanceFile> files) {
  std::map<std::string, policy::RebalanceFile> out;
  for (auto& f : files) EXPECT_TRUE(out.emplace(f.path, f).second) << "listed twice: " << f.path;
  return out;
}

TEST(RebalanceScan, ListsRegularFilesByPoolPathWithoutFollowingLinks) {
  TmpDir t;
  t.mkdir("a/b");
  t.mkdir("outside");
  t.mkdir(".mergerfs.staging");
  t.write("top", "12345");
  t.write("a/b/deep", std::string(10000, 'x'));
  t.write("outside/never", "x");
  t.write(".mergerfs.staging/tmp_abc", "staged");
  ASSERT_EQ(::access(t.sub(".mergerfs.staging/tmp_abc").c_str(), F_OK), 0);
  t.write("a/.mergerfs.staging", "a file, not the staging folder");
  ASSERT_EQ(::symlink("top", t.sub("a/link-to-file").c_str()), 0);
  ASSERT_EQ(::symlink(t.sub("outside").c_str(), t.sub("a/link-to-dir").c_str()), 0);
  ASSERT_EQ(::link(t.sub("top").c_str(), t.sub("a/hard").c_str()), 0);
  ASSERT_EQ(::mkfifo(t.sub("a/fifo").c_str(), 0600), 0);
  auto files = by_path(scan_branch(t.path() + "/a"));
  std::vector<std::string> paths;
  for (const auto& [p, f] : files) paths.push_back(p);
  EXPECT_EQ(paths, (std::vector<std::string>{"/.mergerfs.staging", "/b/deep", "/hard"}));
  EXPECT_EQ(files["/b/deep"].size, 10000u);
  EXPECT_GE(files["/b/deep"].charged, 4096u);
  EXPECT_EQ(files["/b/deep"].nlink, 1u);
  EXPECT_EQ(files["/hard"].nlink, 2u);

  auto root = by_path(scan_branch(t.path()));
  EXPECT_EQ(root.count("/.mergerfs.staging/tmp_abc"), 0u);  // the staging folder is skipped
  EXPECT_EQ(root.count("/top"), 1u);
  EXPECT_EQ(root.count("/outside/never"), 1u);
  EXPECT_EQ(root.count("/a/link-to-dir/never"), 0u);
  EXPECT_EQ(root.count("/a/link-to-file"), 0u);
  EXPECT_EQ(root.size(), 5u);  // top, a/b/deep, a/hard, a/.mergerfs.staging, outside/never
}

TEST(RebalanceScan, MissingRootListsNothing) {
  TmpDir t;
  EXPECT_TRUE(scan_branch(t.sub("absent")).empty());
}

}  // namespace
}  // namespace mfs
