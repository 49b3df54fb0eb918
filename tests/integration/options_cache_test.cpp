// One behavioural test per kernel-cache option (FEATURES.md §1.2, §4.12): each changes what the
// kernel remembers, shown by changing a branch behind the pool's back and looking again.
// option_coverage.cpp lists them.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

TEST(OptionCache, AttrTtlKeepsAttributesAChangeOnTheBranchDoesNotReach) {
  for (const char* ttl : {"0", "60"}) {
    SCOPED_TRACE(std::string("cache.attr=") + ttl);
    Pool pool({.branches = 1, .options = std::string("cache.entry=60,cache.attr=") + ttl});
    write_file(pool.on_branch(0, "f"), "x", 0644);
    EXPECT_EQ(mode_of(pool.path("f")), 0644u);
    ASSERT_EQ(::chmod(pool.on_branch(0, "f").c_str(), 0600), 0);
    EXPECT_EQ(mode_of(pool.path("f")), std::string(ttl) == "0" ? 0600u : 0644u);
  }
}

TEST(OptionCache, EntryTtlKeepsANameRemovedOnTheBranch) {
  for (const char* ttl : {"0", "60"}) {
    SCOPED_TRACE(std::string("cache.entry=") + ttl);
    Pool pool({.branches = 1, .options = std::string("cache.attr=60,cache.entry=") + ttl});
    write_file(pool.on_branch(0, "f"), "x");
    ASSERT_EQ(::access(pool.path("f").c_str(), F_OK), 0);
    ASSERT_EQ(::unlink(pool.on_branch(0, "f").c_str()), 0);
    Outcome o = sys([&] { return ::access(pool.path("f").c_str(), F_OK); });
    EXPECT_EQ(o, std::string(ttl) == "0" ? (Outcome{-1, ENOENT}) : (Outcome{0, 0}));
  }
}

TEST(OptionCache, NegativeEntryTtlHidesANameCreatedOnTheBranch) {
  for (const char* ttl : {"0", "60"}) {
    SCOPED_TRACE(std::string("cache.negative-entry=") + ttl);
    // cache.branch-entry=0: the daemon's own existence cache is off, only the kernel's counts.
    Pool pool({.branches = 1,
               .options = std::string("cache.branch-entry=0,cache.negative-entry=") + ttl});
    ASSERT_EQ(sys([&] { return ::access(pool.path("late").c_str(), F_OK); }), (Outcome{-1, ENOENT}));
    write_file(pool.on_branch(0, "late"), "x");
    Outcome o = sys([&] { return ::access(pool.path("late").c_str(), F_OK); });
    EXPECT_EQ(o, std::string(ttl) == "0" ? (Outcome{0, 0}) : (Outcome{-1, ENOENT}));
  }
}

TEST(OptionCache, SymlinksTrueKeepsALinkTargetTheBranchChanged) {
  for (const char* on : {"false", "true"}) {
    SCOPED_TRACE(std::string("cache.symlinks=") + on);
    Pool pool({.branches = 1,
               .options = std::string("cache.attr=60,cache.entry=60,cache.symlinks=") + on});
    ASSERT_EQ(::symlink("first", pool.on_branch(0, "l").c_str()), 0);
    EXPECT_EQ(readlink_of(pool.path("l")), "first");
    ASSERT_EQ(::unlink(pool.on_branch(0, "l").c_str()), 0);
    ASSERT_EQ(::symlink("second", pool.on_branch(0, "l").c_str()), 0);
    EXPECT_EQ(readlink_of(pool.path("l")), std::string(on) == "true" ? "first" : "second");
  }
}

TEST(OptionCache, ReaddirTrueKeepsAListingTheBranchChanged) {
  for (const char* on : {"false", "true"}) {
    SCOPED_TRACE(std::string("cache.readdir=") + on);
    Pool pool({.branches = 1,
               .options = std::string("cache.attr=60,cache.entry=60,cache.readdir=") + on});
    make_dirs(pool.on_branch(0, "d"));
    write_file(pool.on_branch(0, "d/a"), "x");
    EXPECT_EQ(names_in(pool.path("d")), (std::set<std::string>{"a"}));
    // The kernel revalidates a cached listing against the directory's mtime (auto_inval_data),
    // so the name is added behind its back with the mtime put back.
    struct stat before {};
    ASSERT_EQ(::stat(pool.on_branch(0, "d").c_str(), &before), 0);
    write_file(pool.on_branch(0, "d/b"), "x");
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    ASSERT_EQ(::utimensat(AT_FDCWD, pool.on_branch(0, "d").c_str(), times, 0), 0);
    EXPECT_EQ(names_in(pool.path("d")), std::string(on) == "true"
                                            ? (std::set<std::string>{"a"})
                                            : (std::set<std::string>{"a", "b"}));
  }
}

std::string my_comm() {
  std::ifstream f("/proc/self/comm");
  std::string s;
  std::getline(f, s);
  return s;
}

TEST(OptionCache, FilesModeDecidesWhetherAnOpenKeepsThePageCache) {
  // FEATURES.md §4.12 and README: off/partial drop a file's pages at each open; full and
  // auto-full keep them; per-process keeps them for the processes named in
  // cache.files.process-names only.
  struct Case {
    std::string options;
    bool kept;
  } cases[] = {{"cache.files=off", false},
               {"cache.files=partial", false},
               {"cache.files=full", true},
               {"cache.files=auto-full", true},
               {"cache.files=per-process,cache.files.process-names=rtorrent|" + my_comm(), true},
               {"cache.files=per-process,cache.files.process-names=rtorrent", false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.options);
    Pool pool({.branches = 1, .options = c.options});
    write_file(pool.on_branch(0, "f"), std::string(1 << 20, 'p'));
    ASSERT_EQ(read_file(pool.path("f")).size(), 1u << 20);  // fills the pool's page cache
    size_t pages = resident_pages(pool.path("f"));
    if (c.kept) EXPECT_GT(pages, 0u);
    else EXPECT_EQ(pages, 0u);
  }
}

// The open flags of the daemon's descriptor for `branch_file`, from /proc/PID/fdinfo.
int daemon_fd_flags(pid_t pid, const std::string& branch_file) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return -1;
  int flags = -1;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (readlink_of(dir + "/" + e->d_name) != branch_file) continue;
    std::ifstream info("/proc/" + std::to_string(pid) + "/fdinfo/" + e->d_name);
    std::string key, value;
    while (info >> key >> value)
      if (key == "flags:") flags = static_cast<int>(std::stol(value, nullptr, 8));
  }
  ::closedir(d);
  return flags;
}

TEST(OptionCache, WritebackOpensWriteOnlyFilesReadWriteWithoutAppend) {
  // FEATURES.md §1.2: with cache.writeback the kernel may read pages of a write-only file and
  // supplies the offsets itself, so the branch file is opened O_RDWR without O_APPEND.
  for (const char* on : {"false", "true"}) {
    SCOPED_TRACE(std::string("cache.writeback=") + on);
    Pool pool({.branches = 1, .options = std::string("cache.writeback=") + on});
    write_file(pool.on_branch(0, "log"), "line\n");
    int fd = ::open(pool.path("log").c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    int flags = daemon_fd_flags(pool.pid(), pool.on_branch(0, "log"));
    ::close(fd);
    ASSERT_GE(flags, 0);
    if (std::string(on) == "true") {
      EXPECT_EQ(flags & O_ACCMODE, O_RDWR);
      EXPECT_EQ(flags & O_APPEND, 0);
    } else {
      EXPECT_EQ(flags & O_ACCMODE, O_WRONLY);
      EXPECT_EQ(flags & O_APPEND, O_APPEND);
    }
  }
}

}  // namespace
}  // namespace mfs::test
