// POSIX conformance run (pjdfstest-style). Every case comes from a table (conformance_cases.hpp)
// of set-ups x callers x arguments. It runs once in a fresh directory of a plain tmpfs and twice
// inside one 3-branch pool of tmpfs branches:
//   through - the set-up is made through the pool (the create policy places it);
//   spread  - the set-up is made on the branches behind the pool's back: every directory on all
//             three branches, every other node on one of them (rotating); these cases run with
//             cache.branch-entry=0 (out-of-band changes show at once, not within the TTL).
// Compared: return value and errno of the syscall, and the resulting tree of the case directory
// (type, mode, owner, size, link count, symlink target, device, content digest, and timestamps
// that are not "now"). Directory link counts, sizes and (but for utimensat) timestamps are not
// compared: a directory held by several branches shows one copy's (FEATURES.md §4.7); cases
// where only a directory's timestamps differ are listed as a note. A difference fails the test
// unless the case is tagged with one of the deviation classes DESIGN.md allows ("Where mergerfs
// is not POSIX"); a tagged case that matches counts as passed and is listed.
//
// The run prints each failing case (syscall outcome on both sides, the lines of the trees that
// differ, where the pool placed each node), per-syscall counts, per-class deviation counts and
// the closing line "N passed, M failed (D allowed deviations)": N + M + D cases in all, M the
// differences not covered by a deviation class.
#include <dirent.h>
#include <sys/xattr.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/conformance_cases.hpp"
#include "tests/integration/conformance_runner.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::conformance {
namespace {

std::string show(const Outcome& o) {
  if (o.ret == kSetupFailed) return o.err ? "call failed: " + errstr(o.err) : "not run";
  return "ret=" + std::to_string(o.ret) +
         " errno=" + (o.err ? std::string(strerrorname_np(o.err)) : "0");
}

std::string show_setup(const std::vector<Obj>& s) {
  std::string out;
  size_t deep = 0;  // chains of long directory names print as one item
  for (const Obj& o : s) {
    if (o.kind == 'd' && o.rel.size() > 240 && o.rel.find('/') != std::string::npos &&
        o.mode == 0755) {
      ++deep;
      continue;
    }
    if (deep) {
      out += std::string(out.empty() ? "" : "; ") + "(" + std::to_string(deep) + " nested dirs)";
      deep = 0;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, " %04o %ld:%ld", static_cast<unsigned>(o.mode), o.uid, o.gid);
    out += std::string(out.empty() ? "" : "; ") + o.kind + " " + short_path(o.rel);
    if (o.kind == 'l' || o.kind == 'h')
      out += " -> " + short_path(o.data);
    else
      out += buf;
  }
  if (deep)
    out += std::string(out.empty() ? "" : "; ") + "(" + std::to_string(deep) + " nested dirs)";
  return out.empty() ? "(nothing)" : out;
}

// Lines only in a, and lines only in b, in order.
std::string tree_diff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::multiset<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  std::string out;
  for (const auto& l : a)
    if (!sb.count(l)) out += "      - plain " + l + "\n";
  for (const auto& l : b)
    if (!sa.count(l)) out += "      + pool  " + l + "\n";
  return out;
}

struct Tally {
  int passed = 0, failed = 0, deviations = 0;
};

TEST(Conformance, PlainTmpfsAndPoolAgree) {
  auto started = std::chrono::steady_clock::now();
  std::vector<Case> cases = all_cases();
  Runner runner;
  ASSERT_TRUE(is_mounted(runner.pool().mnt()));

  std::map<std::string, Tally> by_sys;
  std::map<std::string, int> by_class;
  std::vector<std::string> tagged_but_passing;
  std::vector<std::string> dir_times;  // passed, but a directory's timestamps differ
  Tally total;
  int printed = 0;
  const bool list_all = std::getenv("MFS_CONFORMANCE_LIST") != nullptr;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    Result plain = runner.run(c, i, Where::plain);
    if (!plain.setup_err.empty()) {
      // A set-up that fails on a plain tmpfs is a bug in the table, not in the pool.
      ADD_FAILURE() << c.sys << ": " << c.name
                    << ": set-up fails on the plain directory: " << plain.setup_err;
    }
    if (list_all)  // MFS_CONFORMANCE_LIST=1: every case with the reference answer
      std::printf("case %zu %s: %s -> %s\n", i, c.sys.c_str(), c.name.c_str(), show(plain.out).c_str());
    for (Where w : {Where::through, Where::spread}) {
      runner.set_branch_entry_cache(w == Where::through);
      Result pool = runner.run(c, i, w);
      bool same =
          plain.setup_err == pool.setup_err && plain.out == pool.out && plain.tree == pool.tree;
      Tally& t = by_sys[c.sys];
      if (same) {
        ++t.passed;
        ++total.passed;
        if (plain.tree_times != pool.tree_times)
          dir_times.push_back(c.sys + ": " + c.name + " (" + name_of(w) + ")");
        if (!c.deviation.empty())
          tagged_but_passing.push_back(c.sys + ": " + c.name + " (" + name_of(w) + ")");
        continue;
      }
      std::string label = c.deviation.empty() ? "FAIL" : "DEVIATION(" + c.deviation + ")";
      if (c.deviation.empty()) {
        ++t.failed;
        ++total.failed;
      } else {
        ++t.deviations;
        ++total.deviations;
        ++by_class[c.deviation];
      }
      if (printed++ < 400) {
        // Failures in full; an allowed deviation in one line per side.
        std::string msg = label + " " + c.sys + ": " + c.name + " (" + name_of(w) + ", case " +
                          std::to_string(i) + ")\n";
        if (c.deviation.empty()) msg += "    set-up: " + show_setup(c.setup) + "\n";
        msg += "    plain: " + show(plain.out) +
               (plain.setup_err.empty() ? "" : " [set-up: " + plain.setup_err + "]") + "\n" +
               "    pool:  " + show(pool.out) +
               (pool.setup_err.empty() ? "" : " [set-up: " + pool.setup_err + "]") + "\n";
        if (c.deviation.empty())
          msg += tree_diff(plain.tree, pool.tree) + "    placement:\n" + runner.placement(i, w);
        std::printf("%s", msg.c_str());
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "\nconformance: %zu case definitions, each on a plain tmpfs and in the pool twice "
      "(set-up through the pool, and spread over the branches): %d cases, %.1f s\n",
      cases.size(), total.passed + total.failed + total.deviations, secs);
  for (const auto& [sys, t] : by_sys)
    std::printf("  %-14s %4d passed, %3d failed, %3d allowed deviations\n", sys.c_str(), t.passed,
                t.failed, t.deviations);
  std::printf("allowed deviations (DESIGN.md classes):");
  if (by_class.empty()) std::printf(" none");
  for (const auto& [cls, n] : by_class) std::printf(" %s %d;", cls.c_str(), n);
  std::printf("\n");
  if (!dir_times.empty()) {
    std::printf(
        "note: %zu passing cases differ in a directory's timestamps (a directory on several "
        "branches shows one copy's times, FEATURES.md 4.7; not compared):\n",
        dir_times.size());
    for (const auto& s : dir_times) std::printf("  %s\n", s.c_str());
  }
  for (const auto& s : tagged_but_passing)
    std::printf("note: tagged as a deviation but matched: %s\n", s.c_str());
  std::printf("%d passed, %d failed (%d allowed deviations)\n", total.passed, total.failed,
              total.deviations);
  std::fflush(stdout);
  EXPECT_GE(total.passed + total.failed + total.deviations, 500);
  EXPECT_EQ(total.failed, 0)
      << "conformance cases differ from a plain tmpfs (see the report above)";
}

}  // namespace
}  // namespace mfs::test::conformance
