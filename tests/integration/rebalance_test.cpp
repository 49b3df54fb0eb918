// Rebalance (cmd.rebalance, mergerfs-ctl rebalance): whole files move from the fullest to the
// emptiest branches until within the threshold; open, hard-linked and duplicated files are left
// alone; a crash at any step of a move leaves every file whole and present exactly once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <regex>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using namespace std::chrono_literals;

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i + 4 <= n; i += 4) {
    uint32_t v = rng();
    std::memcpy(&s[i], &v, 4);
  }
  return s;
}

// A pool whose branch i is a tmpfs of sizes_mb[i] MiB.
std::unique_ptr<Pool> sized_pool(const std::vector<int>& sizes_mb, const std::string& opts) {
  auto p = std::make_unique<Pool>(PoolSpec{.branches = static_cast<int>(sizes_mb.size()),
                                           .options = opts, .tmpfs_mb = 64, .start = false});
  for (size_t i = 0; i < sizes_mb.size(); ++i)
    if (sizes_mb[i] != 64)
      run("umount '" + p->branch(static_cast<int>(i)) + "' && mount -t tmpfs -o size=" +
          std::to_string(sizes_mb[i]) + "m,mode=0755 tmpfs '" + p->branch(static_cast<int>(i)) + "'");
  return p;
}

std::string getx(const Pool& p, const std::string& key) {
  std::vector<char> buf(65536);
  ssize_t n = ::getxattr(p.path(".mergerfs").c_str(), ("user.mergerfs." + key).c_str(), buf.data(),
                         buf.size());
  return n >= 0 ? std::string(buf.data(), static_cast<size_t>(n)) : "";
}

int setx(const Pool& p, const std::string& key, const std::string& value) {
  int r = ::setxattr(p.path(".mergerfs").c_str(), ("user.mergerfs." + key).c_str(), value.data(),
                     value.size(), 0);
  return r < 0 ? errno : 0;
}

std::string field(const std::string& json, const std::string& key) {
  std::smatch m;
  std::regex re("\"" + key + "\":(\"[^\"]*\"|[-0-9.]+|null|true|false)");
  if (!std::regex_search(json, m, re)) return "";
  std::string v = m[1];
  return v.size() >= 2 && v.front() == '"' ? v.substr(1, v.size() - 2) : v;
}
uint64_t num(const std::string& json, const std::string& key) {
  return std::strtoull(field(json, key).c_str(), nullptr, 10);
}

// Polls the progress until `pred` holds; returns the last progress seen.
std::string wait_progress(const Pool& p, const std::function<bool(const std::string&)>& pred,
                          std::chrono::seconds limit = 60s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::string j;
  while (std::chrono::steady_clock::now() < deadline) {
    j = getx(p, "rebalance");
    if (pred(j)) return j;
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "condition not reached; last progress: " << j;
  return j;
}
std::string wait_state(const Pool& p, const std::string& state, std::chrono::seconds limit = 60s) {
  return wait_progress(p, [&](const std::string& j) { return field(j, "state") == state; }, limit);
}

double used_pct(const std::string& dir) {
  struct statvfs vs {};
  if (::statvfs(dir.c_str(), &vs) < 0 || vs.f_blocks == 0) return -1;
  return 100.0 * static_cast<double>(vs.f_blocks - vs.f_bfree) / static_cast<double>(vs.f_blocks);
}

double spread(const Pool& p, int n) {
  double lo = 100, hi = 0;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, used_pct(p.branch(i)));
    hi = std::max(hi, used_pct(p.branch(i)));
  }
  return hi - lo;
}

// The spread once it is at most `limit` (polled for a while), or the last one seen.
double eventually_spread(const Pool& p, int n, double limit) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  double s = spread(p, n);
  while (s > limit && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    s = spread(p, n);
  }
  return s;
}

int copies(const Pool& p, int n, const std::string& rel) {
  int c = 0;
  for (int i = 0; i < n; ++i) c += exists(p.on_branch(i, rel));
  return c;
}

// The staging folder is gone (or empty) on every branch.
void expect_no_staging(const Pool& p, int n) {
  for (int i = 0; i < n; ++i) {
    std::string out;
    run("ls -A '" + p.on_branch(i, ".mergerfs.staging") + "' 2>/dev/null", &out);
    EXPECT_EQ(out, "") << "staging leftovers on branch " << i;
  }
}

// Every regular file below a branch (staging excluded), relative to it.
std::vector<std::string> files_on(const Pool& p, int i) {
  std::string out;
  run("cd '" + p.branch(i) + "' && find . -path ./.mergerfs.staging -prune -o -type f -print | sort", &out);
  std::vector<std::string> v;
  for (size_t pos = 0; pos < out.size();) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    if (nl > pos + 2) v.push_back(out.substr(pos + 2, nl - pos - 2));
    pos = nl + 1;
  }
  return v;
}

// b0: many files of mixed sizes in a tree, b1 some, b2 none, b3 a few; a deliberate duplicate on
// b0 and b1, and a hard-linked pair on b0.
void fill_skewed(const Pool& p) {
  std::mt19937 rng(7);
  unsigned seed = 100;
  for (int i = 0; i < 40; ++i) {
    std::string dir = p.on_branch(0, "media/d" + std::to_string(i % 5));
    make_dirs(dir);
    write_file(dir + "/f" + std::to_string(i), random_bytes(200 * 1024 + rng() % (1300 * 1024), seed++));
  }
  make_dirs(p.on_branch(1, "media/d1"));
  for (int i = 0; i < 6; ++i)
    write_file(p.on_branch(1, "media/d1/g" + std::to_string(i)), random_bytes(1 << 20, seed++));
  make_dirs(p.on_branch(3, "docs"));
  for (int i = 0; i < 3; ++i)
    write_file(p.on_branch(3, "docs/h" + std::to_string(i)), random_bytes(700 * 1024, seed++));
  std::string dup = random_bytes(300 * 1024, seed++);
  write_file(p.on_branch(0, "keep-both"), dup);
  write_file(p.on_branch(1, "keep-both"), dup);
  write_file(p.on_branch(0, "linked-a"), random_bytes(900 * 1024, seed++));
  ASSERT_EQ(::link(p.on_branch(0, "linked-a").c_str(), p.on_branch(0, "linked-b").c_str()), 0);
}

TEST(Rebalance, SkewedPoolEndsWithinThresholdWithEveryFileIntact) {
  auto p = sized_pool({64, 64, 64, 64}, "");
  fill_skewed(*p);
  p->start();
  EXPECT_GT(spread(*p, 4), 20.0);
  std::string before = describe_tree(p->mnt(), {.mtimes = true});
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  std::string j = wait_state(*p, "done");
  EXPECT_GT(num(j, "moved"), 10u) << j;
  EXPECT_EQ(num(j, "failed"), 0u) << j;
  EXPECT_GE(num(j, "skipped_links"), 1u) << j;
  EXPECT_GE(num(j, "skipped_copies"), 1u) << j;
  // Space of unlinked sources is freed once the pool's last descriptors of them close (the
  // bridge keeps released ones for a grace period).
  EXPECT_LE(eventually_spread(*p, 4, 2.0), 2.0) << j;
  EXPECT_EQ(line_diff(describe_tree(p->mnt(), {.mtimes = true}), before), "");
  EXPECT_EQ(copies(*p, 4, "keep-both"), 2);
  EXPECT_TRUE(exists(p->on_branch(0, "linked-a")) && exists(p->on_branch(0, "linked-b")));
  for (int i = 0; i < 40; ++i)
    EXPECT_EQ(copies(*p, 4, "media/d" + std::to_string(i % 5) + "/f" + std::to_string(i)), 1);
  expect_no_staging(*p, 4);
  // The stats dump carries the same progress.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         getx(*p, "stats.coordinator").find("\"rebalance\":{\"state\":\"done\"") == std::string::npos)
    std::this_thread::sleep_for(100ms);
  EXPECT_NE(getx(*p, "stats.coordinator").find("\"rebalance\":{\"state\":\"done\""), std::string::npos);
}

TEST(Rebalance, StagingFolderIsNotReachableThroughThePool) {
  auto p = sized_pool({64, 64}, "");
  make_dirs(p->on_branch(0, ".mergerfs.staging"));
  write_file(p->on_branch(0, ".mergerfs.staging/x"), "tmp");
  p->start();
  struct stat st {};
  EXPECT_EQ(::stat(p->path(".mergerfs.staging").c_str(), &st), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(::mkdir(p->path(".mergerfs.staging").c_str(), 0755), -1);
  EXPECT_EQ(errno, EPERM);
  std::string out;
  run("ls -A '" + p->mnt() + "'", &out);
  EXPECT_EQ(out.find(".mergerfs.staging"), std::string::npos) << out;
  // Recovery at start removed the leftover temp file.
  EXPECT_FALSE(exists(p->on_branch(0, ".mergerfs.staging/x")));
}

TEST(Rebalance, OpenFileIsSkippedAndRetriedAfterClose) {
  auto p = sized_pool({16, 64}, "");
  std::string data = random_bytes(6 << 20, 11);
  write_file(p->on_branch(0, "movie"), data);
  p->start();
  int fd = ::open(p->path("movie").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  std::string j = wait_progress(*p, [](const std::string& s) { return num(s, "skipped_open") >= 1; });
  EXPECT_NE(field(j, "state"), "done") << j;
  EXPECT_TRUE(exists(p->on_branch(0, "movie")));
  EXPECT_FALSE(exists(p->on_branch(1, "movie")));
  std::string back(data.size(), '\0');
  EXPECT_EQ(::pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
  EXPECT_EQ(back, data);
  ::close(fd);
  j = wait_state(*p, "done");
  EXPECT_EQ(num(j, "moved"), 1u) << j;
  EXPECT_FALSE(exists(p->on_branch(0, "movie")));
  ASSERT_TRUE(exists(p->on_branch(1, "movie")));
  EXPECT_EQ(read_file(p->path("movie")), data);
}

TEST(Rebalance, HardLinkedFilesAreSkipped) {
  auto p = sized_pool({16, 64}, "");
  write_file(p->on_branch(0, "a"), random_bytes(6 << 20, 12));
  ASSERT_EQ(::link(p->on_branch(0, "a").c_str(), p->on_branch(0, "b").c_str()), 0);
  p->start();
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  std::string j = wait_state(*p, "done");
  EXPECT_EQ(num(j, "moved"), 0u) << j;
  EXPECT_GE(num(j, "skipped_links"), 1u) << j;
  struct stat st {};
  ASSERT_EQ(::stat(p->on_branch(0, "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_TRUE(files_on(*p, 1).empty());
}

TEST(Rebalance, IncludeExcludeAndSizeBoundsLimitWhatMoves) {
  auto p = sized_pool({16, 64}, "rebalance.exclude=*.part,rebalance.max-size=5M");
  write_file(p->on_branch(0, "a.mkv"), random_bytes(6 << 20, 13));
  write_file(p->on_branch(0, "b.part"), random_bytes(3 << 20, 14));
  p->start();
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  std::string j = wait_state(*p, "done");
  EXPECT_EQ(num(j, "moved"), 0u) << j;
  ASSERT_EQ(setx(*p, "rebalance.max-size", "0"), 0);
  ASSERT_EQ(setx(*p, "rebalance.include", "/nothing/*"), 0);
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  j = wait_state(*p, "done");
  EXPECT_EQ(num(j, "moved"), 0u) << j;
  ASSERT_EQ(setx(*p, "rebalance.include", "*.mkv|*.part"), 0);
  ASSERT_EQ(setx(*p, "rebalance.min-size", "7M"), 0);  // a.mkv (6 MiB) is now too small
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  j = wait_state(*p, "done");
  EXPECT_EQ(num(j, "moved"), 0u) << j;
  ASSERT_EQ(setx(*p, "rebalance.min-size", "0"), 0);
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  j = wait_state(*p, "done");
  EXPECT_EQ(num(j, "moved"), 1u) << j;
  EXPECT_TRUE(exists(p->on_branch(1, "a.mkv")));
  EXPECT_TRUE(exists(p->on_branch(0, "b.part")));
  EXPECT_EQ(setx(*p, "rebalance.threshold", "101"), EINVAL);
}

TEST(Rebalance, DryRunPrintsThePlanAndMovesNothing) {
  auto p = sized_pool({64, 64, 64, 64}, "");
  fill_skewed(*p);
  p->start();
  std::vector<std::string> before;
  for (int i = 0; i < 4; ++i) before.push_back(describe_tree(p->branch(i)));
  std::string out;
  EXPECT_EQ(run(std::string(MERGERFS_CTL_BIN) + " rebalance '" + p->mnt() + "' --dry-run", &out), 0) << out;
  EXPECT_NE(out.find("move /media/"), std::string::npos) << out;
  EXPECT_NE(out.find("plan: "), std::string::npos) << out;
  std::string j = getx(*p, "rebalance");
  EXPECT_EQ(field(j, "state"), "done") << j;
  EXPECT_GT(num(j, "planned"), 10u) << j;
  EXPECT_EQ(num(j, "moved"), 0u) << j;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(line_diff(describe_tree(p->branch(i)), before[static_cast<size_t>(i)]), "");
  // The plan is served by user.mergerfs.rebalance only; the stats detail stays small.
  EXPECT_NE(j.find("\"plan\":[{"), std::string::npos) << j;
  std::this_thread::sleep_for(1500ms);  // one more stats render
  std::string coord = getx(*p, "stats.coordinator");
  EXPECT_NE(coord.find("\"rebalance\":{"), std::string::npos) << coord;
  EXPECT_EQ(coord.find("\"plan\":"), std::string::npos) << coord;
}

TEST(Rebalance, CtlWaitDrawsProgressAndExitsZeroWhenDone) {
  auto p = sized_pool({64, 64, 64, 64}, "");
  fill_skewed(*p);
  p->start();
  std::string out;
  EXPECT_EQ(run(std::string(MERGERFS_CTL_BIN) + " rebalance '" + p->mnt() + "' --threshold 5 --wait", &out, 120), 0)
      << out;
  EXPECT_NE(out.find("done: moved"), std::string::npos) << out;
  EXPECT_NE(out.find("100%"), std::string::npos) << out;
  EXPECT_EQ(getx(*p, "rebalance.threshold"), "5");
  EXPECT_LE(eventually_spread(*p, 4, 5.0), 5.0);
  // A second start while idle is fine; a bad command value is refused.
  EXPECT_EQ(setx(*p, "cmd.rebalance", "sideways"), EINVAL);
}

// Slows each copied 8 MiB chunk (test hook) so a move is observably under way.
class SlowCopies : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("MERGERFS_TEST_HOOKS", "1", 1);
    ::setenv("MERGERFS_TEST_COPY_DELAY_MS", "100", 1);
  }
  void TearDown() override {
    ::unsetenv("MERGERFS_TEST_HOOKS");
    ::unsetenv("MERGERFS_TEST_COPY_DELAY_MS");
  }
};

TEST_F(SlowCopies, RebalanceStopsAndLeavesEveryFileWhole) {
  auto p = sized_pool({64, 64}, "");
  for (int i = 0; i < 4; ++i) write_file(p->on_branch(0, "big" + std::to_string(i)), random_bytes(10 << 20, 20 + i));
  p->start();
  std::string before = describe_tree(p->mnt(), {.mtimes = true});
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  EXPECT_EQ(setx(*p, "cmd.rebalance", "start"), EBUSY);  // one run at a time
  wait_progress(*p, [](const std::string& s) { return num(s, "current_bytes") > 0; });
  ASSERT_EQ(setx(*p, "cmd.rebalance", "stop"), 0);
  std::string j = wait_state(*p, "stopped");
  EXPECT_LT(num(j, "moved"), 4u) << j;
  EXPECT_EQ(line_diff(describe_tree(p->mnt(), {.mtimes = true}), before), "");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(copies(*p, 2, "big" + std::to_string(i)), 1);
  expect_no_staging(*p, 2);
}

// The load case: FUSE limited to 2 threads, a 500 MB move under way, and stats and reads
// of other files keep answering.
TEST_F(SlowCopies, BigMoveWithTwoFuseThreadsLeavesThePoolAnswering) {
  auto p = sized_pool({600, 1200}, "read-thread-count=2");
  {
    std::string chunk = random_bytes(8 << 20, 30);
    int fd = ::open(p->on_branch(0, "big").c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    for (int i = 0; i < 62; ++i) ASSERT_EQ(::write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    ::close(fd);
  }
  std::string other = random_bytes(1 << 20, 31);
  write_file(p->on_branch(0, "other"), other);
  p->start();
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  wait_progress(*p, [](const std::string& s) { return field(s, "current") == "/big" && num(s, "current_bytes") > 0; });
  for (int i = 0; i < 20; ++i) {
    struct stat st {};
    ASSERT_EQ(::stat(p->path("other").c_str(), &st), 0);
    EXPECT_EQ(read_file(p->path("other")), other);
    EXPECT_NE(getx(*p, "stats"), "");
  }
  std::string j = getx(*p, "rebalance");
  EXPECT_EQ(field(j, "current"), "/big") << "the move ended before the checks: " << j;
  j = wait_state(*p, "done", 120s);
  EXPECT_EQ(num(j, "moved"), 1u) << j;
  EXPECT_FALSE(exists(p->on_branch(0, "big")));
  struct stat st {};
  ASSERT_EQ(::stat(p->path("big").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 62l * (8 << 20));
}

// Crash at each step of a move (test hook: the daemon _exits), then remount over the same
// branches: every file whole and present exactly once, no staging leftovers, the deliberate
// duplicate still on both branches.
class RebalanceCrash : public ::testing::TestWithParam<const char*> {
 protected:
  void TearDown() override {
    ::unsetenv("MERGERFS_TEST_HOOKS");
    ::unsetenv("MERGERFS_TEST_CRASH_AT");
  }
};

TEST_P(RebalanceCrash, RestartFindsEveryFileOnceAndWhole) {
  ::setenv("MERGERFS_TEST_HOOKS", "1", 1);
  ::setenv("MERGERFS_TEST_CRASH_AT", GetParam(), 1);
  auto p = sized_pool({16, 64}, "");
  write_file(p->on_branch(0, "movie"), random_bytes(6 << 20, 40));
  write_file(p->on_branch(0, "small"), random_bytes(100 << 10, 41));
  std::string dup = random_bytes(200 << 10, 42);
  write_file(p->on_branch(0, "keep-both"), dup);
  write_file(p->on_branch(1, "keep-both"), dup);
  p->start();
  std::string before = describe_tree(p->mnt(), {.mtimes = true});
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  struct stat st {};
  while (std::chrono::steady_clock::now() < deadline && ::stat(p->mnt().c_str(), &st) == 0)
    std::this_thread::sleep_for(20ms);
  ASSERT_NE(::stat(p->mnt().c_str(), &st), 0) << "the daemon did not crash at " << GetParam();
  p->stop();
  ::unsetenv("MERGERFS_TEST_CRASH_AT");
  p->start();
  EXPECT_EQ(line_diff(describe_tree(p->mnt(), {.mtimes = true}), before), "");
  EXPECT_EQ(copies(*p, 2, "movie"), 1);
  EXPECT_EQ(copies(*p, 2, "small"), 1);
  EXPECT_EQ(copies(*p, 2, "keep-both"), 2);
  expect_no_staging(*p, 2);
  // The rebalance can run again to the end.
  ASSERT_EQ(setx(*p, "cmd.rebalance", "start"), 0);
  wait_state(*p, "done");
  EXPECT_EQ(line_diff(describe_tree(p->mnt(), {.mtimes = true}), before), "");
  EXPECT_EQ(copies(*p, 2, "movie"), 1);
  EXPECT_EQ(copies(*p, 2, "keep-both"), 2);
  expect_no_staging(*p, 2);
}

INSTANTIATE_TEST_SUITE_P(AtEachStep, RebalanceCrash,
                         ::testing::Values("temp-created", "copied", "renamed", "source-unlinked"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace mfs::test
