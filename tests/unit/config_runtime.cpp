// Control-file view of the config: set/get/list, the option table itself, mount checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "config/config.hpp"
#include "config/option_docs.hpp"
#include "config_tmpdir.hpp"

namespace mfs::config {
namespace {

using policy::Func;
using policy::PolicyId;
using test::TmpDir;

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(ConfigRuntime, UnknownKeyIsEnodataAndConfigUnchanged) {
  Config c;
  std::vector<std::string> notes;
  EXPECT_EQ(set_runtime(c, "no-such-key", "1", notes), -ENODATA);
  EXPECT_EQ(set_runtime(c, "func.readdirx", "seq", notes), -ENODATA);
  EXPECT_EQ(dump(c), dump(Config{}));
  EXPECT_FALSE(get_value(c, "no-such-key").has_value());
}

TEST(ConfigRuntime, ReadOnlyKeysAreErofsAndConfigUnchanged) {
  for (const char* key : {"mountpoint", "fsname", "posix-acl", "cache.writeback", "fuse-msg-size",
                          "read-thread-count", "threads", "version", "pid", "config", "noforget",
                          "scheduling-priority", "cache.symlinks", "async-read", "uid"}) {
    Config c;
    std::vector<std::string> notes;
    EXPECT_EQ(set_runtime(c, key, "1", notes), -EROFS) << key;
    EXPECT_EQ(dump(c), dump(Config{})) << key;
  }
}

TEST(ConfigRuntime, BadValueIsEinvalAndConfigUnchanged) {
  Config c;
  std::vector<std::string> notes;
  ASSERT_EQ(set_runtime(c, "cache.files", "full", notes), 0);
  const std::vector<std::string> before = dump(c);
  EXPECT_EQ(set_runtime(c, "cache.files", "mostly", notes), -EINVAL);
  EXPECT_EQ(set_runtime(c, "cache.files", "", notes), -EINVAL);
  EXPECT_EQ(set_runtime(c, "link-cow", "", notes), -EINVAL) << "empty is not a bool";
  EXPECT_EQ(set_runtime(c, "category.create", "nope", notes), -EINVAL);
  EXPECT_EQ(set_runtime(c, "minfreespace", "12Q", notes), -EINVAL);
  EXPECT_EQ(set_runtime(c, "minfreespace", "99999999999T", notes), -EOVERFLOW);
  EXPECT_EQ(set_runtime(c, "cache.attr", "-2", notes), -EINVAL);
  EXPECT_EQ(dump(c), before);
  EXPECT_EQ(c.cache_files, CacheFiles::full);
}

TEST(ConfigRuntime, KeysAreNormalised) {
  Config c;
  std::vector<std::string> notes;
  ASSERT_EQ(set_runtime(c, "statfs_ignore", "nc", notes), 0);
  EXPECT_EQ(c.statfs_ignore, StatfsIgnore::nc);
  EXPECT_EQ(get_value(c, "statfs_ignore"), "nc");
  EXPECT_EQ(get_value(c, "statfs-ignore"), "nc");
}

TEST(ConfigRuntime, BranchInstructionsAtRuntime) {
  TmpDir tmp;
  const std::string a = tmp.mkdir("a"), b = tmp.mkdir("b");
  Config c;
  std::vector<std::string> notes;
  ASSERT_EQ(set_runtime(c, "branches", a, notes), 0);
  ASSERT_EQ(set_runtime(c, "branches", "+<" + b + "=NC,2G", notes), 0);
  EXPECT_EQ(get_value(c, "branches"), b + "=NC,2G:" + a + "=RW");
  EXPECT_EQ(get_value(c, "srcmounts"), b + ":" + a);
  EXPECT_EQ(set_runtime(c, "branches", "+" + a + "=xx", notes), -EINVAL);
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(),
                          [](const std::string& n) { return n.find("'xx'") != std::string::npos; }));
  EXPECT_EQ(set_runtime(c, "branches", "=", notes), 0);
  EXPECT_TRUE(c.branches.empty());
  EXPECT_EQ(set_runtime(c, "branches", "->", notes), -ENOENT);
}

TEST(ConfigRuntime, SrcmountsSetIsANoop) {
  TmpDir tmp;
  const std::string a = tmp.mkdir("a");
  Config c;
  std::vector<std::string> notes;
  ASSERT_EQ(set_runtime(c, "branches", a, notes), 0);
  EXPECT_EQ(set_runtime(c, "srcmounts", "/elsewhere", notes), 0);
  EXPECT_EQ(get_value(c, "srcmounts"), a);
}

TEST(ConfigRuntime, NoopKeysAcceptAnything) {
  Config c;
  std::vector<std::string> notes;
  EXPECT_EQ(set_runtime(c, "direct_io", "whatever", notes), 0);
  EXPECT_EQ(set_runtime(c, "gid-cache.expire", "9", notes), 0);
  EXPECT_EQ(dump(c), dump(Config{}));
  EXPECT_FALSE(get_value(c, "direct-io").has_value());
}

TEST(ConfigRuntime, CategoryReadsBackDistinctPoliciesInFunctionOrder) {
  Config c;
  std::vector<std::string> notes;
  EXPECT_EQ(get_value(c, "category.action"), "epall");
  EXPECT_EQ(get_value(c, "category.create"), "pfrd");
  EXPECT_EQ(get_value(c, "category.search"), "ff");
  ASSERT_EQ(set_runtime(c, "func.rmdir", "rand", notes), 0);
  ASSERT_EQ(set_runtime(c, "func.chmod", "ff", notes), 0);
  ASSERT_EQ(set_runtime(c, "func.utimens", "rand", notes), 0);
  // action functions in order: chmod chown link removexattr rename rmdir setxattr truncate ...
  EXPECT_EQ(get_value(c, "category.action"), "ff,epall,rand");
  ASSERT_EQ(set_runtime(c, "category.action", "mfs", notes), 0);
  EXPECT_EQ(get_value(c, "category.action"), "mfs");
  EXPECT_EQ(get_value(c, "func.rmdir"), "mfs");
  EXPECT_EQ(get_value(c, "func.getattr"), "ff") << "other categories untouched";
}

TEST(ConfigRuntime, VersionAndPid) {
  const Config c;
  EXPECT_EQ(get_value(c, "pid"), std::to_string(::getpid()));
  const std::optional<std::string> v = get_value(c, "version");
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->empty());
}

TEST(ConfigRuntime, DisplayedKeysSkipHiddenAndDumpMatches) {
  const Config c;
  const std::vector<std::string> keys = displayed_keys(c);
  for (const char* k : {"branches", "minfreespace", "func.rmdir", "func.readdir",
                        "category.create", "cache.branch-entry", "branch-deadline", "version",
                        "pid", "fsname", "never-forget-nodes"})
    EXPECT_TRUE(contains(keys, k)) << k;
  for (const char* k : {"srcmounts", "uid", "gid", "umask", "noforget", "threads", "mount",
                        "direct-io", "config"})
    EXPECT_FALSE(contains(keys, k)) << k;
  const std::vector<std::string> lines = dump(c);
  ASSERT_EQ(lines.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(lines[i].rfind(keys[i] + "=", 0), 0u);
  EXPECT_TRUE(contains(lines, "minfreespace=4294967295"));
  EXPECT_TRUE(contains(lines, "cache.files=off"));
}

TEST(ConfigRuntime, HiddenKeysStillGetAndSet) {
  Config c;
  std::vector<std::string> notes;
  EXPECT_EQ(get_value(c, "uid"), "");
  EXPECT_EQ(get_value(c, "noforget"), "false");
  EXPECT_EQ(get_value(c, "threads"), "0");
  ParseOutcome out;
  apply_option_string(c, "umask=0022,uid=1000", out);
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(get_value(c, "umask"), "022");
  EXPECT_EQ(c.uid, std::optional<uint32_t>(1000));
}

TEST(OptionTable, NamesAreUniqueAndRowsComplete) {
  std::set<std::string> seen;
  for (const OptionDef& d : option_table()) {
    EXPECT_TRUE(seen.insert(d.name).second) << "duplicate " << d.name;
    for (const std::string& a : d.aliases) EXPECT_TRUE(seen.insert(a).second) << "dup alias " << a;
    EXPECT_FALSE(d.effect.empty()) << d.name;
    EXPECT_EQ(d.name, normalize_key(d.name)) << "names are in normalised form";
    if (d.type == ValueType::noop || d.type == ValueType::directive) {
      EXPECT_FALSE(d.get) << d.name;
    } else {
      EXPECT_TRUE(d.get) << d.name;
    }
    if (d.type == ValueType::info) {
      EXPECT_TRUE(d.read_only) << d.name;
    }
  }
  for (const char* k :
       {"branches", "mountpoint", "config", "minfreespace", "moveonenospc", "inodecalc",
        "func.access", "func.utimens", "func.readdir", "category.action", "category.create",
        "category.search", "ignorepponrename", "link-exdev", "rename-exdev", "link-cow",
        "symlinkify", "symlinkify-timeout", "follow-symlinks", "nfsopenhack", "statfs",
        "statfs-ignore", "xattr", "security-capability", "posix-acl", "never-forget-nodes",
        "export-support", "kernel-permissions-check", "allow-idmap", "handle-killpriv",
        "handle-killpriv-v2", "lazy-umount-mountpoint", "branches-mount-timeout",
        "branches-mount-timeout-fail", "nullrw", "dropcacheonclose", "direct-io-allow-mmap",
        "async-read", "fuse-msg-size", "readahead", "flush-on-close", "parallel-direct-writes",
        "passthrough.io", "passthrough.max-stack-depth", "proxy-ioprio", "scheduling-priority",
        "read-thread-count", "process-thread-count", "process-thread-queue-depth", "pin-threads",
        "cache.files", "cache.files.process-names", "cache.attr", "cache.entry",
        "cache.negative-entry", "cache.statfs", "cache.symlinks", "cache.readdir",
        "cache.writeback", "cache.branch-entry", "branch-deadline", "fsname", "debug", "log.file",
        "version", "pid", "srcmounts", "uid", "gid", "umask", "atomic-o-trunc", "auto-cache",
        "big-writes", "cache.open", "defaults", "direct-io", "gid-cache.*", "hard-remove",
        "kernel-cache", "negative-entry", "no-splice-*", "nonempty", "splice-*", "use-ino"})
    EXPECT_TRUE(seen.count(k)) << "missing key " << k;
}

TEST(OptionTable, DefaultColumnIsWhatADefaultConfigReads) {
  const Config c;
  for (const OptionDef& d : option_table()) {
    if (!d.get || d.name == "pid") continue;
    EXPECT_EQ(d.get(c), d.default_value) << d.name;
  }
}

// Every key with a value either rejects runtime sets (read-only) or takes its example value and
// reads it back verbatim, on top of a default config; its mount-time parse agrees.
TEST(OptionTable, EveryKeyRoundTripsItsExample) {
  for (const OptionDef& d : option_table()) {
    if (d.type == ValueType::noop || d.type == ValueType::directive ||
        d.type == ValueType::info || d.name == "srcmounts")
      continue;
    SCOPED_TRACE(d.name);
    ASSERT_FALSE(d.example.empty());
    EXPECT_NE(d.example, d.default_value) << "example must differ from the default";

    Config runtime;
    std::vector<std::string> notes;
    const int rv = set_runtime(runtime, d.name, d.example, notes);
    if (d.read_only) {
      EXPECT_EQ(rv, -EROFS);
      EXPECT_EQ(get_value(runtime, d.name), d.default_value);
    } else {
      EXPECT_EQ(rv, 0);
      EXPECT_EQ(get_value(runtime, d.name), d.example);
      for (const std::string& alias : d.aliases) EXPECT_EQ(get_value(runtime, alias), d.example);
    }

    Config mounted;
    ParseOutcome out;
    apply_option(mounted, d.name + "=" + d.example, out);
    EXPECT_TRUE(out.errors.empty());
    EXPECT_EQ(get_value(mounted, d.name), d.example);
    ParseOutcome again;
    apply_option(mounted, d.name + "=" + *get_value(mounted, d.name), again);
    EXPECT_TRUE(again.errors.empty()) << "get output parses back";
  }
}

TEST(OptionTable, EveryAliasResolvesToItsRow) {
  for (const OptionDef& d : option_table())
    for (const std::string& a : d.aliases) EXPECT_EQ(find_option(a), &d) << a;
  EXPECT_EQ(find_option(" remember_nodes "), find_option("never-forget-nodes"));
  EXPECT_EQ(find_option("splice-write"), find_option("splice-*"));
  EXPECT_EQ(find_option("splice-"), nullptr);
}

TEST(OptionTable, MarkdownHasARowPerKey) {
  const std::string md = render_options_markdown();
  for (const OptionDef& d : option_table())
    EXPECT_NE(md.find("`" + d.name + "`"), std::string::npos) << d.name;
  EXPECT_NE(md.find("| `minfreespace` | SIZE | `4294967295` | settable |"), std::string::npos);
  EXPECT_NE(md.find("`noforget`"), std::string::npos);
  EXPECT_NE(md.find("cosr[:N[:M]]\\|cor"), std::string::npos) << "pipes escaped in cells";
}

TEST(MountChecks, DefaultFsnameStripsCommonPrefix) {
  auto br = [](std::vector<std::string> ps) {
    std::vector<BranchSpec> v;
    for (auto& p : ps) v.push_back(BranchSpec{p, BranchMode::RW, std::nullopt});
    return v;
  };
  EXPECT_EQ(default_fsname(br({"/mnt/disk1", "/mnt/disk2"})), "1:2");
  EXPECT_EQ(default_fsname(br({"/mnt/hdd", "/srv/ssd"})), "mnt/hdd:srv/ssd");
  EXPECT_EQ(default_fsname(br({"/mnt/a"})), "/mnt/a");
  EXPECT_EQ(default_fsname({}), "");
  Config c;
  c.branches = br({"/mnt/disk1", "/mnt/disk2"});
  EXPECT_EQ(get_value(c, "fsname"), "1:2");
  c.fsname = "pool";
  EXPECT_EQ(get_value(c, "fsname"), "pool");
}

TEST(MountChecks, ValidateForMount) {
  TmpDir tmp;
  const std::string a = tmp.mkdir("a"), b = tmp.mkdir("b"), mnt = tmp.mkdir("mnt");
  std::string err;
  Config c;
  EXPECT_EQ(validate_for_mount(c, err), -EINVAL);
  EXPECT_NE(err.find("branch"), std::string::npos);
  c.branches = {{a, BranchMode::RW, std::nullopt}, {b, BranchMode::RO, std::nullopt}};
  EXPECT_EQ(validate_for_mount(c, err), -EINVAL);
  EXPECT_NE(err.find("mountpoint"), std::string::npos);
  c.mountpoint = mnt;
  EXPECT_EQ(validate_for_mount(c, err), 0) << err;
  c.mountpoint = tmp.sub("ab");  // shares a string prefix only, not a path component
  EXPECT_EQ(validate_for_mount(c, err), 0) << err;

  Config loop = c;
  loop.mountpoint = mnt + "/";
  loop.branches.push_back({mnt, BranchMode::RW, std::nullopt});
  EXPECT_EQ(validate_for_mount(loop, err), -EINVAL);
  EXPECT_NE(err.find("is the mountpoint"), std::string::npos) << err;

  loop.branches.back().path = tmp.path();
  EXPECT_EQ(validate_for_mount(loop, err), -EINVAL);
  EXPECT_NE(err.find("contains"), std::string::npos) << err;

  loop.branches.back().path = tmp.mkdir("mnt/inner");
  EXPECT_EQ(validate_for_mount(loop, err), -EINVAL);
  EXPECT_NE(err.find("inside"), std::string::npos) << err;
}

TEST(MountChecks, PassthroughForcesCacheSettings) {
  Config c;
  std::vector<std::string> notes;
  apply_mount_fixups(c, notes);
  EXPECT_TRUE(notes.empty());
  c.passthrough_io = PassthroughIo::rw;
  c.cache_writeback = true;
  apply_mount_fixups(c, notes);
  EXPECT_EQ(c.cache_files, CacheFiles::auto_full);
  EXPECT_FALSE(c.cache_writeback);
  EXPECT_EQ(notes.size(), 3u);
}

}  // namespace
}  // namespace mfs::config
