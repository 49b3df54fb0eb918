// One behavioural test per operation-rule option (FEATURES.md §1.2, §4): each shows what the
// key changes, seen through the pool and on the branches. option_coverage.cpp lists them.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

mode_t type_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) return 0;
  return st.st_mode & S_IFMT;
}

ino_t ino_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

// Overwrites the start of `path` through a fresh O_WRONLY open.
Outcome overwrite(const std::string& path, const std::string& data) {
  return sys([&]() -> long {
    int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) return -1;
    long r = ::pwrite(fd, data.data(), data.size(), 0);
    int e = errno;
    ::close(fd);
    errno = e;
    return r;
  });
}

TEST(OptionRules, LinkExdevPicksTheSymlinkFallback) {
  // FEATURES.md §4.3: in path-preserving mode a link whose new parent is missing on the source's
  // branch is EXDEV; link-exdev turns that into a symlink of the configured shape.
  Pool pool({.branches = 2, .options = "category.create=epmfs"});
  make_dirs(pool.on_branch(0, "a"));
  write_file(pool.on_branch(0, "a/f"), "data");
  make_dirs(pool.on_branch(1, "x"));
  EXPECT_EQ(sys([&] { return ::link(pool.path("a/f").c_str(), pool.path("x/g").c_str()); }),
            (Outcome{-1, EXDEV}));
  struct Case {
    const char* mode;
    std::string target;
  } cases[] = {{"rel-symlink", "../a/f"},
               {"abs-base-symlink", pool.branch(0) + "/a/f"},
               {"abs-pool-symlink", pool.mnt() + "/a/f"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mode);
    set_option(pool, "link-exdev", c.mode);
    std::string name = std::string("x/") + c.mode;
    ASSERT_EQ(sys([&] { return ::link(pool.path("a/f").c_str(), pool.path(name).c_str()); }),
              (Outcome{0, 0}));
    EXPECT_EQ(readlink_of(pool.on_branch(1, name)), c.target);
    EXPECT_EQ(read_file(pool.path(name)), "data");  // the link resolves, whatever its shape
  }
}

TEST(OptionRules, RenameExdevMovesTheSourceAsideBehindASymlink) {
  // FEATURES.md §4.2: with rename-exdev a path-preserving rename that would cross branches
  // moves the source under /.mergerfs_rename_exdev and leaves a symlink at the new name.
  Pool pool({.branches = 2, .options = "category.create=epmfs"});
  make_dirs(pool.on_branch(0, "a"));
  write_file(pool.on_branch(0, "a/f"), "one");
  write_file(pool.on_branch(0, "a/h"), "two");
  make_dirs(pool.on_branch(1, "x"));
  EXPECT_EQ(sys([&] { return ::rename(pool.path("a/f").c_str(), pool.path("x/f").c_str()); }),
            (Outcome{-1, EXDEV}));
  set_option(pool, "rename-exdev", "rel-symlink");
  ASSERT_EQ(sys([&] { return ::rename(pool.path("a/f").c_str(), pool.path("x/f").c_str()); }),
            (Outcome{0, 0}));
  // Until the kernel drops the dentry it moved (queued at the rename), the new name reads the
  // file it was told about; then a lookup finds the symlink.
  EXPECT_EQ(read_file(pool.path("x/f")), "one");
  EXPECT_TRUE(eventually([&] { return type_of(pool.path("x/f")) == S_IFLNK; }, std::chrono::seconds(5)));
  EXPECT_EQ(readlink_of(pool.path("x/f")), "../.mergerfs_rename_exdev/a/f");
  EXPECT_EQ(read_file(pool.path("x/f")), "one");
  EXPECT_FALSE(exists(pool.on_branch(0, "a/f")));
  EXPECT_EQ(read_file(pool.on_branch(0, ".mergerfs_rename_exdev/a/f")), "one");

  set_option(pool, "rename-exdev", "abs-symlink");
  ASSERT_EQ(sys([&] { return ::rename(pool.path("a/h").c_str(), pool.path("x/h").c_str()); }),
            (Outcome{0, 0}));
  EXPECT_TRUE(eventually([&] { return type_of(pool.path("x/h")) == S_IFLNK; }, std::chrono::seconds(5)));
  EXPECT_EQ(readlink_of(pool.path("x/h")), pool.mnt() + "/.mergerfs_rename_exdev/a/h");
  EXPECT_EQ(read_file(pool.path("x/h")), "two");
}

TEST(OptionRules, LinkCowBreaksTheHardLinkBeforeAWrite) {
  // FEATURES.md §1.2: an open for write of a file with nlink > 1 copies it first, so the other
  // name keeps the old content. Without link-cow both names share the write.
  Pool pool({.branches = 1});
  for (const char* name : {"cow", "shared"}) {
    std::string f = std::string(name) + "-a", g = std::string(name) + "-b";
    write_file(pool.on_branch(0, f), "old-data");
    ASSERT_EQ(::link(pool.on_branch(0, f).c_str(), pool.on_branch(0, g).c_str()), 0);
  }
  ASSERT_EQ(overwrite(pool.path("shared-a"), "NEW"), (Outcome{3, 0}));
  EXPECT_EQ(read_file(pool.on_branch(0, "shared-b")), "NEW-data");

  set_option(pool, "link-cow", "true");
  ino_t before = ino_of(pool.on_branch(0, "cow-b"));
  ASSERT_EQ(overwrite(pool.path("cow-a"), "NEW"), (Outcome{3, 0}));
  EXPECT_EQ(read_file(pool.on_branch(0, "cow-a")), "NEW-data");
  EXPECT_EQ(read_file(pool.on_branch(0, "cow-b")), "old-data");
  EXPECT_EQ(ino_of(pool.on_branch(0, "cow-b")), before);
  EXPECT_NE(ino_of(pool.on_branch(0, "cow-a")), before);
  struct stat st {};
  ASSERT_EQ(::stat(pool.on_branch(0, "cow-b").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
  // A read-only open leaves the link alone.
  write_file(pool.on_branch(0, "ro-a"), "x");
  ASSERT_EQ(::link(pool.on_branch(0, "ro-a").c_str(), pool.on_branch(0, "ro-b").c_str()), 0);
  EXPECT_EQ(read_file(pool.path("ro-a")), "x");
  EXPECT_EQ(ino_of(pool.on_branch(0, "ro-a")), ino_of(pool.on_branch(0, "ro-b")));
}

TEST(OptionRules, SymlinkifyShowsOldReadOnlyFilesAsLinksAfterTheTimeout) {
  // FEATURES.md §1.2: non-directories without write bits, older (mtime and ctime) than
  // symlinkify-timeout, show as symlinks to their branch path.
  // No kernel caches: the same name changes type between the steps.
  Pool pool({.branches = 1,
             .options = "symlinkify=true,symlinkify-timeout=3600,cache.attr=0,cache.entry=0"});
  write_file(pool.on_branch(0, "ro"), "content", 0444);
  write_file(pool.on_branch(0, "rw"), "content", 0644);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // ctime now a second old
  EXPECT_EQ(type_of(pool.path("ro")), static_cast<mode_t>(S_IFREG));  // younger than an hour

  set_option(pool, "symlinkify-timeout", "0");
  EXPECT_EQ(type_of(pool.path("ro")), static_cast<mode_t>(S_IFLNK));
  EXPECT_EQ(readlink_of(pool.path("ro")), pool.on_branch(0, "ro"));
  EXPECT_EQ(read_file(pool.path("ro")), "content");
  EXPECT_EQ(type_of(pool.path("rw")), static_cast<mode_t>(S_IFREG));  // has a write bit

  set_option(pool, "symlinkify", "false");
  EXPECT_EQ(type_of(pool.path("ro")), static_cast<mode_t>(S_IFREG));
}

TEST(OptionRules, FollowSymlinksReportsTheTargetForTheChosenTypes) {
  // FEATURES.md §1.2: getattr shows the target's attributes for the chosen target types; a
  // dangling link stays a link.
  Pool pool({.branches = 1, .options = "cache.attr=0,cache.entry=0"});
  make_dirs(pool.on_branch(0, "dir"));
  write_file(pool.on_branch(0, "file"), "12345");
  ASSERT_EQ(::symlink("dir", pool.on_branch(0, "to-dir").c_str()), 0);
  ASSERT_EQ(::symlink("file", pool.on_branch(0, "to-file").c_str()), 0);
  ASSERT_EQ(::symlink("nowhere", pool.on_branch(0, "dangling").c_str()), 0);
  struct Case {
    const char* mode;
    mode_t dir, file;
  } cases[] = {{"never", S_IFLNK, S_IFLNK},
               {"directory", S_IFDIR, S_IFLNK},
               {"regular", S_IFLNK, S_IFREG},
               {"all", S_IFDIR, S_IFREG}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mode);
    set_option(pool, "follow-symlinks", c.mode);
    EXPECT_EQ(type_of(pool.path("to-dir")), c.dir);
    EXPECT_EQ(type_of(pool.path("to-file")), c.file);
    EXPECT_EQ(type_of(pool.path("dangling")), static_cast<mode_t>(S_IFLNK));
  }
}

TEST(OptionRules, NfsOpenHackOpensAnEmptyReadOnlyFileForWrite) {
  // FEATURES.md §1.2/§4.7: a daemon whose opens get EACCES (here: root without
  // CAP_DAC_OVERRIDE, as under a hardened unit) retries an open for write of an empty file
  // without write bits with u+w,g+w, then restores the mode. `git` limits it to /.git/ paths.
  Pool pool({.branches = 1, .drop_caps = {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH}});
  make_dirs(pool.on_branch(0, "repo/.git/objects"));
  write_file(pool.on_branch(0, "repo/.git/objects/obj"), "", 0444);
  write_file(pool.on_branch(0, "plain"), "", 0444);
  write_file(pool.on_branch(0, "full"), "x", 0444);
  EXPECT_EQ(overwrite(pool.path("repo/.git/objects/obj"), "a"), (Outcome{-1, EACCES}));

  set_option(pool, "nfsopenhack", "git");
  EXPECT_EQ(overwrite(pool.path("repo/.git/objects/obj"), "a"), (Outcome{1, 0}));
  EXPECT_EQ(overwrite(pool.path("plain"), "a"), (Outcome{-1, EACCES}));

  set_option(pool, "nfsopenhack", "all");
  EXPECT_EQ(overwrite(pool.path("plain"), "a"), (Outcome{1, 0}));
  EXPECT_EQ(overwrite(pool.path("full"), "a"), (Outcome{-1, EACCES}));  // not empty
  for (const char* rel : {"repo/.git/objects/obj", "plain", "full"}) {
    struct stat st {};
    ASSERT_EQ(::stat(pool.on_branch(0, rel).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0444u) << rel << ": mode restored";
  }
  EXPECT_EQ(read_file(pool.on_branch(0, "plain")), "a");
}

fsblkcnt_t total_bytes(const std::string& path) {
  struct statvfs sv {};
  EXPECT_EQ(::statvfs(path.c_str(), &sv), 0) << path;
  return sv.f_blocks * sv.f_frsize;
}

fsblkcnt_t avail_bytes(const std::string& path) {
  struct statvfs sv {};
  EXPECT_EQ(::statvfs(path.c_str(), &sv), 0) << path;
  return sv.f_bavail * sv.f_frsize;
}

TEST(OptionRules, StatfsFullCountsOnlyBranchesHoldingThePath) {
  // FEATURES.md §4.10: base sums every branch root; full only the branches where the path is.
  Pool pool({.branches = 2, .tmpfs_mb = 16});
  make_dirs(pool.on_branch(1, "only-on-1"));
  fsblkcnt_t one = total_bytes(pool.branch(1));
  EXPECT_EQ(total_bytes(pool.path("only-on-1")), total_bytes(pool.branch(0)) + one);
  set_option(pool, "statfs", "full");
  EXPECT_EQ(total_bytes(pool.path("only-on-1")), one);
}

TEST(OptionRules, StatfsIgnoreZeroesTheFreeSpaceOfRoOrNcBranches) {
  // FEATURES.md §4.10: ro ignores the free space of RO and NC branches, nc only of NC ones.
  Pool pool({.branches = 3, .tmpfs_mb = 16, .branch_suffixes = {"=RW", "=RO", "=NC"}});
  fsblkcnt_t free_rw = avail_bytes(pool.branch(0)), free_ro = avail_bytes(pool.branch(1)),
             free_nc = avail_bytes(pool.branch(2));
  EXPECT_EQ(avail_bytes(pool.mnt()), free_rw + free_ro + free_nc);
  set_option(pool, "statfs-ignore", "nc");
  EXPECT_EQ(avail_bytes(pool.mnt()), free_rw + free_ro);
  set_option(pool, "statfs-ignore", "ro");
  EXPECT_EQ(avail_bytes(pool.mnt()), free_rw);
}

TEST(OptionRules, XattrModesAnswerWithoutTouchingTheBranches) {
  // FEATURES.md §1.2: noattr gives ENOATTR (ENODATA) for get/set/remove and an empty list;
  // nosys gives ENOSYS, which the kernel turns into EOPNOTSUPP and remembers.
  for (const char* mode : {"passthrough", "noattr", "nosys"}) {
    SCOPED_TRACE(mode);
    Pool pool({.branches = 1, .options = std::string("xattr=") + mode});
    write_file(pool.on_branch(0, "f"), "x");
    ASSERT_EQ(::setxattr(pool.on_branch(0, "f").c_str(), "user.on-branch", "1", 1, 0), 0);
    std::string f = pool.path("f");
    char buf[64];
    Outcome get = sys([&] { return ::getxattr(f.c_str(), "user.on-branch", buf, sizeof buf); });
    Outcome set = sys([&] { return ::setxattr(f.c_str(), "user.new", "v", 1, 0); });
    Outcome list = sys([&] { return ::listxattr(f.c_str(), buf, sizeof buf); });
    Outcome rm = sys([&] { return ::removexattr(f.c_str(), "user.on-branch"); });
    if (std::string(mode) == "passthrough") {
      EXPECT_EQ(get, (Outcome{1, 0}));
      EXPECT_EQ(set, (Outcome{0, 0}));
      EXPECT_GT(list.ret, 0);
      EXPECT_EQ(rm, (Outcome{0, 0}));
      EXPECT_EQ(::getxattr(pool.on_branch(0, "f").c_str(), "user.new", buf, sizeof buf), 1);
      continue;
    }
    int want = std::string(mode) == "noattr" ? ENODATA : EOPNOTSUPP;
    EXPECT_EQ(get, (Outcome{-1, want}));
    EXPECT_EQ(set, (Outcome{-1, want}));
    EXPECT_EQ(rm, (Outcome{-1, want}));
    if (want == ENODATA) EXPECT_EQ(list, (Outcome{0, 0}));
    else EXPECT_EQ(list, (Outcome{-1, want}));
    // Nothing reached the branch.
    EXPECT_EQ(::getxattr(pool.on_branch(0, "f").c_str(), "user.on-branch", buf, sizeof buf), 1);
    EXPECT_LT(::getxattr(pool.on_branch(0, "f").c_str(), "user.new", buf, sizeof buf), 0);
  }
}

// A version-2 file capability (cap_net_raw=ep) in the kernel's xattr format.
std::string net_raw_capability() {
  uint32_t v[5] = {0x02000000u | 0x1u /* VFS_CAP_REVISION_2 | effective */, 1u << 13, 0, 0, 0};
  return std::string(reinterpret_cast<const char*>(v), sizeof v);
}

TEST(OptionRules, SecurityCapabilityFalseAnswersEnoattrWithoutTheBranches) {
  // FEATURES.md §1.2: security-capability=false returns ENOATTR for get/set of
  // security.capability and leaves the branches alone.
  Pool pool({.branches = 1});
  write_file(pool.on_branch(0, "bin"), "x", 0755);
  std::string cap = net_raw_capability();
  ASSERT_EQ(::setxattr(pool.on_branch(0, "bin").c_str(), "security.capability", cap.data(),
                       cap.size(), 0),
            0)
      << std::strerror(errno);
  char buf[64];
  std::string f = pool.path("bin");
  EXPECT_EQ(sys([&] { return ::getxattr(f.c_str(), "security.capability", buf, sizeof buf); }),
            (Outcome{static_cast<long>(cap.size()), 0}));
  set_option(pool, "security-capability", "false");
  EXPECT_EQ(sys([&] { return ::getxattr(f.c_str(), "security.capability", buf, sizeof buf); }),
            (Outcome{-1, ENODATA}));
  EXPECT_EQ(sys([&] {
              return ::setxattr(f.c_str(), "security.capability", cap.data(), cap.size(), 0);
            }),
            (Outcome{-1, ENODATA}));
  EXPECT_EQ(::getxattr(pool.on_branch(0, "bin").c_str(), "security.capability", buf, sizeof buf),
            static_cast<ssize_t>(cap.size()));
}

TEST(OptionRules, NullrwReadsZerosAndWritesNothing) {
  // FEATURES.md §1.2: read/write return the requested size and touch no data (benchmarking).
  Pool pool({.branches = 1, .options = "nullrw=true"});
  write_file(pool.on_branch(0, "f"), "real content");
  int fd = ::open(pool.path("f").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  std::string big(256 * 1024, 'w');
  EXPECT_EQ(::pwrite(fd, big.data(), big.size(), 0), static_cast<ssize_t>(big.size()));
  char buf[12];
  EXPECT_EQ(::pread(fd, buf, sizeof buf, 0), static_cast<ssize_t>(sizeof buf));
  EXPECT_EQ(std::string(buf, sizeof buf), std::string(sizeof buf, '\0'));
  ::close(fd);
  EXPECT_EQ(read_file(pool.on_branch(0, "f")), "real content");
}

TEST(OptionRules, DropcacheoncloseEvictsTheBranchFilesPages) {
  // FEATURES.md §1.2: on release, posix_fadvise(DONTNEED) on the branch file. The branches are
  // plain directories on the disk filesystem (tmpfs pages cannot be dropped).
  Pool pool({.branches = 1});
  std::string data(4 << 20, 'd');
  for (const char* name : {"kept", "dropped"}) {
    // Written and synced on the branch, so its pages are cached and clean (DONTNEED skips
    // dirty pages).
    write_file(pool.on_branch(0, name), data);
    int fd = ::open(pool.on_branch(0, name).c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ::fsync(fd);
    ::close(fd);
  }
  EXPECT_EQ(read_file(pool.path("kept")).size(), data.size());
  set_option(pool, "dropcacheonclose", "true");
  EXPECT_EQ(read_file(pool.path("dropped")).size(), data.size());
  EXPECT_GT(resident_pages(pool.on_branch(0, "kept")), 0u);
  // close() returns once FLUSH is answered; the kernel sends RELEASE (where the pages are
  // dropped) after it, asynchronously.
  EXPECT_TRUE(eventually([&] { return resident_pages(pool.on_branch(0, "dropped")) == 0; },
                         std::chrono::seconds(2)))
      << resident_pages(pool.on_branch(0, "dropped")) << " pages still resident";
}


// Threads of `pid` whose name is `comm`.
size_t threads_named(pid_t pid, const std::string& comm) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  size_t n = 0;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name + "/comm");
    std::string name;
    std::getline(f, name);
    n += name == comm;
  }
  ::closedir(d);
  return n;
}

TEST(OptionRules, ReaddirCosrAndCorReadBranchesOnTheirOwnThreads) {
  // FEATURES.md §4.6: cosr opens every branch's directory concurrently (then reads them in
  // order), cor opens and reads concurrently, on N threads; seq reads on the FUSE thread. The
  // merged listing is the same in every mode.
  Pool pool({.branches = 4, .options = "cache.readdir=false"});
  std::set<std::string> want;
  for (int i = 0; i < 4; ++i) {
    make_dirs(pool.on_branch(i, "d"));
    for (int k = 0; k < 50; ++k) {
      std::string name = "f" + std::to_string((i * 37 + k) % 120);  // overlapping names
      write_file(pool.on_branch(i, "d/" + name), "x");
      want.insert(name);
    }
  }
  for (const char* mode : {"seq", "cosr:3", "cor:3:4"}) {
    SCOPED_TRACE(mode);
    set_option(pool, "func.readdir", mode);
    std::set<std::string> got;
    size_t count = 0;
    DIR* d = ::opendir(pool.path("d").c_str());
    ASSERT_NE(d, nullptr);
    while (auto* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) {
        got.insert(e->d_name);
        ++count;
      }
    ::closedir(d);
    EXPECT_EQ(got, want);
    EXPECT_EQ(count, want.size()) << "each name once";
    EXPECT_EQ(threads_named(pool.pid(), "mfs-readdir"), std::string(mode) == "seq" ? 0u : 3u);
  }
}

}  // namespace
}  // namespace mfs::test
