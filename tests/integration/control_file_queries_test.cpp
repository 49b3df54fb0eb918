// The control file's per-file query keys on any path of the pool, and mergerfs-ctl-style use
// of the control file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tests/integration/control_file_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::control {
namespace {

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

}  // namespace
}  // namespace mfs::test::control
