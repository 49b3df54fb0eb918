// One behavioural test per mount-level option (FEATURES.md §1.2): what the daemon asks the kernel
// for at INIT, the mount's own settings, the process, and the keys accepted for compatibility.
// option_coverage.cpp lists them.
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

// The INIT line of the debug trace: "INIT caps=a,b max_write=N".
std::string init_line(const Pool& pool) {
  std::istringstream in(pool.log());
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("INIT ", 0) == 0) return line;
  return "";
}

bool has_cap(const std::string& init, const std::string& cap) {
  auto caps = init.substr(0, init.find(' ', 5)) + ",";
  return caps.find("=" + cap + ",") != std::string::npos ||
         caps.find("," + cap + ",") != std::string::npos;
}

TEST(OptionMount, AsyncReadIsAskedForOnlyWhenOn) {
  for (const char* on : {"true", "false"}) {
    SCOPED_TRACE(on);
    Pool pool({.branches = 1, .options = std::string("async-read=") + on, .fuse_debug = true});
    std::string init = init_line(pool);
    ASSERT_FALSE(init.empty()) << pool.log();
    EXPECT_EQ(has_cap(init, "async_read"), std::string(on) == "true") << init;
  }
}

TEST(OptionMount, FuseMsgSizeBoundsTheWriteRequests) {
  // FEATURES.md §1.2: fuse-msg-size is the largest FUSE message in pages; a 1 MiB write()
  // reaches the daemon in requests of at most that size. libfuse 3.14's ceiling is 256 pages.
  for (const char* pages : {"256", "16"}) {
    SCOPED_TRACE(pages);
    Pool pool({.branches = 1, .options = std::string("fuse-msg-size=") + pages, .fuse_debug = true});
    long max_write = std::stol(pages) * ::sysconf(_SC_PAGESIZE);
    EXPECT_NE(init_line(pool).find("max_write=" + std::to_string(max_write)), std::string::npos)
        << init_line(pool);
    size_t before = count(pool.log(), "\nWRITE ");
    write_file(pool.path("f"), std::string(1 << 20, 'w'));
    size_t writes = count(pool.log(), "\nWRITE ") - before;
    if (std::string(pages) == "16") EXPECT_GE(writes, 16u);
    else EXPECT_LE(writes, 2u);
    EXPECT_EQ(read_file(pool.on_branch(0, "f")).size(), 1u << 20);
  }
}

TEST(OptionMount, ReadaheadIsSetOnThePoolsDevice) {
  // tmpfs branches have no bdi of their own: the test leaves the machine's disks alone.
  Pool pool({.branches = 1, .options = "readahead=512", .tmpfs_mb = 8});
  struct stat st {};
  ASSERT_EQ(::stat(pool.mnt().c_str(), &st), 0);
  std::string path = "/sys/class/bdi/" + std::to_string(major(st.st_dev)) + ":" +
                     std::to_string(minor(st.st_dev)) + "/read_ahead_kb";
  std::string kb;
  for (int i = 0; i < 100 && kb != "512"; ++i) {  // set from a thread once INIT is answered
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream f(path);
    std::getline(f, kb);
  }
  EXPECT_EQ(kb, "512");
}

TEST(OptionMount, FlushOnCloseDecidesWhichClosesSendFlush) {
  // FEATURES.md §1.2: noflush on the open reply, so the kernel skips FLUSH at close.
  struct Case {
    const char* mode;
    size_t read_only, write;  // FLUSH requests for the close of each kind of open
  } cases[] = {{"never", 0, 0}, {"always", 1, 1}, {"opened-for-write", 0, 1}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mode);
    Pool pool({.branches = 1, .options = std::string("flush-on-close=") + c.mode,
               .fuse_debug = true});
    write_file(pool.on_branch(0, "f"), "x");
    for (int flags : {O_RDONLY, O_WRONLY}) {
      size_t before = count(pool.log(), "\nFLUSH ");
      int fd = ::open(pool.path("f").c_str(), flags);
      ASSERT_GE(fd, 0);
      ::close(fd);
      EXPECT_EQ(count(pool.log(), "\nFLUSH ") - before, flags == O_RDONLY ? c.read_only : c.write)
          << (flags == O_RDONLY ? "read-only open" : "write open");
    }
  }
}

// nice values of every thread of `pid`.
std::vector<int> thread_nice_values(pid_t pid) {
  std::vector<int> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name + "/stat");
    std::string stat;
    std::getline(f, stat);
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string v;
    for (int i = 3; i <= 19 && fields >> v; ++i)
      if (i == 19) out.push_back(std::stoi(v));  // field 19: nice
  }
  ::closedir(d);
  return out;
}

TEST(OptionMount, SchedulingPriorityIsEveryThreadsNiceValue) {
  for (int prio : {-10, 5}) {
    SCOPED_TRACE(prio);
    Pool pool({.branches = 1, .options = "scheduling-priority=" + std::to_string(prio)});
    write_file(pool.path("f"), "x");  // workers and actors are running
    auto nices = thread_nice_values(pool.pid());
    ASSERT_FALSE(nices.empty());
    for (int n : nices) EXPECT_EQ(n, prio);
  }
}

// Threads of `pid` waiting in read(2) on its /dev/fuse descriptor: the idle FUSE workers.
size_t fuse_readers(pid_t pid) {
  std::string base = "/proc/" + std::to_string(pid);
  std::vector<int> fuse_fds;
  if (DIR* d = ::opendir((base + "/fd").c_str())) {
    while (auto* e = ::readdir(d)) {
      char target[256];
      ssize_t n = ::readlink((base + "/fd/" + e->d_name).c_str(), target, sizeof target);
      if (n > 0 && std::string(target, static_cast<size_t>(n)) == "/dev/fuse")
        fuse_fds.push_back(std::atoi(e->d_name));
    }
    ::closedir(d);
  }
  size_t readers = 0;
  if (DIR* d = ::opendir((base + "/task").c_str())) {
    while (auto* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream f(base + "/task/" + e->d_name + "/syscall");
      long nr = -1;
      std::string fd_hex;
      if (!(f >> nr >> fd_hex) || nr != 0 /* read */) continue;
      int fd = static_cast<int>(std::stol(fd_hex, nullptr, 16));
      for (int ff : fuse_fds) readers += ff == fd;
    }
    ::closedir(d);
  }
  return readers;
}

TEST(OptionMount, ReadThreadCountCapsTheFuseWorkers) {
  // read-thread-count caps the FUSE workers (README: the actor design replaces the process
  // pool). Eight processes stat in parallel; afterwards every worker is idle in read(/dev/fuse).
  Pool pool({.branches = 2, .options = "read-thread-count=2,cache.attr=0,cache.entry=0"});
  for (int i = 0; i < 8; ++i) write_file(pool.on_branch(1, "f" + std::to_string(i)), "x");
  std::vector<pid_t> kids;
  for (int k = 0; k < 8; ++k) {
    pid_t p = ::fork();
    if (p == 0) {
      struct stat st {};
      for (int i = 0; i < 400; ++i) ::stat(pool.path("f" + std::to_string(i % 8)).c_str(), &st);
      ::_exit(0);
    }
    kids.push_back(p);
  }
  for (pid_t p : kids) ::waitpid(p, nullptr, 0);
  size_t readers = 0;
  for (int i = 0; i < 40 && readers == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    readers = fuse_readers(pool.pid());
  }
  EXPECT_GE(readers, 1u);
  EXPECT_LE(readers, 2u);
}

TEST(OptionMount, PosixAclLetsTheKernelHonourAccessAcls) {
  // With posix-acl the kernel enforces ACLs (it reads system.posix_acl_access through the
  // pool); without it only the mode bits count.
  // user::rw- user:nobody:r-- group::--- mask::r-- other::---
  std::string acl;
  auto u32 = [&](uint32_t v) { acl.append(reinterpret_cast<const char*>(&v), 4); };
  auto entry = [&](uint16_t tag, uint16_t perm, uint32_t id) {
    acl.append(reinterpret_cast<const char*>(&tag), 2);
    acl.append(reinterpret_cast<const char*>(&perm), 2);
    u32(id);
  };
  u32(2);
  entry(0x01, 6, 0xffffffffu);
  entry(0x02, 4, kNobody);
  entry(0x04, 0, 0xffffffffu);
  entry(0x10, 4, 0xffffffffu);
  entry(0x20, 0, 0xffffffffu);
  for (const char* on : {"false", "true"}) {
    SCOPED_TRACE(std::string("posix-acl=") + on);
    Pool pool({.branches = 1, .options = std::string("posix-acl=") + on});
    write_file(pool.on_branch(0, "secret"), "x", 0600);
    ASSERT_EQ(::setxattr(pool.on_branch(0, "secret").c_str(), "system.posix_acl_access", acl.data(),
                         acl.size(), 0),
              0)
        << std::strerror(errno);
    std::string f = pool.path("secret");
    Outcome o = as_user(kNobody, kNogroup, [&] { return ::open(f.c_str(), O_RDONLY) < 0 ? -1L : 0L; });
    EXPECT_EQ(o, std::string(on) == "true" ? (Outcome{0, 0}) : (Outcome{-1, EACCES}));
  }
}

// Opens `path` by a file handle taken before the kernel dropped its inodes: what an NFS server
// does with a handle a client kept. `drops` runs drop_caches until the kernel forgot the node.
Outcome open_by_old_handle(const Pool& pool, const std::string& path) {
  struct {
    file_handle fh;
    unsigned char space[128];
  } h{};
  h.fh.handle_bytes = sizeof h.space;
  int mount_id;
  if (::name_to_handle_at(AT_FDCWD, path.c_str(), &h.fh, &mount_id, 0) < 0) return {-1, errno};
  int mfd = ::open(pool.mnt().c_str(), O_RDONLY | O_DIRECTORY);
  Outcome o{-1, EIO};
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::ofstream("/proc/sys/vm/drop_caches") << "2\n";  // dentries and inodes: FORGETs go out
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    o = sys([&] {
      int fd = ::open_by_handle_at(mfd, &h.fh, O_RDONLY);
      if (fd >= 0) ::close(fd);
      return fd < 0 ? -1L : 0L;
    });
    if (o.ret < 0) break;  // the kernel had to ask the daemon, which could not answer
  }
  ::close(mfd);
  return o;
}

TEST(OptionMount, ExportSupportAndNeverForgetNodesKeepOldFileHandlesWorking) {
  // FEATURES.md §1.2: export-support lets the kernel look a node up by id ("." under it) once
  // its inode is gone; never-forget-nodes keeps the daemon's node for that lookup. A handle
  // survives cache drops only with both.
  struct Case {
    const char* options;
    bool survives;
  } cases[] = {{"export-support=true,never-forget-nodes=true", true},
               {"export-support=false,never-forget-nodes=true", false},
               {"export-support=true,never-forget-nodes=false", false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.options);
    Pool pool({.branches = 1, .options = c.options});
    make_dirs(pool.on_branch(0, "d"));
    write_file(pool.on_branch(0, "d/f"), "x");
    Outcome o = open_by_old_handle(pool, pool.path("d/f"));
    if (c.survives) EXPECT_EQ(o, (Outcome{0, 0}));
    else EXPECT_EQ(o, (Outcome{-1, ESTALE}));
  }
}

TEST(OptionMount, KernelPermissionsCheckAddsDefaultPermissions) {
  // FEATURES.md §1.2: the key controls the default_permissions mount option; without it the
  // kernel checks nothing and the daemon (root) opens what is asked, as mergerfs 2.42 does.
  for (const char* on : {"true", "false"}) {
    SCOPED_TRACE(on);
    Pool pool({.branches = 1, .options = std::string("kernel-permissions-check=") + on});
    std::ifstream mounts("/proc/self/mounts");
    std::string line, opts;
    while (std::getline(mounts, line))
      if (line.find(" " + pool.mnt() + " ") != std::string::npos) opts = line;
    EXPECT_EQ(opts.find("default_permissions") != std::string::npos, std::string(on) == "true")
        << opts;
    write_file(pool.on_branch(0, "secret"), "x", 0600);
    std::string f = pool.path("secret");
    Outcome o = as_user(kNobody, kNogroup, [&] { return ::open(f.c_str(), O_RDONLY) < 0 ? -1L : 0L; });
    EXPECT_EQ(o, std::string(on) == "true" ? (Outcome{-1, EACCES}) : (Outcome{0, 0}));
  }
}

TEST(OptionMount, FsnameNamesTheMountSource) {
  Pool pool({.branches = 2, .options = "fsname=media-pool"});
  std::ifstream mounts("/proc/self/mounts");
  std::string line, source;
  while (std::getline(mounts, line))
    if (line.find(" " + pool.mnt() + " ") != std::string::npos) source = line.substr(0, line.find(' '));
  EXPECT_EQ(source, "media-pool");
  EXPECT_EQ(get_option(pool, "fsname"), "media-pool");
}

TEST(OptionMount, VersionAndPidDescribeTheRunningDaemon) {
  Pool pool({.branches = 1});
  EXPECT_EQ(get_option(pool, "pid"), std::to_string(pool.pid()));
  std::string out;
  ASSERT_EQ(run(mergerfs_bin() + " -v", &out), 0);
  EXPECT_NE(out.find("v" + get_option(pool, "version")), std::string::npos) << out;
  std::string ctl = pool.mnt() + "/.mergerfs";
  EXPECT_EQ(sys([&] { return ::setxattr(ctl.c_str(), "user.mergerfs.pid", "1", 1, 0); }),
            (Outcome{-1, EROFS}));
}

TEST(OptionMount, SrcmountsReadsTheBranchesAndIgnoresWrites) {
  Pool pool({.branches = 2});
  std::string want = pool.branch(0) + ":" + pool.branch(1);
  EXPECT_EQ(get_option(pool, "srcmounts"), want);
  std::string ctl = pool.mnt() + "/.mergerfs";
  EXPECT_EQ(sys([&] { return ::setxattr(ctl.c_str(), "user.mergerfs.srcmounts", "/x", 2, 0); }),
            (Outcome{0, 0}));
  EXPECT_EQ(get_option(pool, "srcmounts"), want);
  EXPECT_EQ(get_option(pool, "branches").find("/x"), std::string::npos);
}

TEST(OptionMount, UidGidUmaskAreAcceptedWithAWarningAndChangeNothing) {
  // FEATURES.md §1.2: libfuse id overrides, unsupported by mergerfs: a warning, no effect.
  Pool pool({.branches = 1, .options = "uid=1234,gid=1234,umask=077"});
  write_file(pool.on_branch(0, "f"), "x", 0644);
  struct stat st {};
  ASSERT_EQ(::stat(pool.path("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  std::string log = pool.log();
  for (const char* key : {"uid", "gid", "umask"}) EXPECT_NE(log.find(key), std::string::npos) << log;
}

TEST(OptionMount, OldFstabNoOpKeysMountAndChangeNothing) {
  // FEATURES.md §1.2: kept for old fstab lines; accepted and ignored.
  Pool pool({.branches = 1,
             .options = "atomic_o_trunc,auto_cache,big_writes,cache.open=1,defaults,direct_io,"
                        "gid-cache.expire=5,hard_remove,kernel_cache,negative_entry=3,"
                        "no_splice_read,nonempty,splice_move,use_ino"});
  EXPECT_EQ(get_option(pool, "cache.files"), "off");
  EXPECT_EQ(get_option(pool, "cache.negative-entry"), "0");
  EXPECT_EQ(get_option(pool, "inodecalc"), "hybrid-hash");
  write_file(pool.path("f"), "data");
  EXPECT_EQ(read_file(pool.on_branch(0, "f")), "data");
}

TEST(OptionMount, KeysWithoutEffectHereAreValidatedAndReadBack) {
  // README "Accepted without effect": libfuse 3.14 or the actor design cannot honour these.
  // Their values are still checked (a bad one stops the mount, as in mergerfs) and read back.
  struct Case {
    const char* key;
    const char* good;
    const char* bad;
  } cases[] = {{"allow-idmap", "false", "maybe"},
               {"handle-killpriv", "false", "maybe"},
               {"handle-killpriv-v2", "false", "maybe"},
               {"direct-io-allow-mmap", "false", "maybe"},
               {"parallel-direct-writes", "false", "maybe"},
               {"passthrough.io", "rw", "sideways"},
               {"passthrough.max-stack-depth", "2", "3"},
               {"proxy-ioprio", "true", "maybe"},
               {"process-thread-count", "4", "x"},
               {"process-thread-queue-depth", "8", "x"}};
  std::string good;
  for (const auto& c : cases) good += std::string(good.empty() ? "" : ",") + c.key + "=" + c.good;
  good += ",pin-threads=R1L";
  {
    Pool pool({.branches = 1, .options = good});
    for (const auto& c : cases) EXPECT_EQ(get_option(pool, c.key), c.good) << c.key;
    EXPECT_EQ(get_option(pool, "pin-threads"), "R1L");
    write_file(pool.path("f"), "data");
    EXPECT_EQ(read_file(pool.on_branch(0, "f")), "data");
  }
  TempDir tmp;
  make_dirs(tmp.path() + "/b");
  make_dirs(tmp.path() + "/m");
  for (const auto& c : cases) {
    std::string out;
    int rc = run(mergerfs_bin() + " -o " + c.key + "=" + c.bad + " " + tmp.path() + "/b " +
                     tmp.path() + "/m",
                 &out);
    EXPECT_NE(rc, 0) << c.key << "=" << c.bad;
    EXPECT_NE(out.find(c.key), std::string::npos) << out;
    EXPECT_FALSE(is_mounted(tmp.path() + "/m"));
  }
}

}  // namespace
}  // namespace mfs::test
