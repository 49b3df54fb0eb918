// The control file MOUNT/.mergerfs (FEATURES.md §3): every key readable by every user, runtime
// changes by root only with mergerfs's errnos, live branch instructions, commands, the per-file
// query keys; and the stats dump (FEATURES.md §10) served from it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <cstring>
#include <regex>
#include <set>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using Clock = std::chrono::steady_clock;
const std::string kPrefix = "user.mergerfs.";

std::string ctl(const Pool& p) { return p.path(".mergerfs"); }

// getxattr with a buffer large enough for any value; the value or the errno.
Outcome getx(const std::string& path, const std::string& name, std::string* value = nullptr) {
  std::vector<char> buf(65536);
  auto o = sys([&] { return (long)::getxattr(path.c_str(), name.c_str(), buf.data(), buf.size()); });
  if (value) *value = o.ret >= 0 ? std::string(buf.data(), static_cast<size_t>(o.ret)) : "";
  return o;
}

std::string value_of(const std::string& path, const std::string& name) {
  std::string v;
  auto o = getx(path, name, &v);
  EXPECT_GE(o.ret, 0) << name << ": " << describe(o);
  return v;
}

Outcome setx(const std::string& path, const std::string& name, const std::string& value, int flags = 0) {
  return sys([&] { return (long)::setxattr(path.c_str(), name.c_str(), value.data(), value.size(), flags); });
}

std::vector<std::string> listx(const std::string& path) {
  std::vector<char> buf(1 << 20);
  ssize_t n = ::listxattr(path.c_str(), buf.data(), buf.size());
  std::vector<std::string> out;
  for (ssize_t at = 0; at < n;) {
    std::string name(buf.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    out.push_back(name);
  }
  return out;
}

Outcome stat_of(const std::string& path) {
  return sys([&] {
    struct stat st {};
    return (long)::stat(path.c_str(), &st);
  });
}


// Runs a Python script (Debian's interpreter, which has python3-prometheus-client) with the
// given input file; returns its exit status and output.
int python(const TempDir& dir, const std::string& script, const std::string& input, std::string* out) {
  write_file(dir.path() + "/script.py", script);
  write_file(dir.path() + "/input", input);
  return run("/usr/bin/python3 '" + dir.path() + "/script.py' '" + dir.path() + "/input'", out);
}

// Checks that `doc` is JSON (Python's parser) and prints a digest of the stats summary:
// "N id:kind:answering ..." per actor.
const char* kSummaryDigest = R"(
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
acts = d['actors']
print(len(acts), ' '.join('%s:%s:%s' % (a['id'], a['kind'], str(a.get('answering')).lower()) for a in acts))
)";

// Through a descriptor: no path walk, which would stall on a frozen first branch (the pool
// root's attributes come from it).
std::string stats_summary(int control_fd) {
  std::vector<char> buf(65536);
  ssize_t n = ::fgetxattr(control_fd, "user.mergerfs.stats", buf.data(), buf.size());
  return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : "";
}

// The flat summary entry of one actor, and one field of it ("" when absent).
std::string entry_of(const std::string& summary, const std::string& id) {
  auto at = summary.find("{\"id\":\"" + id + "\"");
  if (at == std::string::npos) return "";
  return summary.substr(at, summary.find('}', at) - at + 1);
}
std::string field(const std::string& entry, const std::string& name) {
  std::smatch m;
  std::regex re("\"" + name + "\":\"?([^,\"}]*)");
  return std::regex_search(entry, m, re) ? std::string(m[1]) : "";
}
uint64_t num_field(const std::string& entry, const std::string& name) {
  return std::strtoull(field(entry, name).c_str(), nullptr, 10);
}


// A child process running `fn`; reports whether it finished and how.
class Child {
 public:
  explicit Child(const std::function<long()>& fn) {
    pid_ = ::fork();
    if (pid_ == 0) ::_exit(fn() < 0 ? 1 : 0);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
  }
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) != pid_) return true;
    pid_ = -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return false;
  }
  // -1 still running after `limit`, else the exit status (0: fn succeeded).
  int wait_for(std::chrono::milliseconds limit) {
    auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      if (!running()) return status_;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return running() ? -1 : status_;
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// ---- reading ----

TEST(ControlFile, ListsEveryDisplayedKeyAndEveryUserReadsThem) {
  Pool p({.branches = 2});
  auto names = listx(ctl(p));
  ASSERT_GT(names.size(), 60u);
  std::set<std::string> keys;
  for (const auto& n : names) {
    ASSERT_EQ(n.rfind(kPrefix, 0), 0u) << n;
    keys.insert(n.substr(kPrefix.size()));
  }
  for (const char* k : {"branches", "minfreespace", "moveonenospc", "category.create", "func.getattr",
                        "func.readdir", "cache.files", "cache.branch-entry", "version", "pid", "fsname"})
    EXPECT_TRUE(keys.count(k)) << k;
  // Hidden keys and the stats dump are not listed, but read.
  for (const char* k : {"srcmounts", "stats"}) EXPECT_FALSE(keys.count(k)) << k;
  EXPECT_EQ(value_of(ctl(p), kPrefix + "srcmounts"), p.branch(0) + ":" + p.branch(1));

  for (const auto& n : names) {
    std::string v;
    auto o = getx(ctl(p), n, &v);
    ASSERT_GE(o.ret, 0) << n << ": " << describe(o);
    // A size query agrees with the read, and the value carries no trailing NUL.
    EXPECT_EQ(::getxattr(ctl(p).c_str(), n.c_str(), nullptr, 0), o.ret) << n;
    EXPECT_TRUE(v.empty() || v.back() != '\0') << n;
    // Every user may read every key.
    auto as_nobody = as_user(kNobody, kNogroup, [&] {
      char buf[65536];
      return (long)::getxattr(ctl(p).c_str(), n.c_str(), buf, sizeof buf);
    });
    EXPECT_EQ(as_nobody.ret, o.ret) << n << ": " << describe(as_nobody);
  }
  EXPECT_EQ(value_of(ctl(p), kPrefix + "pid"), std::to_string(p.pid()));
  EXPECT_EQ(value_of(ctl(p), kPrefix + "branches"), p.branch(0) + "=RW:" + p.branch(1) + "=RW");
  EXPECT_EQ(value_of(ctl(p), kPrefix + "category.create"), "pfrd");
  // A buffer too small is ERANGE.
  char small[2];
  EXPECT_EQ(sys([&] { return (long)::getxattr(ctl(p).c_str(), "user.mergerfs.branches", small, 2); }).err,
            ERANGE);
}

TEST(ControlFile, UnknownKeysAndForeignNamesAreEnoattr) {
  Pool p({.branches = 1});
  EXPECT_EQ(getx(ctl(p), kPrefix + "no-such-key").err, ENODATA);
  EXPECT_EQ(getx(ctl(p), "user.other").err, ENODATA);
  EXPECT_EQ(getx(ctl(p), kPrefix + "cmd.gc").err, ENODATA);
  EXPECT_EQ(getx(ctl(p), kPrefix + "stats.no-such-actor").err, ENODATA);
  EXPECT_EQ(setx(ctl(p), kPrefix + "no-such-key", "1").err, ENODATA);
  EXPECT_EQ(setx(ctl(p), "user.other", "1").err, ENODATA);
  EXPECT_EQ(setx(ctl(p), kPrefix + "cmd.no-such-command", "1").err, ENODATA);
  // mergerfs answers EEXIST for XATTR_CREATE: every key exists already.
  EXPECT_EQ(setx(ctl(p), kPrefix + "minfreespace", "1G", XATTR_CREATE).err, EEXIST);
  EXPECT_EQ(value_of(ctl(p), kPrefix + "minfreespace"), "4294967295");
}

// ---- changing ----

TEST(ControlFile, SetChangesValuesAtRuntime) {
  Pool p({.branches = 2});
  const std::string c = ctl(p);
  EXPECT_EQ(setx(c, kPrefix + "minfreespace", "1G").ret, 0);
  EXPECT_EQ(value_of(c, kPrefix + "minfreespace"), "1073741824");
  EXPECT_EQ(setx(c, kPrefix + "func.getattr", "newest").ret, 0);
  EXPECT_EQ(value_of(c, kPrefix + "func.getattr"), "newest");
  EXPECT_EQ(setx(c, kPrefix + "category.create", "mfs").ret, 0);
  EXPECT_EQ(value_of(c, kPrefix + "category.create"), "mfs");
  EXPECT_EQ(value_of(c, kPrefix + "func.mkdir"), "mfs");
  EXPECT_EQ(setx(c, kPrefix + "cache.readdir", "true").ret, 0);
  EXPECT_EQ(value_of(c, kPrefix + "cache.readdir"), "true");
  // XATTR_REPLACE is a plain set.
  EXPECT_EQ(setx(c, kPrefix + "moveonenospc", "mfs", XATTR_REPLACE).ret, 0);
  EXPECT_EQ(value_of(c, kPrefix + "moveonenospc"), "mfs");
  // Underscores are normalised like on the command line.
  EXPECT_EQ(setx(c, kPrefix + "statfs_ignore", "ro").ret, 0);
  EXPECT_EQ(value_of(c, kPrefix + "statfs-ignore"), "ro");
  // A legacy no-op key is accepted and ignored.
  EXPECT_EQ(setx(c, kPrefix + "srcmounts", "/elsewhere").ret, 0);
  EXPECT_EQ(value_of(c, kPrefix + "srcmounts"), p.branch(0) + ":" + p.branch(1));
}

// Every listed key set to its own value: accepted unless it is read-only (EROFS), and unchanged.
TEST(ControlFile, EveryListedKeyRoundTrips) {
  Pool p({.branches = 2});
  const std::string c = ctl(p);
  std::set<std::string> read_only;
  for (const auto& n : listx(c)) {
    std::string before = value_of(c, n);
    auto o = setx(c, n, before);
    EXPECT_TRUE(o.ret == 0 || o.err == EROFS) << n << "=" << before << ": " << describe(o);
    if (o.err == EROFS) read_only.insert(n.substr(kPrefix.size()));
    EXPECT_EQ(value_of(c, n), before) << n;
  }
  for (const char* k : {"version", "pid", "fsname", "mountpoint", "async-read", "posix-acl",
                        "cache.writeback", "fuse-msg-size", "read-thread-count"})
    EXPECT_TRUE(read_only.count(k)) << k;
  for (const char* k : {"branches", "minfreespace", "category.create", "cache.attr"})
    EXPECT_FALSE(read_only.count(k)) << k;
}

TEST(ControlFile, BadValueIsEinvalAndTheOldValueStays) {
  Pool p({.branches = 2});
  const std::string c = ctl(p);
  struct Case {
    const char* key;
    const char* value;
  };
  for (Case k : {Case{"minfreespace", "lots"}, Case{"func.create", "no-such-policy"},
                 Case{"category.search", "x"}, Case{"cache.attr", "-5"}, Case{"statfs", "half"},
                 Case{"moveonenospc", "maybe"}, Case{"cache.files", "sometimes"}, Case{"xattr", ""},
                 Case{"branches", "+>/tmp/x=XX"}}) {
    std::string before = value_of(c, kPrefix + k.key);
    auto o = setx(c, kPrefix + k.key, k.value);
    EXPECT_EQ(o.err, EINVAL) << k.key << "=" << k.value << ": " << describe(o);
    EXPECT_EQ(value_of(c, kPrefix + k.key), before) << k.key;
  }
}

TEST(ControlFile, ReadOnlyKeysAreErofs) {
  Pool p({.branches = 1});
  const std::string c = ctl(p);
  for (const char* k : {"version", "pid", "fsname", "mountpoint", "async-read", "cache.writeback",
                        "stats", "stats.coordinator", "stats.branch-0"}) {
    std::string before;
    getx(c, kPrefix + k, &before);
    EXPECT_EQ(setx(c, kPrefix + k, "1").err, EROFS) << k;
    if (std::string(k).rfind("stats", 0) != 0) {
      EXPECT_EQ(value_of(c, kPrefix + k), before) << k;
    }
  }
}

TEST(ControlFile, CommandsRun) {
  Pool p({.branches = 1});
  for (const char* cmd : {"gc", "gc1", "invalidate-all-nodes"})
    EXPECT_EQ(setx(ctl(p), kPrefix + "cmd." + cmd, "").ret, 0) << cmd;
  EXPECT_EQ(getx(ctl(p), kPrefix + "cmd.gc").err, ENODATA);
  // Test hooks are not commands unless the daemon was started with MERGERFS_TEST_HOOKS=1.
  EXPECT_EQ(setx(ctl(p), kPrefix + "cmd.test-mute-branch", p.branch(0)).err, ENODATA);
}

// With default_permissions (the default) the kernel refuses a non-root write to the 0664
// root-owned control file (EACCES); without it the daemon does (EPERM). Either way nothing
// changes, and reads keep working.
TEST(ControlFile, OnlyRootMayChangeAnything) {
  for (const char* opts : {"", "kernel-permissions-check=false"}) {
    SCOPED_TRACE(opts);
    Pool p({.branches = 2, .options = opts});
    const std::string c = ctl(p);
    const int expected = *opts ? EPERM : EACCES;
    auto set_as_nobody = [&](const std::string& key, const std::string& value) {
      return as_user(kNobody, kNogroup, [&] {
        return (long)::setxattr(c.c_str(), (kPrefix + key).c_str(), value.data(), value.size(), 0);
      });
    };
    std::string branches = value_of(c, kPrefix + "branches");
    EXPECT_EQ(set_as_nobody("minfreespace", "1G").err, expected);
    EXPECT_EQ(set_as_nobody("branches", "-" + p.branch(0)).err, expected);
    EXPECT_EQ(set_as_nobody("branches", "+>" + p.root()).err, expected);
    EXPECT_EQ(set_as_nobody("cmd.gc", "").err, expected);
    EXPECT_EQ(set_as_nobody("fsname", "x").err, expected);
    EXPECT_EQ(value_of(c, kPrefix + "minfreespace"), "4294967295");
    EXPECT_EQ(value_of(c, kPrefix + "branches"), branches);
    auto read = as_user(kNobody, kNogroup, [&] {
      char buf[65536];
      return (long)::getxattr(c.c_str(), "user.mergerfs.stats", buf, sizeof buf);
    });
    EXPECT_GT(read.ret, 0) << describe(read);
    // Root still can.
    EXPECT_EQ(setx(c, kPrefix + "minfreespace", "1G").ret, 0);
  }
}

// ---- branches, live ----

TEST(ControlFile, BranchInstructionsChangeThePoolLive) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.attr=0,cache.negative-entry=0,cache.branch-entry=0"});
  const std::string c = ctl(p);
  const std::string key = kPrefix + "branches";
  std::string x = p.root() + "/x", y = p.root() + "/y", z = p.root() + "/z";
  for (const auto& d : {x, y, z}) make_dirs(d);
  write_file(x + "/on-x", "x");
  write_file(y + "/on-y", "y");
  write_file(p.on_branch(0, "on-b0"), "0");
  const std::string b0 = p.branch(0) + "=RW", b1 = p.branch(1) + "=RW";
  auto set = [&](const std::string& v) { return setx(c, key, v); };

  EXPECT_EQ(stat_of(p.path("on-x")).err, ENOENT);
  ASSERT_EQ(set("+>" + x).ret, 0);
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1 + ":" + x + "=RW");
  EXPECT_EQ(read_file(p.path("on-x")), "x");
  ASSERT_EQ(set("+<" + y + "=RO").ret, 0);
  EXPECT_EQ(value_of(c, key), y + "=RO:" + b0 + ":" + b1 + ":" + x + "=RW");
  EXPECT_EQ(read_file(p.path("on-y")), "y");
  ASSERT_EQ(set("+" + z + "=NC,1G").ret, 0);
  EXPECT_EQ(value_of(c, key), y + "=RO:" + b0 + ":" + b1 + ":" + x + "=RW:" + z + "=NC,1G");
  ASSERT_EQ(set("-<").ret, 0);
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1 + ":" + x + "=RW:" + z + "=NC,1G");
  EXPECT_EQ(stat_of(p.path("on-y")).err, ENOENT);
  ASSERT_EQ(set("->").ret, 0);
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1 + ":" + x + "=RW");
  ASSERT_EQ(set("-" + p.root() + "/[xy]").ret, 0);  // fnmatch patterns
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1);
  EXPECT_EQ(stat_of(p.path("on-x")).err, ENOENT);
  ASSERT_EQ(set("=" + p.branch(1)).ret, 0);
  EXPECT_EQ(value_of(c, key), b1);
  EXPECT_EQ(stat_of(p.path("on-b0")).err, ENOENT);
  ASSERT_EQ(set(p.branch(0) + ":" + p.branch(1)).ret, 0);  // no prefix: replace
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1);
  EXPECT_EQ(read_file(p.path("on-b0")), "0");
  // srcmounts follows.
  EXPECT_EQ(value_of(c, kPrefix + "srcmounts"), p.branch(0) + ":" + p.branch(1));

  // A failed instruction changes nothing, even when its first elements were fine.
  EXPECT_EQ(set("+>" + x + ":" + y + "=BAD").err, EINVAL);
  EXPECT_EQ(set("+<" + x + "=RW,notasize").err, EINVAL);
  EXPECT_EQ(set("=" + x + ":" + y + "=").err, EINVAL);
  EXPECT_EQ(value_of(c, key), b0 + ":" + b1);
  EXPECT_EQ(stat_of(p.path("on-x")).err, ENOENT);

  // `=` alone clears the list; removing from an empty list is ENOENT.
  ASSERT_EQ(set("=").ret, 0);
  EXPECT_EQ(value_of(c, key), "");
  EXPECT_EQ(set("-<").err, ENOENT);
  EXPECT_EQ(set("->").err, ENOENT);
  EXPECT_EQ(stat_of(p.mnt()).ret, 0);  // the root and the control file stay reachable
  ASSERT_EQ(set("+>" + p.branch(0)).ret, 0);
  EXPECT_EQ(read_file(p.path("on-b0")), "0");
}

TEST(ControlFile, RemovedBranchOpenFilesWorkUntilClosed) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.attr=0,cache.branch-entry=0"});
  write_file(p.on_branch(1, "open-me"), "before");
  int fd = ::open(p.path("open-me").c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(setx(ctl(p), kPrefix + "branches", "-" + p.branch(1)).ret, 0);
  EXPECT_EQ(stat_of(p.path("open-me")).err, ENOENT);  // gone from the pool for new requests
  char buf[16] = {};
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), 6) << std::strerror(errno);
  EXPECT_EQ(std::string(buf, 6), "before");
  EXPECT_EQ(::pwrite(fd, "after!", 6, 0), 6);
  EXPECT_EQ(::fsync(fd), 0);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(read_file(p.on_branch(1, "open-me")), "after!");
}

// A request that started before a branch change finishes on the branch set it started with:
// a lookup stalled on a frozen first branch still finds the file on a branch removed meanwhile.
TEST(ControlFile, InFlightRequestFinishesOnItsBranchSet) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.negative-entry=0,cache.branch-entry=0", .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  write_file(p.on_branch(1, "other"), "o");
  p.start();
  ASSERT_EQ(stat_of(p.path("other")).ret, 0);
  // Path walks through the pool stall while branch 0 is frozen (the root's attributes come
  // from it): reach the control file through a descriptor opened beforehand.
  int cfd = ::open(ctl(p).c_str(), O_RDONLY);
  ASSERT_GE(cfd, 0) << std::strerror(errno);
  const std::string change = "-" + p.branch(1);

  // Rarely the frozen branch's kernel answers the probe from its own cache, and nothing is in
  // flight: thaw, and try again with a name the pool has not looked up yet.
  std::unique_ptr<Child> lookup;
  for (int attempt = 0; attempt < 5 && !lookup; ++attempt) {
    const std::string target = p.path("target" + std::to_string(attempt));
    write_file(p.on_branch(1, "target" + std::to_string(attempt)), "t");
    frozen.freeze();
    auto child = std::make_unique<Child>([target] {
      struct stat st {};
      return (long)::stat(target.c_str(), &st);
    });
    if (child->wait_for(std::chrono::milliseconds(300)) == -1) {
      lookup = std::move(child);  // stalled on the frozen branch: the scenario is set
    } else {
      frozen.thaw();
    }
  }
  if (!lookup) {
    ::close(cfd);
    FAIL() << "no lookup stalled on the frozen branch in 5 attempts";
  }
  // The control file does not touch branches: the change goes through while it is stalled.
  auto set = sys([&] {
    return (long)::fsetxattr(cfd, "user.mergerfs.branches", change.data(), change.size(), 0);
  });
  frozen.thaw();
  ::close(cfd);
  ASSERT_EQ(set.ret, 0) << describe(set);
  EXPECT_EQ(lookup->wait_for(std::chrono::seconds(5)), 0);  // found on the old set's branch 1
  EXPECT_EQ(stat_of(p.path("other")).err, ENOENT);         // new requests use the new set
}

// ---- per-file query keys ----

TEST(ControlFile, PerFileQueryKeysOnAnyPath) {
  Pool p({.branches = 3});
  make_dirs(p.on_branch(1, "dir/sub"));
  make_dirs(p.on_branch(2, "dir/sub"));
  write_file(p.on_branch(1, "dir/sub/file"), "1");
  write_file(p.on_branch(2, "dir/sub/file"), "2");
  const std::string f = p.path("dir/sub/file");
  EXPECT_EQ(value_of(f, kPrefix + "basepath"), p.branch(1));
  EXPECT_EQ(value_of(f, kPrefix + "relpath"), "dir/sub/file");
  EXPECT_EQ(value_of(f, kPrefix + "fullpath"), p.branch(1) + "/dir/sub/file");
  EXPECT_EQ(value_of(f, kPrefix + "allpaths"),
            p.branch(1) + "/dir/sub/file" + std::string(1, '\0') + p.branch(2) + "/dir/sub/file" +
                std::string(1, '\0'));
  EXPECT_EQ(value_of(p.path("dir"), kPrefix + "fullpath"), p.branch(1) + "/dir");
  EXPECT_EQ(value_of(p.mnt(), kPrefix + "basepath"), p.branch(0));
  EXPECT_EQ(value_of(p.mnt(), kPrefix + "relpath"), "");
  // Every user may query them; they are never listed; other user.mergerfs.* names are ENOATTR.
  auto o = as_user(kNobody, kNogroup, [&] {
    char buf[4096];
    return (long)::getxattr(f.c_str(), "user.mergerfs.fullpath", buf, sizeof buf);
  });
  EXPECT_EQ(o.ret, static_cast<long>((p.branch(1) + "/dir/sub/file").size())) << describe(o);
  for (const auto& n : listx(f)) EXPECT_NE(n.rfind(kPrefix, 0), 0u) << n;
  EXPECT_EQ(getx(f, kPrefix + "version").err, ENODATA);
  EXPECT_EQ(getx(f, kPrefix + "stats").err, ENODATA);
  EXPECT_EQ(getx(p.path("missing"), kPrefix + "basepath").err, ENOENT);
}

// mergerfs.ctl and getfattr/setfattr use plain xattr calls; they work unchanged.
TEST(ControlFile, MergerfsCtlStyleUsageWorks) {
  Pool p({.branches = 2, .options = "cache.entry=0,cache.attr=0,cache.negative-entry=0"});
  std::string extra = p.root() + "/extra";
  make_dirs(extra);
  write_file(extra + "/hello", "hi");
  std::string out;
  EXPECT_EQ(run("getfattr -d --absolute-names '" + ctl(p) + "'", &out), 0) << out;
  EXPECT_NE(out.find("user.mergerfs.category.create=\"pfrd\""), std::string::npos) << out;
  EXPECT_NE(out.find("user.mergerfs.version="), std::string::npos) << out;
  EXPECT_EQ(run("getfattr --absolute-names --only-values -n user.mergerfs.branches '" + ctl(p) + "'", &out), 0);
  EXPECT_EQ(out, p.branch(0) + "=RW:" + p.branch(1) + "=RW");
  EXPECT_EQ(run("setfattr -n user.mergerfs.branches -v '+>" + extra + "' '" + ctl(p) + "'", &out), 0) << out;
  EXPECT_EQ(read_file(p.path("hello")), "hi");
  EXPECT_NE(run("setfattr -n user.mergerfs.fsname -v x '" + ctl(p) + "'", &out), 0);
  EXPECT_NE(out.find("Read-only file system"), std::string::npos) << out;

  // What mergerfs.ctl (mergerfs-tools) does: list + get every key, set, add and remove a path.
  TempDir scratch;
  const char* script = R"(
import os, sys
ctl = sys.argv[2]
keys = [k for k in os.listxattr(ctl) if k.startswith('user.mergerfs.')]
info = {k[len('user.mergerfs.'):]: os.getxattr(ctl, k).decode() for k in keys}
assert 'version' in info and 'branches' in info, info
os.setxattr(ctl, 'user.mergerfs.func.open', b'newest')
assert os.getxattr(ctl, 'user.mergerfs.func.open') == b'newest'
srcmounts = os.getxattr(ctl, 'user.mergerfs.srcmounts').decode().split(':')
os.setxattr(ctl, 'user.mergerfs.branches', ('-' + srcmounts[-1]).encode())
try:
    os.setxattr(ctl, 'user.mergerfs.nope', b'1')
    sys.exit('unknown key accepted')
except OSError as e:
    assert e.errno == 61, e  # ENODATA (ENOATTR)
print(len(keys), os.getxattr(ctl, 'user.mergerfs.srcmounts').decode())
)";
  write_file(scratch.path() + "/ctl.py", script);
  EXPECT_EQ(run("/usr/bin/python3 '" + scratch.path() + "/ctl.py' x '" + ctl(p) + "'", &out), 0) << out;
  EXPECT_NE(out.find(" " + p.branch(0) + ":" + p.branch(1) + "\n"), std::string::npos) << out;
  EXPECT_EQ(stat_of(p.path("hello")).err, ENOENT);
}

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
}  // namespace mfs::test
