// The stats dump (FEATURES.md §10) served from the control file: one entry per live actor,
// rendered at most once a second, counters that move, silent or frozen actors reported while
// the rest arrives, large pools and odd branch paths as valid JSON.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tests/integration/control_file_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::control {
namespace {

// ---- the stats dump ----

TEST(ControlStats, OneEntryPerLiveActor) {
  Pool p({.branches = 3});
  TempDir scratch;
  std::string out;
  ASSERT_EQ(python(scratch, kSummaryDigest, stats_summary(p), &out), 0) << out << stats_summary(p);
  EXPECT_EQ(out, "4 coordinator:coordinator:true branch-0:branch:true branch-1:branch:true "
                 "branch-2:branch:true\n");
  // Each actor's detail: JSON, from the same render as the summary.
  std::string summary = stats_summary(p);
  for (const char* id : {"coordinator", "branch-0", "branch-1", "branch-2"}) {
    std::string d = value_of(ctl(p), kPrefix + "stats." + id);
    ASSERT_EQ(python(scratch, "import json,sys; d=json.load(open(sys.argv[1])); print(d['id'], d['seq'])", d, &out), 0)
        << d;
    EXPECT_EQ(out.substr(0, out.find(' ')), id);
  }
  EXPECT_EQ(field(entry_of(summary, "branch-1"), "path"), p.branch(1));
  EXPECT_EQ(field(entry_of(summary, "branch-2"), "mode"), "RW");
  EXPECT_EQ(field(entry_of(summary, "branch-2"), "health"), "ok");
  EXPECT_GT(num_field(entry_of(summary, "branch-0"), "total"), 0u);

  // The actors follow the branch set.
  std::string extra = p.root() + "/extra";
  make_dirs(extra);
  ASSERT_EQ(setx(ctl(p), kPrefix + "branches", "+>" + extra).ret, 0);
  EXPECT_TRUE(eventually([&] { return field(entry_of(stats_summary(p), "branch-3"), "path") == extra; },
                         std::chrono::seconds(3))) << stats_summary(p);
  ASSERT_EQ(setx(ctl(p), kPrefix + "branches", "-<").ret, 0);
  EXPECT_TRUE(eventually([&] {
    auto s = stats_summary(p);
    return entry_of(s, "branch-3").empty() && field(entry_of(s, "branch-0"), "path") == p.branch(1);
  }, std::chrono::seconds(3))) << stats_summary(p);
  EXPECT_EQ(getx(ctl(p), kPrefix + "stats.branch-3").err, ENODATA);
  EXPECT_TRUE(eventually([&] { return python(scratch, kSummaryDigest, stats_summary(p), &out) == 0 &&
                                      out.rfind("4 ", 0) == 0; },
                         std::chrono::seconds(3))) << out;

  // A directory added twice is one branch: no second actor (a leaked one kept the daemon from
  // exiting on unmount), and the daemon still stops cleanly.
  ASSERT_EQ(setx(ctl(p), kPrefix + "branches", "+>" + p.branch(1)).ret, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // two renders
  ASSERT_EQ(python(scratch, kSummaryDigest, stats_summary(p), &out), 0);
  EXPECT_EQ(out.substr(0, 2), "4 ") << out;
  EXPECT_EQ(p.stop(), 0);
}

// Rendered at most once a second: the value is stable between renders, so a size query and
// the read that follows agree.
TEST(ControlStats, RenderedAtMostOnceASecond) {
  Pool p({.branches = 2});
  const std::string name = kPrefix + "stats";
  auto seq_of = [](const std::string& s) { return num_field(s, "seq"); };
  uint64_t first = seq_of(stats_summary(p));
  int agree = 0, total = 0;
  auto t0 = Clock::now();
  while (Clock::now() - t0 < std::chrono::milliseconds(2500)) {
    ssize_t size = ::getxattr(ctl(p).c_str(), name.c_str(), nullptr, 0);
    std::string buf(static_cast<size_t>(std::max<ssize_t>(size, 0)), '\0');
    ssize_t n = ::getxattr(ctl(p).c_str(), name.c_str(), buf.data(), buf.size());
    ++total;
    agree += n == size;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string final_summary = stats_summary(p);
  uint64_t last = seq_of(final_summary);
  ASSERT_GE(last, first) << final_summary << "\n" << p.log();
  EXPECT_GE(agree, total - 3) << agree << "/" << total;
  EXPECT_LE(last - first, 4u);  // 2.5 s: at most 3 renders (+1 for timing at the edges)
  EXPECT_GE(last - first, 1u);  // and it does keep rendering
}

TEST(ControlStats, CountersMoveWhenWorkIsDone) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.attr=0,cache.negative-entry=0,cache.branch-entry=30"});
  make_dirs(p.on_branch(1, "many"));
  for (int i = 0; i < 200; ++i) write_file(p.on_branch(1, "many/f" + std::to_string(i)), "x");
  std::string before = stats_summary(p);
  uint64_t lstat0 = num_field(entry_of(before, "branch-0"), "lstat");
  uint64_t lstat1 = num_field(entry_of(before, "branch-1"), "lstat");
  uint64_t inline1 = num_field(entry_of(before, "branch-1"), "inline");
  uint64_t handled = num_field(entry_of(before, "coordinator"), "handled");
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < 200; ++i) ASSERT_EQ(stat_of(p.path("many/f" + std::to_string(i))).ret, 0);
  std::string after;
  EXPECT_TRUE(eventually([&] {
    after = stats_summary(p);
    return num_field(entry_of(after, "branch-1"), "lstat") >= lstat1 + 200;
  }, std::chrono::seconds(3))) << after;
  auto b0 = entry_of(after, "branch-0"), b1 = entry_of(after, "branch-1");
  EXPECT_GE(num_field(b1, "inline"), inline1 + 200);
  // ff probes branch 0 first: after a few misses in "many" it reads that directory once (absent
  // on branch 0: no names at all) and answers every other probe from the listing.
  // (Its lstats are the root's, looked up for every path walk with cache.attr=0.)
  EXPECT_GE(num_field(b0, "lstat"), lstat0 + 1) << b0;
  EXPECT_GE(num_field(b0, "hits"), 380u) << b0;
  EXPECT_LT(num_field(b0, "misses"), 20u) << b0;
  EXPECT_GT(num_field(entry_of(after, "coordinator"), "handled"), handled);
  // The detail agrees: ops, the cache hit rate and the listing.
  std::string d = value_of(ctl(p), kPrefix + "stats.branch-0");
  EXPECT_NE(d.find("\"hit_rate\":0.9"), std::string::npos) << d;
  EXPECT_NE(d.find("\"listings\":1"), std::string::npos) << d;
}

// A branch actor that does not answer is reported as not answering within the deadline, and
// the rest of the dump still arrives, on time, every second.
TEST(ControlStats, SilentActorReportedNotAnsweringWhileTheRestArrives) {
  ::setenv("MERGERFS_TEST_HOOKS", "1", 1);
  Pool p({.branches = 3});
  ::unsetenv("MERGERFS_TEST_HOOKS");
  ASSERT_EQ(setx(ctl(p), kPrefix + "cmd.test-mute-branch", p.branch(1)).ret, 0);
  uint64_t seq = num_field(stats_summary(p), "seq");
  std::string s;
  EXPECT_TRUE(eventually([&] {
    s = stats_summary(p);
    return field(entry_of(s, "branch-1"), "health") == "not answering";
  }, std::chrono::seconds(3))) << s << "\ndaemon log:\n" << p.log();
  auto e1 = entry_of(s, "branch-1");
  EXPECT_EQ(field(e1, "answering"), "false");
  EXPECT_EQ(field(e1, "path"), p.branch(1));
  EXPECT_GT(num_field(e1, "total"), 0u);  // published figures still shown
  EXPECT_EQ(field(entry_of(s, "branch-0"), "answering"), "true");
  EXPECT_EQ(field(entry_of(s, "branch-2"), "health"), "ok");
  EXPECT_EQ(num_field(entry_of(s, "coordinator"), "not_answering"), 1u);
  std::string d = value_of(ctl(p), kPrefix + "stats.branch-1");
  EXPECT_NE(d.find("\"answering\":false"), std::string::npos) << d;
  // Renders keep coming about once a second, and reading one never waits for the silent actor.
  auto t0 = Clock::now();
  uint64_t before = num_field(stats_summary(p), "seq");
  int64_t slowest_us = 0;
  while (Clock::now() - t0 < std::chrono::milliseconds(2600)) {
    auto r0 = Clock::now();
    stats_summary(p);
    slowest_us = std::max<int64_t>(slowest_us, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - r0).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  uint64_t after = num_field(stats_summary(p), "seq");
  EXPECT_GE(after - before, 2u);
  EXPECT_GT(after, seq);
  EXPECT_LT(slowest_us, 100000);
  // The pool itself is unaffected.
  write_file(p.on_branch(1, "f"), "x");
  EXPECT_EQ(read_file(p.path("f")), "x");
  ASSERT_EQ(setx(ctl(p), kPrefix + "cmd.test-unmute-branch", p.branch(1)).ret, 0);
  EXPECT_TRUE(eventually([&] { return field(entry_of(stats_summary(p), "branch-1"), "answering") == "true"; },
                         std::chrono::seconds(3))) << stats_summary(p);
  EXPECT_EQ(setx(ctl(p), kPrefix + "cmd.test-mute-branch", "/not/a/branch").err, ENOENT);
}

// A branch frozen with SIGSTOP freezes its syscalls, not its actor: the actor keeps answering
// and reports the branch slow, and the dump keeps arriving.
TEST(ControlStats, FrozenBranchReportedSlowWhileTheDumpArrives) {
  Pool p({.branches = 3, .options = "branch-deadline=0.3,cache.attr=0,cache.entry=0", .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  write_file(p.on_branch(1, "f"), "data");
  p.start();
  int cfd = ::open(ctl(p).c_str(), O_RDONLY);
  ASSERT_GE(cfd, 0) << std::strerror(errno);
  frozen.freeze();
  std::string f = p.path("f");
  Child stuck([&] {
    struct stat st {};
    return (long)::stat(f.c_str(), &st);
  });
  std::string s;
  int64_t slowest_us = 0;
  EXPECT_TRUE(eventually([&] {
    auto t0 = Clock::now();
    s = stats_summary(cfd);
    slowest_us = std::max<int64_t>(
        slowest_us, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
    return field(entry_of(s, "branch-0"), "health") == "slow";
  }, std::chrono::seconds(4))) << s;
  EXPECT_LT(slowest_us, 100000);  // the dump is served while the branch hangs
  EXPECT_EQ(field(entry_of(s, "branch-0"), "answering"), "true");
  // (Whether the stuck stat is counted in flight yet depends on timing: the probe thread may
  // have marked the branch slow first, so the in-flight figure is not asserted.)
  EXPECT_EQ(field(entry_of(s, "branch-1"), "health"), "ok");
  EXPECT_EQ(field(entry_of(s, "branch-2"), "health"), "ok");
  uint64_t seq = num_field(s, "seq");
  EXPECT_TRUE(eventually([&] { return num_field(stats_summary(cfd), "seq") >= seq + 2; },
                         std::chrono::seconds(4)));
  frozen.thaw();
  EXPECT_EQ(stuck.wait_for(std::chrono::seconds(5)), 0);
  EXPECT_TRUE(eventually([&] { return field(entry_of(stats_summary(cfd), "branch-0"), "health") == "ok"; },
                         std::chrono::seconds(5))) << stats_summary(cfd);
  ::close(cfd);
}

// 60 branches: the summary names all 61 actors, fits in an xattr (64 KiB) and parses; with
// paths so long that full entries cannot fit, it drops to compact entries that still do.
TEST(ControlStats, SixtyBranchDumpFitsAndParses) {
  Pool p({.branches = 60});
  TempDir scratch;
  std::string out;
  auto check = [&](bool want_compact) {
    std::string s;
    EXPECT_TRUE(eventually([&] {
      s = stats_summary(p);
      return !entry_of(s, "branch-59").empty() && entry_of(s, "branch-60").empty() &&
             (s.find("\"compact\":true") != std::string::npos) == want_compact;
    }, std::chrono::seconds(3))) << s.substr(0, 400);
    EXPECT_LT(s.size(), 65536u);
    ASSERT_EQ(python(scratch, kSummaryDigest, s, &out), 0) << out;
    EXPECT_EQ(out.substr(0, 3), "61 ");
    for (int i = 0; i < 60; ++i)
      EXPECT_NE(out.find(" branch-" + std::to_string(i) + ":branch:true"), std::string::npos) << i;
    for (int i : {0, 31, 59}) {
      std::string d = value_of(ctl(p), kPrefix + "stats.branch-" + std::to_string(i));
      EXPECT_EQ(python(scratch, "import json,sys; json.load(open(sys.argv[1]))", d, &out), 0) << out;
    }
  };
  check(false);
  EXPECT_LT(stats_summary(p).size(), 32768u);  // compact enough to leave room

  // 60 branches with ~800-byte paths: full entries would not fit (the instruction itself
  // must stay under the 64 KiB xattr limit too).
  std::string deep = p.root() + "/deep";
  for (int level = 0; level < 4; ++level) deep += "/" + std::string(190, static_cast<char>('a' + level));
  make_dirs(deep);
  std::string list = "=";
  for (int i = 0; i < 60; ++i) {
    std::string d = deep + "/branch-with-a-long-name-" + std::to_string(i);
    make_dirs(d);
    list += (i ? ":" : "") + d;
  }
  ASSERT_EQ(setx(ctl(p), kPrefix + "branches", list).ret, 0);
  check(true);
  std::string d = value_of(ctl(p), kPrefix + "stats.branch-59");
  EXPECT_NE(d.find("branch-with-a-long-name-59"), std::string::npos);
}

// Paths need not be UTF-8 or free of quotes; the dump stays valid JSON.
TEST(ControlStats, OddBranchPathsStayValidJson) {
  Pool p({.branches = 1});
  // Quote, backslash, invalid bytes, valid UTF-8 (é), an overlong '/', a surrogate, a tab.
  std::string odd = p.root() + "/q\"uo\\te \xff\xfe \xc3\xa9 \xc0\xaf \xed\xa0\x80 \xf5 tab\t";
  ASSERT_EQ(::mkdir(odd.c_str(), 0755), 0);
  ASSERT_EQ(setx(ctl(p), kPrefix + "branches", "+>" + odd).ret, 0);
  TempDir scratch;
  std::string out;
  // Rendered once a second; allow for a loaded machine.
  ASSERT_TRUE(eventually([&] { return !entry_of(stats_summary(p), "branch-1").empty(); },
                         std::chrono::seconds(10)));
  EXPECT_EQ(python(scratch, kSummaryDigest, stats_summary(p), &out), 0) << out;
  EXPECT_EQ(python(scratch,
                   "import json,sys; d=json.load(open(sys.argv[1])); print(d['path'].endswith('tab\\t'))",
                   value_of(ctl(p), kPrefix + "stats.branch-1"), &out), 0) << out;
  EXPECT_EQ(out, "True\n");
}

}  // namespace
}  // namespace mfs::test::control
