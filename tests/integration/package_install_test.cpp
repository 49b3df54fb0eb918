// Install and packaging: `cmake --install` layout, the systemd unit's command line, and the
// .deb built, installed, used and removed (tools/packaging/deb-test.sh restores the machine).
#include <gtest/gtest.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

std::string real(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}

std::string build_dir() {
  std::string bin = real(mergerfs_bin());
  return bin.substr(0, bin.rfind('/'));
}

// The source tree: recorded in the build directory's CMakeCache.txt.
std::string source_dir() {
  std::ifstream cache(build_dir() + "/CMakeCache.txt");
  std::string line;
  while (std::getline(cache, line))
    if (line.rfind("CMAKE_HOME_DIRECTORY:INTERNAL=", 0) == 0) return line.substr(line.find('=') + 1);
  std::string here = __FILE__;
  return here.substr(0, here.rfind("/tests/integration/"));
}

std::string shq(const std::string& s) { return "'" + s + "'"; }

bool executable(const std::string& p) { return ::access(p.c_str(), X_OK) == 0; }

TEST(OpsInstall, CmakeInstallPutsEverythingInTheUsualPlaces) {
  for (std::string prefix : {"/usr", "/usr/local"}) {
    SCOPED_TRACE(prefix);
    TempDir dest;
    std::string out;
    ASSERT_EQ(run("DESTDIR=" + shq(dest.path()) + " cmake --install " + shq(build_dir()) +
                      " --prefix " + prefix, &out, 60), 0) << out;
    const std::string root = dest.path() + prefix;
    EXPECT_TRUE(executable(root + "/bin/mergerfs"));
    EXPECT_TRUE(executable(root + "/bin/mergerfs-ctl"));
    // mount(8) looks for helpers in /sbin only, whatever the prefix.
    EXPECT_TRUE(executable(dest.path() + "/sbin/mount.mergerfs"));
    EXPECT_TRUE(exists(root + "/share/man/man1/mergerfs.1.gz"));
    std::string page;
    run("zcat " + shq(root + "/share/man/man1/mergerfs.1.gz"), &page);
    EXPECT_NE(page.find(".SH FSTAB"), std::string::npos);
    EXPECT_NE(page.find("category.create"), std::string::npos) << "OPTIONS not generated";
    EXPECT_EQ(page.find("@OPTIONS@"), std::string::npos);
    std::string unit = read_file(root + "/lib/systemd/system/mergerfs@.service");
    EXPECT_NE(unit.find("ExecStart=" + prefix + "/bin/mergerfs -o config=/etc/mergerfs/%i.conf"),
              std::string::npos) << unit;
    EXPECT_TRUE(exists(root + "/share/doc/mergerfs-actors/examples/pool.conf.example"));
    EXPECT_TRUE(exists(root + "/share/doc/mergerfs-actors/examples/fstab.example"));
    ASSERT_EQ(run(shq(root + "/bin/mergerfs") + " -v", &out), 0) << out;
    EXPECT_NE(out.find("actor edition"), std::string::npos) << out;
  }
}

// The unit runs `mergerfs -o config=FILE` with branches= and mountpoint= in the file.
TEST(OpsInstall, ConfigFileAloneMountsLikeTheSystemdUnit) {
  TempDir tmp;
  std::string a = tmp.path() + "/disk-a", b = tmp.path() + "/disk-b", mnt = tmp.path() + "/pool";
  make_dirs(a);
  make_dirs(b);
  make_dirs(mnt);
  write_file(b + "/f", "x");
  std::string conf = tmp.path() + "/pool.conf";
  write_file(conf, "# like /etc/mergerfs/pool.conf\nbranches=" + tmp.path() + "/disk-*\nmountpoint=" + mnt +
                       "\ncategory.create=mfs\n");
  std::string out;
  ASSERT_EQ(run(shq(mergerfs_bin()) + " -o config=" + shq(conf), &out, 20), 0) << out;
  EXPECT_TRUE(is_mounted(mnt));
  EXPECT_EQ(read_file(mnt + "/f"), "x");
  run("umount " + shq(mnt));
  EXPECT_FALSE(is_mounted(mnt));
}

// Builds the .deb in its own build directory, installs it, uses it, purges it and restores
// what it replaced. A dpkg lock held by another process past the script's wait is a failure.
TEST(OpsInstall, DebBuildsInstallsRunsAndIsRemoved) {
  std::string before;
  run("dpkg-query -W -f='${Status}' mergerfs-actors 2>/dev/null", &before);
  std::string out;
  int rc = run(shq(source_dir() + "/tools/packaging/deb-test.sh") + " " + shq(build_dir() + "/deb"),
               &out, 900);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("deb-test: PASS"), std::string::npos) << out;
  EXPECT_NE(out.find("deb-test: restored"), std::string::npos) << out;
  // What the machine had is back (the script compares files and package states); in
  // particular no mergerfs-actors is left behind for later runs to pick up.
  std::string after;
  run("dpkg-query -W -f='${Status}' mergerfs-actors 2>/dev/null", &after);
  // dpkg may or may not remember a purged package ("unknown ok not-installed" vs nothing):
  // what matters is whether it is installed.
  auto installed = [](const std::string& st) { return st.find("ok installed") != std::string::npos; };
  EXPECT_EQ(installed(after), installed(before)) << "before: " << before << " after: " << after;
}

}  // namespace
}  // namespace mfs::test
