// The control file MOUNT/.mergerfs (FEATURES.md §3), its keys: every key readable by every
// user, runtime changes by root only with mergerfs's errnos, read-only keys, commands.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tests/integration/control_file_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::control {
namespace {

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

}  // namespace
}  // namespace mfs::test::control
