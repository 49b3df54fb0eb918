// fstab: `mount`, `mount -a` and `umount` with fuse.mergerfs and mergerfs lines, through a
// temporary fstab (`mount -T FILE`), never the machine's own.
//
// mount(8) runs its helpers with the default PATH (it drops the caller's), so mount.fuse3 would
// start whatever `mergerfs` /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin holds, and type
// `mergerfs` runs /sbin/mount.mergerfs. Each test therefore runs in a child process inside a
// private mount namespace whose overlays put tools/mount.mergerfs at /sbin/mount.mergerfs and
// the built daemon first in that PATH (/usr/local/sbin/mergerfs). The overlays exist only in
// that namespace: the machine's files are never touched, and every process left in the
// namespace is killed when the test ends. Each test checks /proc/PID/exe of the daemon.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string real(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}

// The source tree: recorded in the build directory's CMakeCache.txt.
std::string source_dir() {
  std::ifstream cache(real(mergerfs_bin()).substr(0, real(mergerfs_bin()).rfind('/')) + "/CMakeCache.txt");
  std::string line;
  while (std::getline(cache, line))
    if (line.rfind("CMAKE_HOME_DIRECTORY:INTERNAL=", 0) == 0) return line.substr(line.find('=') + 1);
  std::string here = __FILE__;
  return here.substr(0, here.rfind("/tests/integration/"));
}


std::string ns_of(pid_t pid) {
  char buf[64] = {};
  std::string link = "/proc/" + std::to_string(pid) + "/ns/mnt";
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Every process in mount namespace `ns` (daemons the test started there).
std::vector<pid_t> pids_in_ns(const std::string& ns) {
  std::vector<pid_t> out;
  std::string list;
  run("ls /proc", &list);
  std::istringstream in(list);
  std::string name;
  while (in >> name)
    if (name.find_first_not_of("0123456789") == std::string::npos) {
      pid_t pid = std::atoi(name.c_str());
      if (pid != ::getpid() && ns_of(pid) == ns) out.push_back(pid);
    }
  return out;
}

// Runs `body` in a child inside a private mount namespace where mount(8) finds this build (see
// the top of the file). gtest failures in the child are printed by the child; the parent fails
// if there were any, or if the child did not finish within `timeout_s`.
void in_build_namespace(const std::function<void()>& body, int timeout_s = 60) {
  TempDir ovl;
  const std::string sbin = ovl.path() + "/sbin", local = ovl.path() + "/local-sbin";
  make_dirs(sbin);
  make_dirs(local);
  ASSERT_EQ(run("install -m 0755 '" + source_dir() + "/tools/mount.mergerfs' '" + sbin + "/mount.mergerfs'"), 0);
  ASSERT_EQ(::symlink(real(mergerfs_bin()).c_str(), (local + "/mergerfs").c_str()), 0);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::fflush(stdout);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(p[0]);
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      std::printf("unshare/private: %s\n", std::strerror(errno));
      ::_exit(2);
    }
    std::string ns = ns_of(::getpid());
    (void)!::write(p[1], ns.data(), ns.size());
    ::close(p[1]);
    for (auto [dir, target] : {std::pair{sbin, real("/sbin")}, std::pair{local, real("/usr/local/sbin")}}) {
      std::string o = "lowerdir=" + dir + ":" + target;
      if (::mount("overlay", target.c_str(), "overlay", 0, o.c_str()) != 0) {
        std::printf("overlay on %s: %s\n", target.c_str(), std::strerror(errno));
        ::_exit(2);
      }
    }
    ::setenv("MERGERFS_BIN", real(mergerfs_bin()).c_str(), 1);
    body();
    std::fflush(stdout);
    ::_exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  ::close(p[1]);
  char buf[64] = {};
  ssize_t n = ::read(p[0], buf, sizeof buf - 1);
  ::close(p[0]);
  const std::string ns = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  int status = -1;
  bool done = eventually([&] { return ::waitpid(child, &status, WNOHANG) == child; },
                         std::chrono::seconds(timeout_s));
  if (!done) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  if (!ns.empty())
    for (pid_t pid : pids_in_ns(ns)) ::kill(pid, SIGKILL);
  EXPECT_TRUE(done) << "the test did not finish within " << timeout_s << " s";
  EXPECT_TRUE(done && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "failures inside the namespace (printed above), status " << status;
}

std::string getx(const std::string& path, const std::string& name) {
  char buf[4096];
  ssize_t n = ::getxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  return n >= 0 ? std::string(buf, static_cast<size_t>(n)) : "<" + std::string(std::strerror(errno)) + ">";
}

// The /proc/mounts line for mountpoint `mnt` (empty if not mounted).
std::string mounts_line(const std::string& mnt) {
  std::ifstream f("/proc/self/mounts");
  std::string line;
  while (std::getline(f, line))
    if (line.find(" " + mnt + " ") != std::string::npos) return line;
  return "";
}

int mount_count(const std::string& mnt) {
  std::ifstream f("/proc/self/mounts");
  std::string line;
  int n = 0;
  while (std::getline(f, line)) n += line.find(" " + mnt + " ") != std::string::npos;
  return n;
}

std::string cmdline_of(pid_t pid) {
  std::string s = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : s)
    if (c == '\0') c = ' ';
  return s;
}

// The daemon serving `mnt`: its pid from the control file, checked to be the built binary.
pid_t daemon_of(const std::string& mnt) {
  pid_t pid = std::atoi(getx(mnt + "/.mergerfs", "user.mergerfs.pid").c_str());
  EXPECT_GT(pid, 0) << "no pid from " << mnt << "/.mergerfs";
  if (pid > 0) {
    EXPECT_EQ(real("/proc/" + std::to_string(pid) + "/exe"), real(mergerfs_bin()))
        << "the mount is served by another mergerfs binary";
  }
  return pid;
}

bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// A scratch layout: ROOT/disk1, ROOT/disk2 (one file each), mountpoints, and an fstab.
struct Layout {
  TempDir tmp;
  std::string root = tmp.path();
  std::string fstab = root + "/fstab";
  Layout() {
    make_dirs(root + "/disk1");
    make_dirs(root + "/disk2");
    write_file(root + "/disk1/one", "1\n");
    write_file(root + "/disk2/two", "2\n");
  }
  std::string pool(const std::string& name) {
    make_dirs(root + "/" + name);
    return root + "/" + name;
  }
  void write_fstab(const std::string& text) { write_file(fstab, text); }
};

TEST(OpsFstab, FuseMergerfsLineMountsWithGlobAndUnmounts) {
  Layout l;
  std::string pool = l.pool("pool");
  l.write_fstab("# test fstab\n" + l.root + "/disk*  " + pool +
                "  fuse.mergerfs  allow_other,category.create=mfs,minfreespace=1G,nofail,_netdev,"
                "x-systemd.mount-timeout=30,x-systemd.requires=x.mount,defaults,noatime  0 0\n");
  in_build_namespace([&] {
    std::string out;
    ASSERT_EQ(run("mount -T '" + l.fstab + "' '" + pool + "'", &out, 20), 0) << out;
    ASSERT_TRUE(is_mounted(pool));
    pid_t pid = daemon_of(pool);
    // The glob reached the daemon unexpanded and the daemon expanded it.
    EXPECT_EQ(getx(pool + "/.mergerfs", "user.mergerfs.branches"),
              l.root + "/disk1=RW:" + l.root + "/disk2=RW");
    EXPECT_EQ(getx(pool + "/.mergerfs", "user.mergerfs.category.create"), "mfs");
    EXPECT_EQ(getx(pool + "/.mergerfs", "user.mergerfs.minfreespace"), "1073741824");
    EXPECT_EQ(read_file(pool + "/one"), "1\n");
    EXPECT_EQ(read_file(pool + "/two"), "2\n");
    std::string line = mounts_line(pool);
    EXPECT_NE(line.find(" fuse.mergerfs "), std::string::npos) << line;
    EXPECT_NE(line.find("noatime"), std::string::npos) << line;
    for (const char* fstab_only : {"nofail", "netdev", "x-systemd", "defaults", "category"})
      EXPECT_EQ(line.find(fstab_only), std::string::npos) << fstab_only << " in " << line;

    ASSERT_EQ(run("umount '" + pool + "'", &out, 20), 0) << out;
    EXPECT_FALSE(is_mounted(pool));
    EXPECT_TRUE(eventually([&] { return gone(pid); }, std::chrono::seconds(5)))
        << "the daemon did not exit after umount";
  });
}

TEST(OpsFstab, MergerfsTypeUsesTheHelperAndPassesKernelOptions) {
  Layout l;
  std::string pool = l.pool("pool");
  l.write_fstab(l.root + "/disk1:" + l.root + "/disk2  " + pool +
                "  mergerfs  ro,noatime,nosuid,nodev,noexec,nofail,_netdev,auto,users,"
                "x-systemd.automount,comment=systemd.x,func.getattr=newest,cache.files=off  0 0\n");
  in_build_namespace([&] {
    std::string out;
    ASSERT_EQ(run("mount -T '" + l.fstab + "' '" + pool + "'", &out, 20), 0) << out;
    ASSERT_TRUE(is_mounted(pool));
    pid_t pid = daemon_of(pool);
    std::string line = mounts_line(pool);
    std::string opts = line.substr(line.find("fuse.mergerfs ") + 14);
    for (const char* k : {"ro,", "nosuid", "nodev", "noexec", "noatime"})
      EXPECT_NE(opts.find(k), std::string::npos) << k << " missing from " << line;
    EXPECT_EQ(getx(pool + "/.mergerfs", "user.mergerfs.func.getattr"), "newest");
    // The helper dropped what only fstab and mount(8) read; the daemon never saw it.
    std::string cmd = cmdline_of(pid);
    for (const char* fstab_only : {"nofail", "_netdev", "auto", "users", "x-systemd", "comment"})
      EXPECT_EQ(cmd.find(fstab_only), std::string::npos) << fstab_only << " reached the daemon: " << cmd;
    EXPECT_EQ(::mkdir((pool + "/new").c_str(), 0755), -1);
    EXPECT_EQ(errno, EROFS);

    ASSERT_EQ(run("umount '" + pool + "'", &out, 20), 0) << out;
    EXPECT_TRUE(eventually([&] { return gone(pid); }, std::chrono::seconds(5)));
  });
}

TEST(OpsFstab, MountAllMountsAutoLinesAndSkipsNoauto) {
  Layout l;
  std::string p1 = l.pool("pool1"), p2 = l.pool("pool2"), p3 = l.pool("pool3");
  l.write_fstab(l.root + "/disk*  " + p1 + "  fuse.mergerfs  nofail  0 0\n" +
                l.root + "/disk*  " + p2 + "  fuse.mergerfs  noauto  0 0\n" +
                l.root + "/disk1  " + p3 + "  mergerfs  defaults,x-systemd.before=y.mount  0 0\n");
  in_build_namespace([&] {
    std::string out;
    ASSERT_EQ(run("mount -a -T '" + l.fstab + "'", &out, 30), 0) << out;
    EXPECT_TRUE(is_mounted(p1));
    EXPECT_FALSE(is_mounted(p2)) << "noauto line mounted by mount -a";
    EXPECT_TRUE(is_mounted(p3));
    pid_t d1 = daemon_of(p1), d3 = daemon_of(p3);
    EXPECT_EQ(read_file(p1 + "/two"), "2\n");
    EXPECT_EQ(read_file(p3 + "/one"), "1\n");
    // noauto lines still mount by name.
    ASSERT_EQ(run("mount -T '" + l.fstab + "' '" + p2 + "'", &out, 20), 0) << out;
    EXPECT_TRUE(is_mounted(p2));
    pid_t d2 = daemon_of(p2);
    // A second `mount -a` is what boot scripts and admins run again. mergerfs's fsname differs
    // from the fstab source, so mount(8) cannot tell the line is mounted and mounts it again
    // on top (documented mergerfs behaviour); it must still succeed and leave a working pool.
    ASSERT_EQ(run("mount -a -T '" + l.fstab + "'", &out, 30), 0) << out;
    EXPECT_GE(mount_count(p1), 1);
    EXPECT_EQ(read_file(p1 + "/one"), "1\n");
    for (const std::string& p : {p1, p2, p3})
      while (is_mounted(p)) ASSERT_EQ(run("umount '" + p + "'", &out, 20), 0) << out;
    for (pid_t d : {d1, d2, d3})
      EXPECT_TRUE(eventually([&] { return gone(d); }, std::chrono::seconds(5))) << d;
  });
}

TEST(OpsFstab, HelperFakeAndVerbose) {
  Layout l;
  std::string pool = l.pool("pool");
  std::string out;
  std::string helper = source_dir() + "/tools/mount.mergerfs";
  std::string env = "MERGERFS_BIN='" + real(mergerfs_bin()) + "' ";
  // -f: say what would run, mount nothing.
  EXPECT_EQ(run(env + "'" + helper + "' '" + l.root + "/disk*' '" + pool +
                "' -fv -o rw,nofail,noauto,_netdev,x-systemd.automount,nosuid,category.create=mfs", &out),
            0) << out;
  EXPECT_FALSE(is_mounted(pool));
  EXPECT_NE(out.find("'" + l.root + "/disk*' '" + pool + "' '-o' 'rw,nosuid,category.create=mfs,dev'"),
            std::string::npos) << out;
  EXPECT_NE(run(env + "'" + helper + "' only-one-arg", &out), 0);
  EXPECT_NE(out.find("usage"), std::string::npos) << out;
}

}  // namespace
}  // namespace mfs::test
