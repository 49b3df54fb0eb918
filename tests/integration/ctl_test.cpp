// mergerfs-ctl against real pools: every subcommand, its output formats (the Prometheus one
// checked with python3-prometheus-client's parser) and its exit codes.
#include <gtest/gtest.h>
#include <sys/xattr.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

// Exit codes (tools/mergerfs-ctl/README.md).
constexpr int kOk = 0, kUsage = 2, kNotPool = 3, kDenied = 4, kBadKey = 5, kBadValue = 6;

std::string q(const std::string& s) { return "'" + s + "'"; }

// Runs mergerfs-ctl with `args`; stdout and stderr together in `out`.
int ctl(const std::string& args, std::string* out = nullptr, int timeout_s = 30) {
  std::string o;
  int rc = run(std::string(MERGERFS_CTL_BIN) + " " + args, &o, timeout_s);
  if (out) *out = o;
  return rc;
}

// The same as `nobody` (setpriv from util-linux).
int ctl_as_nobody(const std::string& args, std::string* out) {
  return run("setpriv --reuid=65534 --regid=65534 --clear-groups " + std::string(MERGERFS_CTL_BIN) +
                 " " + args,
             out);
}

std::string getx(const Pool& p, const std::string& key) {
  std::vector<char> buf(65536);
  ssize_t n = ::getxattr(p.path(".mergerfs").c_str(), ("user.mergerfs." + key).c_str(), buf.data(), buf.size());
  return n >= 0 ? std::string(buf.data(), static_cast<size_t>(n)) : "<" + std::to_string(errno) + ">";
}

int python(const TempDir& dir, const std::string& script, const std::string& input, std::string* out) {
  write_file(dir.path() + "/script.py", script);
  write_file(dir.path() + "/input", input);
  return run("/usr/bin/python3 " + q(dir.path() + "/script.py") + " " + q(dir.path() + "/input"), out);
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(CtlTool, InfoListGet) {
  Pool p({.branches = 2});
  std::string out;
  ASSERT_EQ(ctl("info " + q(p.mnt()), &out), kOk) << out;
  EXPECT_TRUE(contains(out, "version:     2.42.0")) << out;
  EXPECT_TRUE(contains(out, "pid:         " + std::to_string(p.pid()))) << out;
  EXPECT_TRUE(contains(out, "branches:    2 (2 ok)")) << out;
  EXPECT_TRUE(contains(out, "create=pfrd search=ff action=epall")) << out;

  ASSERT_EQ(ctl("list " + q(p.mnt()), &out), kOk) << out;
  EXPECT_TRUE(contains(out, "\ncategory.create=pfrd\n")) << out;
  EXPECT_TRUE(contains(out, "branches=" + p.branch(0) + "=RW:" + p.branch(1) + "=RW\n")) << out;
  EXPECT_FALSE(contains(out, "stats=")) << out;

  ASSERT_EQ(ctl("get " + q(p.mnt()) + " minfreespace", &out), kOk) << out;
  EXPECT_EQ(out, "4294967295\n");
  ASSERT_EQ(ctl("get " + q(p.mnt()) + " user.mergerfs.func.getattr category.create", &out), kOk) << out;
  EXPECT_EQ(out, "ff\npfrd\n");
  // The control file itself works as MOUNT too, and so does a trailing slash.
  ASSERT_EQ(ctl("get " + q(p.path(".mergerfs")) + " version", &out), kOk) << out;
  ASSERT_EQ(ctl("get " + q(p.mnt() + "/") + " version", &out), kOk) << out;
  EXPECT_EQ(out, "2.42.0\n");
  // Reading is open to everyone.
  EXPECT_EQ(ctl_as_nobody("get " + q(p.mnt()) + " version", &out), kOk) << out;
  EXPECT_EQ(ctl_as_nobody("stats " + q(p.mnt()), &out), kOk) << out;
}

TEST(CtlTool, SetAndItsExitCodes) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.attr=0,cache.negative-entry=0"});
  std::string out;
  EXPECT_EQ(ctl("set " + q(p.mnt()) + " minfreespace 2G", &out), kOk) << out;
  EXPECT_EQ(out, "");
  EXPECT_EQ(getx(p, "minfreespace"), "2147483648");
  std::string extra = p.root() + "/extra";
  make_dirs(extra);
  write_file(extra + "/here", "x");
  EXPECT_EQ(ctl("set " + q(p.mnt()) + " branches " + q("+>" + extra), &out), kOk) << out;
  EXPECT_EQ(read_file(p.path("here")), "x");
  EXPECT_EQ(ctl("set " + q(p.mnt()) + " cmd.gc ''", &out), kOk) << out;

  EXPECT_EQ(ctl("set " + q(p.mnt()) + " no-such-key 1", &out), kBadKey);
  EXPECT_TRUE(contains(out, "mergerfs-ctl: unknown key 'no-such-key'")) << out;
  EXPECT_EQ(ctl("set " + q(p.mnt()) + " cmd.nope 1", &out), kBadKey);
  EXPECT_TRUE(contains(out, "unknown command 'nope'")) << out;
  EXPECT_EQ(ctl("get " + q(p.mnt()) + " no-such-key", &out), kBadKey);
  EXPECT_TRUE(contains(out, "unknown key")) << out;
  EXPECT_EQ(ctl("set " + q(p.mnt()) + " fsname other", &out), kBadKey);
  EXPECT_TRUE(contains(out, "key 'fsname' is read-only")) << out;
  EXPECT_EQ(ctl("set " + q(p.mnt()) + " minfreespace lots", &out), kBadValue);
  EXPECT_TRUE(contains(out, "invalid value 'lots' for minfreespace")) << out;
  EXPECT_EQ(ctl("set " + q(p.mnt()) + " branches " + q("+>" + extra + "=XX"), &out), kBadValue);
  EXPECT_EQ(getx(p, "minfreespace"), "2147483648");

  EXPECT_EQ(ctl_as_nobody("set " + q(p.mnt()) + " minfreespace 1G", &out), kDenied);
  EXPECT_TRUE(contains(out, "permission denied: only root may change minfreespace")) << out;
  EXPECT_EQ(ctl_as_nobody("set " + q(p.mnt()) + " cmd.gc 1", &out), kDenied);
  EXPECT_EQ(getx(p, "minfreespace"), "2147483648");
}

TEST(CtlTool, NotAPoolAndUsageErrors) {
  TempDir plain;
  std::string out;
  EXPECT_EQ(ctl("info " + q(plain.path()), &out), kNotPool);
  EXPECT_TRUE(contains(out, plain.path() + " is not a mergerfs pool")) << out;
  EXPECT_EQ(ctl("stats " + q(plain.path() + "/missing"), &out), kNotPool);
  EXPECT_TRUE(contains(out, "No such file or directory")) << out;
  write_file(plain.path() + "/.mergerfs", "");  // a file of that name is not a control file
  EXPECT_EQ(ctl("get " + q(plain.path()) + " version", &out), kNotPool);
  EXPECT_TRUE(contains(out, "does not answer user.mergerfs.version")) << out;

  EXPECT_EQ(ctl("", &out), kUsage);
  EXPECT_EQ(ctl("frobnicate /mnt", &out), kUsage);
  EXPECT_EQ(ctl("get", &out), kUsage);
  EXPECT_EQ(ctl("set /mnt key", &out), kUsage);
  EXPECT_EQ(ctl("stats /mnt --json --prometheus", &out), kUsage);
  EXPECT_EQ(ctl("stats /mnt --watch 0", &out), kUsage);
  EXPECT_EQ(ctl("--help", &out), kOk);
  EXPECT_TRUE(contains(out, "rebalance")) << out;
  EXPECT_EQ(ctl("--version", &out), kOk);
  EXPECT_TRUE(contains(out, "2.42.0")) << out;
}

TEST(CtlTool, RebalanceBadArguments) {
  std::string out;
  EXPECT_EQ(ctl("rebalance /mnt --threshold 101", &out), kUsage);
  EXPECT_EQ(ctl("rebalance /mnt --dry-run --wait", &out), kUsage);
  EXPECT_EQ(ctl("rebalance /nonexistent-pool", &out), kNotPool);
}

TEST(CtlTool, Branches) {
  ::setenv("MERGERFS_TEST_HOOKS", "1", 1);
  Pool p({.branches = 3, .branch_suffixes = {"=RW", "=RO", "=NC"}});
  ::unsetenv("MERGERFS_TEST_HOOKS");
  std::string out;
  ASSERT_EQ(ctl("branches " + q(p.mnt()), &out), kOk) << out;
  EXPECT_EQ(out.substr(0, out.find('\n')).find("PATH"), 0u) << out;
  for (const auto& [i, mode] : {std::pair{0, "RW"}, {1, "RO"}, {2, "NC"}}) {
    auto at = out.find(p.branch(i) + " ");
    ASSERT_NE(at, std::string::npos) << out;
    std::string line = out.substr(at, out.find('\n', at) - at);
    EXPECT_TRUE(contains(line, std::string(" ") + mode + " ")) << line;
    EXPECT_TRUE(contains(line, "%")) << line;
    EXPECT_EQ(line.substr(line.size() - 2), "ok") << line;
  }
  ASSERT_EQ(::setxattr(p.path(".mergerfs").c_str(), "user.mergerfs.cmd.test-mute-branch", p.branch(2).data(),
                       p.branch(2).size(), 0), 0);
  bool seen = false;
  for (int i = 0; i < 40 && !seen; ++i) {
    ctl("branches " + q(p.mnt()), &out);
    seen = contains(out, "not answering");
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(seen) << out;
}

TEST(CtlTool, StatsTableJsonAndPrometheus) {
  Pool p({.branches = 3});
  std::string out;
  ASSERT_EQ(ctl("stats " + q(p.mnt()), &out), kOk) << out;
  EXPECT_TRUE(contains(out, "pool " + p.mnt())) << out;
  for (const char* id : {"coordinator", "branch-0", "branch-1", "branch-2"}) EXPECT_TRUE(contains(out, id)) << out;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(contains(out, p.branch(i))) << out;
  EXPECT_TRUE(contains(out, "MAILBOX")) << out;

  TempDir scratch;
  ASSERT_EQ(ctl("stats " + q(p.mnt()) + " --json", &out), kOk) << out;
  std::string digest;
  ASSERT_EQ(python(scratch, R"(
import json, sys
d = json.load(open(sys.argv[1]))
seqs = {a['seq'] for a in d['actors'].values()}
assert seqs == {d['summary']['seq']}, (seqs, d['summary']['seq'])
print(' '.join(d['actors']), d['actors']['branch-1']['path'])
)", out, &digest), 0) << digest << out;
  EXPECT_EQ(digest, "coordinator branch-0 branch-1 branch-2 " + p.branch(1) + "\n");

  ASSERT_EQ(ctl("stats " + q(p.mnt()) + " --prometheus", &out), kOk) << out;
  ASSERT_EQ(python(scratch, R"(
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {}
seen = set()
for f in text_string_to_metric_families(open(sys.argv[1]).read()):
    fams[f.name] = f
    for s in f.samples:
        key = (s.name, tuple(sorted(s.labels.items())))
        assert key not in seen, key
        seen.add(key)
        assert isinstance(s.value, float)
def n(name): return len(fams[name].samples)
answering = {s.labels['actor']: s.value for s in fams['mergerfs_actor_answering'].samples}
print(n('mergerfs_actor_answering'), n('mergerfs_branch_avail_bytes'), n('mergerfs_branch_health'),
      fams['mergerfs_branch_ops'].type, sorted(answering.items()))
)", out, &digest), 0) << digest << out;
  EXPECT_EQ(digest,
            "4 3 15 counter [('branch-0', 1.0), ('branch-1', 1.0), ('branch-2', 1.0), ('coordinator', 1.0)]\n")
      << out;
}

TEST(CtlTool, PrometheusForSixtyBranchesParses) {
  Pool p({.branches = 60});
  std::string out, digest;
  ASSERT_EQ(ctl("stats " + q(p.mnt()) + " --prometheus", &out), kOk) << out;
  TempDir scratch;
  ASSERT_EQ(python(scratch, R"(
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
print(len(fams['mergerfs_actor_answering'].samples), len(fams['mergerfs_branch_info'].samples))
)", out, &digest), 0) << digest;
  EXPECT_EQ(digest, "61 60\n");
}

TEST(CtlTool, WatchRedraws) {
  Pool p({.branches = 1});
  std::string out;
  // Killed by timeout(1) after ~3.5 s: exit status 124, and a frame each second.
  EXPECT_EQ(run("timeout 3.5 " + std::string(MERGERFS_CTL_BIN) + " stats " + q(p.mnt()) + " --watch 1 --json", &out),
            124);
  size_t frames = 0;
  for (size_t at = 0; (at = out.find("{\"summary\":", at)) != std::string::npos; ++at) ++frames;
  EXPECT_GE(frames, 3u) << out;
  EXPECT_LE(frames, 5u) << out;
  EXPECT_EQ(run("timeout 2.5 " + std::string(MERGERFS_CTL_BIN) + " stats " + q(p.mnt()) + " --watch 1", &out), 124);
  EXPECT_GE(std::count(out.begin(), out.end(), '\n'), 10) << out;
}

}  // namespace
}  // namespace mfs::test
