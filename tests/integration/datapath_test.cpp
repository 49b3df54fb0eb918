// The data path through a pool of tmpfs branches with default options (cache.files=off):
// write/flush/release, fsync, fdatasync, fsyncdir, fallocate (every mode, against the branch's
// own answer), copy_file_range, lseek SEEK_DATA/SEEK_HOLE, O_APPEND, O_TRUNC, O_EXCL, O_DIRECT,
// O_NOATIME, one open file per node, fd operations on a file unlinked while open, shared
// writable mmap, flock and POSIX locks between processes, and 64 MiB of random data in odd-sized
// chunks with and without O_DIRECT. Where the answer is the kernel's, the same steps run on a
// plain tmpfs directory and the results must match.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

// A plain tmpfs directory with the pool's mount flags (the reference for kernel answers).
class PlainTmpfs {
 public:
  explicit PlainTmpfs(const std::string& like) {
    struct statvfs sv {};
    unsigned long flags = 0;
    if (::statvfs(like.c_str(), &sv) == 0) {
      if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
      if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    }
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", flags, "size=512m,mode=0755") == 0;
    if (!mounted_) ADD_FAILURE() << "tmpfs: " << std::strerror(errno);
  }
  ~PlainTmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  std::string path(const std::string& rel) const { return dir_.path() + "/" + rel; }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

uint64_t fnv(const void* data, size_t n, uint64_t h = 1469598103934665603ULL) {
  auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  for (size_t i = n & ~size_t{7}; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) st.st_nlink = 9999;
  return st;
}

// Runs fn in a forked child (as root or as uid/gid); its result comes back through a pipe.
Outcome in_child(const std::function<long()>& fn) {
  int p[2];
  if (::pipe(p) < 0) return {-1, errno};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    ::alarm(30);
    Outcome o = sys(fn);
    (void)!::write(p[1], &o, sizeof o);
    ::_exit(0);
  }
  ::close(p[1]);
  Outcome o{-1, ETIMEDOUT};
  (void)!::read(p[0], &o, sizeof o);
  ::close(p[0]);
  int st;
  ::waitpid(pid, &st, 0);
  return o;
}

std::string pread_all(int fd, size_t n, off_t off) {
  std::string s(n, '\0');
  ssize_t r = ::pread(fd, s.data(), n, off);
  s.resize(r < 0 ? 0 : static_cast<size_t>(r));
  return s;
}

// Daemon descriptors that point at `branch_file`.
int daemon_fds_on(pid_t daemon, const std::string& branch_file) {
  std::string dir = "/proc/" + std::to_string(daemon) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (auto* e = ::readdir(d)) {
    char target[PATH_MAX + 1];
    ssize_t k = ::readlink((dir + "/" + e->d_name).c_str(), target, PATH_MAX);
    if (k > 0 && std::string(target, static_cast<size_t>(k)) == branch_file) ++n;
  }
  ::closedir(d);
  return n;
}

// The branch holding `rel` (first in pool order), or -1.
int branch_of(const Pool& p, const std::string& rel) {
  for (int b = 0; b < 3; ++b)
    if (exists(p.on_branch(b, rel))) return b;
  return -1;
}

class DataPath : public ::testing::Test {
 protected:
  // Default options (the fixture adds cache.files=off, mergerfs's default); branches are large
  // enough for minfreespace (tmpfs only uses what it holds).
  Pool pool{{.branches = 3, .tmpfs_mb = 8192}};
  PlainTmpfs plain{pool.mnt()};
  std::string P(const std::string& rel) const { return pool.path(rel); }
  std::string L(const std::string& rel) const { return plain.path(rel); }
};

// ---------------------------------------------------------------------------------------------

TEST_F(DataPath, WriteFsyncFdatasyncFlushRelease) {
  int fd = ::open(P("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::write(fd, "hello, ", 7), 7);
  ASSERT_EQ(::pwrite(fd, "world", 5, 7), 5);
  EXPECT_EQ(::fsync(fd), 0) << std::strerror(errno);
  EXPECT_EQ(::fdatasync(fd), 0) << std::strerror(errno);
  int b = branch_of(pool, "f");
  ASSERT_GE(b, 0);
  // Written through: the branch holds the data before close.
  EXPECT_EQ(read_file(pool.on_branch(b, "f")), "hello, world");
  // Three handles on the node, then close: every branch descriptor is released.
  int r1 = ::open(P("f").c_str(), O_RDONLY), r2 = ::open(P("f").c_str(), O_RDWR);
  ASSERT_GE(r1, 0);
  ASSERT_GE(r2, 0);
  EXPECT_GE(daemon_fds_on(pool.pid(), pool.on_branch(b, "f")), 1);
  EXPECT_EQ(::close(fd), 0) << "flush";
  EXPECT_EQ(::close(r1), 0);
  EXPECT_EQ(::close(r2), 0);
  int left = -1;  // RELEASE is asynchronous: allow a short grace period
  for (int i = 0; i < 300 && left != 0; ++i) {
    left = daemon_fds_on(pool.pid(), pool.on_branch(b, "f"));
    if (left) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(left, 0) << "release leaves no branch descriptor open";
  EXPECT_EQ(read_file(P("f")), "hello, world");
  // fsync/fdatasync on a read-only descriptor and on a directory (fsyncdir) as on tmpfs.
  for (const auto& base : {P(""), L("")}) {
    SCOPED_TRACE(base);
    ::mkdir((base + "/dir").c_str(), 0755);
    write_file(base + "/dir/x", "x");
    int dfd = ::open((base + "/dir").c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(dfd, 0);
    EXPECT_EQ(::fsync(dfd), 0) << std::strerror(errno);
    EXPECT_EQ(::fdatasync(dfd), 0) << std::strerror(errno);
    ::close(dfd);
    int rfd = ::open((base + "/dir/x").c_str(), O_RDONLY);
    ASSERT_GE(rfd, 0);
    EXPECT_EQ(::fsync(rfd), 0) << std::strerror(errno);
    ::close(rfd);
  }
}

// Every fallocate mode, on a fresh copy of the same file, on the plain tmpfs and in the pool:
// the pool does what the branch does (and refuses what it refuses).
TEST_F(DataPath, FallocateEveryModeAsTheBranchDoes) {
  struct Mode {
    const char* name;
    int mode;
  };
  const Mode modes[] = {{"0", 0},
                        {"KEEP_SIZE", FALLOC_FL_KEEP_SIZE},
                        {"PUNCH_HOLE|KEEP_SIZE", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE},
                        {"PUNCH_HOLE", FALLOC_FL_PUNCH_HOLE},
                        {"ZERO_RANGE", FALLOC_FL_ZERO_RANGE},
                        {"ZERO_RANGE|KEEP_SIZE", FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE},
                        {"COLLAPSE_RANGE", FALLOC_FL_COLLAPSE_RANGE},
                        {"INSERT_RANGE", FALLOC_FL_INSERT_RANGE},
                        {"UNSHARE_RANGE", FALLOC_FL_UNSHARE_RANGE}};
  const std::pair<off_t, off_t> ranges[] = {{0, 4096},        {4096, 8192}, {100, 50},
                                            {65536, 1 << 20}, {0, 0},       {-1, 10}};
  const std::string data = random_bytes(3 * 65536 + 123, 7);
  int supported = 0, n = 0;
  for (const auto& m : modes)
    for (auto [off, len] : ranges) {
      std::string label =
          std::string(m.name) + " off=" + std::to_string(off) + " len=" + std::to_string(len);
      std::string name = "fa" + std::to_string(n++);
      struct Side {
        Outcome o;
        struct stat st {};
        std::string content;
      } side[2];
      for (int i = 0; i < 2; ++i) {
        std::string path = i ? P(name) : L(name);
        write_file(path, data);
        int fd = ::open(path.c_str(), O_RDWR);
        ASSERT_GE(fd, 0) << path;
        side[i].o = sys([&] { return ::fallocate(fd, m.mode, off, len); });
        ::fstat(fd, &side[i].st);
        side[i].content = pread_all(fd, 2 << 20, 0);
        ::close(fd);
      }
      if (side[0].o.ret == 0) ++supported;
      EXPECT_TRUE(side[1].o == side[0].o)
          << label << ": pool " << describe(side[1].o) << ", tmpfs " << describe(side[0].o);
      EXPECT_EQ(side[1].st.st_size, side[0].st.st_size) << label;
      EXPECT_EQ(side[1].st.st_blocks, side[0].st.st_blocks) << label << " (allocated blocks)";
      EXPECT_TRUE(side[1].content == side[0].content) << label << ": contents differ";
    }
  EXPECT_GE(supported, 6) << "modes 0, KEEP_SIZE and PUNCH_HOLE work on tmpfs";
}

TEST_F(DataPath, CopyFileRangeOnOneBranchAndAcrossBranches) {
  const std::string src = random_bytes(1 << 20, 11);
  // Same branch: both files live in a directory only branch 1 holds.
  make_dirs(pool.on_branch(1, "one"));
  write_file(pool.on_branch(1, "one/src"), src);
  write_file(pool.on_branch(1, "one/dst"), "existing content that is partly overwritten");
  make_dirs(L("one"));
  write_file(L("one/src"), src);
  write_file(L("one/dst"), "existing content that is partly overwritten");
  struct Copy {
    off_t in, out;
    size_t len;
    bool offsets;  // explicit offsets, or the descriptors' positions
  };
  const Copy copies[] = {{0, 0, 4096, true},        {1, 7, 65537, true},
                         {500000, 3, 777777, true}, {(1 << 20) - 10, 0, 100, true},
                         {2 << 20, 0, 100, true},   {0, 0, 12345, false}};
  for (const auto& c : copies) {
    std::string label = "in=" + std::to_string(c.in) + " out=" + std::to_string(c.out) +
                        " len=" + std::to_string(c.len) + (c.offsets ? "" : " (file positions)");
    Outcome o[2];
    off_t pos[2][2];
    std::string result[2];
    for (int i = 0; i < 2; ++i) {
      std::string base = i ? P("one/") : L("one/");
      int in = ::open((base + "src").c_str(), O_RDONLY),
          out = ::open((base + "dst").c_str(), O_RDWR);
      ASSERT_GE(in, 0);
      ASSERT_GE(out, 0);
      loff_t a = c.in, b = c.out;
      if (!c.offsets) {
        ::lseek(in, 1000, SEEK_SET);
        ::lseek(out, 10, SEEK_SET);
      }
      o[i] = sys([&] {
        return ::copy_file_range(in, c.offsets ? &a : nullptr, out, c.offsets ? &b : nullptr, c.len,
                                 0);
      });
      pos[i][0] = c.offsets ? a : ::lseek(in, 0, SEEK_CUR);
      pos[i][1] = c.offsets ? b : ::lseek(out, 0, SEEK_CUR);
      ::close(in);
      ::close(out);
      result[i] = read_file(base + "dst");
    }
    EXPECT_TRUE(o[1] == o[0]) << label << ": pool " << describe(o[1]) << ", tmpfs "
                              << describe(o[0]);
    EXPECT_EQ(pos[1][0], pos[0][0]) << label << " input offset";
    EXPECT_EQ(pos[1][1], pos[0][1]) << label << " output offset";
    EXPECT_TRUE(result[1] == result[0]) << label << ": destination differs";
  }
  EXPECT_TRUE(read_file(pool.on_branch(1, "one/dst")) == read_file(L("one/dst")));
  // Across branches: a copy, or EXDEV/EOPNOTSUPP (callers then fall back to read/write).
  make_dirs(pool.on_branch(0, "x"));
  make_dirs(pool.on_branch(2, "x"));
  write_file(pool.on_branch(0, "x/src"), src);
  write_file(pool.on_branch(2, "x/dst"), "");
  int in = ::open(P("x/src").c_str(), O_RDONLY), out = ::open(P("x/dst").c_str(), O_WRONLY);
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  size_t done = 0;
  Outcome o{};
  while (done < src.size()) {
    o = sys([&] { return ::copy_file_range(in, nullptr, out, nullptr, src.size() - done, 0); });
    if (o.ret <= 0) break;
    done += static_cast<size_t>(o.ret);
  }
  ::close(in);
  ::close(out);
  if (done < src.size()) {
    EXPECT_TRUE(o.err == EXDEV || o.err == EOPNOTSUPP) << describe(o);
    EXPECT_EQ(done, 0u);
  } else {
    EXPECT_TRUE(read_file(pool.on_branch(2, "x/dst")) == src);
    EXPECT_TRUE(read_file(P("x/dst")) == src);
  }
}

TEST_F(DataPath, LseekDataAndHoleMatchTmpfs) {
  const std::string blk = random_bytes(4096, 3);
  const off_t probes[] = {0,
                          1,
                          4095,
                          4096,
                          8191,
                          65536,
                          (1 << 20) - 1,
                          1 << 20,
                          (1 << 20) + 4095,
                          (1 << 20) + 4096,
                          (2 << 20) - 1,
                          2 << 20,
                          3 << 20,
                          -1};
  for (const auto& base : {L("sparse"), P("sparse")}) {
    int fd = ::open(base.c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, blk.data(), blk.size(), 0), 4096);
    ASSERT_EQ(::pwrite(fd, blk.data(), blk.size(), 1 << 20), 4096);
    ASSERT_EQ(::ftruncate(fd, 2 << 20), 0);
    ::close(fd);
  }
  int a = ::open(L("sparse").c_str(), O_RDONLY), b = ::open(P("sparse").c_str(), O_RDONLY);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  for (int whence : {SEEK_DATA, SEEK_HOLE, SEEK_SET, SEEK_END})
    for (off_t off : probes) {
      Outcome x = sys([&] { return ::lseek(a, off, whence); });
      Outcome y = sys([&] { return ::lseek(b, off, whence); });
      EXPECT_TRUE(x == y) << "whence=" << whence << " off=" << off << ": pool " << describe(y)
                          << ", tmpfs " << describe(x);
    }
  EXPECT_EQ(::lseek(b, 0, SEEK_HOLE), 4096);
  EXPECT_EQ(::lseek(b, 4096, SEEK_DATA), 1 << 20);
  Outcome past = sys([&] { return ::lseek(b, 2 << 20, SEEK_DATA); });
  EXPECT_EQ(past.err, ENXIO);
  ::close(a);
  ::close(b);
}

TEST_F(DataPath, AppendTruncExcl) {
  // O_APPEND: two descriptors append in turn; pwrite on an O_APPEND descriptor appends too.
  std::string out[2];
  for (int i = 0; i < 2; ++i) {
    std::string path = i ? P("log") : L("log");
    write_file(path, "start\n");
    int x = ::open(path.c_str(), O_WRONLY | O_APPEND),
        y = ::open(path.c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(x, 0);
    ASSERT_GE(y, 0);
    for (int k = 0; k < 20; ++k) {
      std::string line = "line " + std::to_string(k) + (k % 2 ? " from y\n" : " from x\n");
      ASSERT_EQ(::write(k % 2 ? y : x, line.data(), line.size()),
                static_cast<ssize_t>(line.size()));
    }
    ASSERT_EQ(::pwrite(x, "PW\n", 3, 0), 3);
    EXPECT_EQ(::lseek(x, 0, SEEK_CUR), ::lseek(x, 0, SEEK_END));
    ::close(x);
    ::close(y);
    out[i] = read_file(path);
  }
  EXPECT_EQ(out[1], out[0]);
  EXPECT_EQ(out[1].substr(out[1].size() - 3), "PW\n");

  // O_TRUNC: another open descriptor sees the file empty at once.
  write_file(P("t"), std::string(100000, 'q'));
  int r = ::open(P("t").c_str(), O_RDONLY);
  ASSERT_GE(r, 0);
  EXPECT_EQ(pread_all(r, 10, 0), "qqqqqqqqqq");  // the page cache holds the old data now
  int w = ::open(P("t").c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(w, 0);
  struct stat st {};
  ::fstat(r, &st);
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(pread_all(r, 10, 0), "");
  ASSERT_EQ(::write(w, "new", 3), 3);
  EXPECT_EQ(pread_all(r, 10, 0), "new");
  ::close(w);
  ::close(r);
  EXPECT_EQ(read_file(pool.on_branch(branch_of(pool, "t"), "t")), "new");

  // O_EXCL: an existing name fails; racing creators: exactly one wins.
  Outcome o = sys([&] { return ::open(P("t").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644); });
  EXPECT_EQ(o.err, EEXIST);
  for (int round = 0; round < 5; ++round) {
    std::string name = P("race" + std::to_string(round));
    std::vector<pid_t> kids;
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    for (int k = 0; k < 6; ++k) {
      pid_t pid = ::fork();
      if (pid == 0) {
        ::close(p[1]);
        char c;
        (void)!::read(p[0], &c, 1);  // start together
        int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
        ::_exit(fd >= 0 ? 0 : (errno == EEXIST ? 1 : 2));
      }
      kids.push_back(pid);
    }
    ::close(p[0]);
    ::close(p[1]);  // EOF releases every child
    int winners = 0, losers = 0;
    for (pid_t k : kids) {
      int status = 0;
      ::waitpid(k, &status, 0);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++winners;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 1) ++losers;
    }
    EXPECT_EQ(winners, 1) << "round " << round;
    EXPECT_EQ(losers, 5) << "round " << round;
  }
}

// O_EXCL reaches the branch: a name that appeared on the branches behind the pool's back
// (within the existence cache's lifetime) is not opened as if it were new.
TEST_F(DataPath, ExclusiveCreateHoldsAgainstANameMadeOnTheBranch) {
  struct stat st {};
  ASSERT_NE(::lstat(P("lockfile").c_str(), &st), 0);  // the pool has looked and seen nothing
  for (int b = 0; b < 3; ++b) write_file(pool.on_branch(b, "lockfile"), "held by someone else");
  Outcome o = sys([&] { return ::open(P("lockfile").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644); });
  if (o.ret >= 0) ::close(static_cast<int>(o.ret));
  EXPECT_EQ(o.err, EEXIST) << describe(o);
}

TEST_F(DataPath, DirectIoAndNoatime) {
  // O_DIRECT through the pool takes unaligned buffers, offsets and sizes, and stays coherent
  // with buffered descriptors.
  int d = ::open(P("direct").c_str(), O_RDWR | O_CREAT | O_DIRECT, 0644);
  ASSERT_GE(d, 0) << std::strerror(errno);
  const std::string data = random_bytes(100003, 5);
  ASSERT_EQ(::pwrite(d, data.data() + 1, 99999, 3), 99999) << std::strerror(errno);
  int buffered = ::open(P("direct").c_str(), O_RDONLY);
  ASSERT_GE(buffered, 0);
  EXPECT_TRUE(pread_all(buffered, 99999, 3) == data.substr(1, 99999));
  int w = ::open(P("direct").c_str(), O_WRONLY);
  ASSERT_EQ(::pwrite(w, "ZZZZ", 4, 10), 4);
  ::close(w);
  EXPECT_EQ(pread_all(d, 4, 10), "ZZZZ");
  ::close(d);
  ::close(buffered);

  // O_NOATIME: the owner's read leaves atime alone; a plain read updates an old atime.
  write_file(P("na"), "no access time");
  int b = branch_of(pool, "na");
  timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, P("na").c_str(), old, 0), 0);
  int fd = ::open(P("na").c_str(), O_RDONLY | O_NOATIME);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_EQ(pread_all(fd, 100, 0), "no access time");
  ::close(fd);
  EXPECT_EQ(stat_of(pool.on_branch(b, "na")).st_atim.tv_sec, 1000000000) << "branch atime";
  EXPECT_EQ(stat_of(P("na")).st_atim.tv_sec, 1000000000) << "pool atime";
  fd = ::open(P("na").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(pread_all(fd, 100, 0), "no access time");
  ::close(fd);
  EXPECT_GT(stat_of(pool.on_branch(b, "na")).st_atim.tv_sec, 1000000000)
      << "a plain read updates atime";
  // Someone else's file: O_NOATIME is refused, as on tmpfs.
  write_file(L("na"), "x");
  for (const auto& path : {P("na"), L("na")}) {
    Outcome o =
        as_user(kNobody, kNogroup, [&] { return ::open(path.c_str(), O_RDONLY | O_NOATIME); });
    EXPECT_EQ(o.err, EPERM) << path;
  }
}

// Every handle of a node uses the file the first open found, even when another branch shows
// the name by the time of the later open (DESIGN.md: one open-file object per node).
TEST_F(DataPath, HandlesOfANodeShareTheFirstOpensFile) {
  make_dirs(pool.on_branch(1, "d"));
  write_file(pool.on_branch(1, "d/f"), "branch one");
  int first = ::open(P("d/f").c_str(), O_RDWR);
  ASSERT_GE(first, 0);
  EXPECT_EQ(pread_all(first, 100, 0), "branch one");
  // A copy appears on branch 0 (first in order); wait out the pool's existence cache.
  make_dirs(pool.on_branch(0, "d"));
  write_file(pool.on_branch(0, "d/f"), "branch zero");
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  int second = ::open(P("d/f").c_str(), O_RDWR);
  ASSERT_GE(second, 0);
  ASSERT_EQ(::pwrite(second, "BRANCH", 6, 0), 6);
  EXPECT_EQ(::fsync(second), 0);
  ::close(second);
  EXPECT_EQ(read_file(pool.on_branch(1, "d/f")), "BRANCH one")
      << "the second handle wrote elsewhere";
  EXPECT_EQ(read_file(pool.on_branch(0, "d/f")), "branch zero");
  ::close(first);
}

// fd operations on a file unlinked while open, in the pool and on tmpfs, step by step.
TEST_F(DataPath, FdOperationsOnAFileUnlinkedWhileOpen) {
  struct Step {
    Outcome o;
    std::string st;
  };
  auto run = [&](const std::string& path) {
    std::vector<Step> steps;
    write_file(path, "contents of a doomed file");
    int fd = ::open(path.c_str(), O_RDWR);
    int other = ::open(path.c_str(), O_RDONLY);
    if (fd < 0 || other < 0) return steps;
    auto note = [&](Outcome o) {
      struct stat st {};
      ::fstat(fd, &st);
      char buf[200];
      std::snprintf(
          buf, sizeof buf, "mode=%o uid=%u gid=%u nlink=%lu size=%lld mtime=%lld.%ld", st.st_mode,
          st.st_uid, st.st_gid, static_cast<unsigned long>(st.st_nlink),
          static_cast<long long>(st.st_size),
          st.st_mtim.tv_sec > 1500000000 ? 0LL : static_cast<long long>(st.st_mtim.tv_sec),
          st.st_mtim.tv_sec > 1500000000 ? 0L : st.st_mtim.tv_nsec);
      steps.push_back({o, buf});
    };
    note(sys([&] { return ::unlink(path.c_str()); }));
    struct stat st {};
    note(sys([&] { return ::fstat(fd, &st); }));
    note(sys([&] { return ::fchmod(fd, 0600); }));
    note(sys([&] { return ::fchown(fd, 65534, 65533); }));
    timespec ts[2] = {{1234567890, 1}, {1234567891, 2}};
    note(sys([&] { return ::futimens(fd, ts); }));
    note(sys([&] { return ::ftruncate(fd, 8); }));
    note(sys([&] { return ::fallocate(fd, 0, 0, 20000); }));
    note(sys([&] { return ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096); }));
    note(sys([&] { return ::pwrite(fd, "written after unlink", 20, 5000); }));
    std::string back = pread_all(other, 20, 5000);
    note(Outcome{static_cast<long>(back.size()), back == "written after unlink" ? 0 : -1});
    note(sys([&] { return ::fsync(fd); }));
    note(sys([&] { return ::fstat(other, &st); }));
    ::close(other);
    note(sys([&] { return ::fchmod(fd, 0640); }));
    ::close(fd);
    return steps;
  };
  auto a = run(L("doomed")), b = run(P("doomed"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(a[i].o == b[i].o) << "step " << i << ": pool " << describe(b[i].o) << ", tmpfs "
                                  << describe(a[i].o);
    EXPECT_EQ(b[i].st, a[i].st) << "step " << i;
  }
  EXPECT_FALSE(exists(P("doomed")));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(exists(pool.on_branch(i, "doomed")));
}

// Shared writable mmap with default options (cache.files=off), seen by another process and by
// read(), and on the branch after msync.
TEST_F(DataPath, SharedWritableMmapWithDefaultOptions) {
  const size_t len = 1 << 20;
  int fd = ::open(P("mapped").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(len)), 0);
  void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(m, MAP_FAILED) << std::strerror(errno);
  auto* p = static_cast<char*>(m);
  const std::string data = random_bytes(len, 9);
  std::memcpy(p, data.data(), len);
  // Another process maps the same file and sees (and changes) the same pages.
  Outcome o = in_child([&]() -> long {
    int cfd = ::open(P("mapped").c_str(), O_RDWR);
    if (cfd < 0) return -1;
    void* cm = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
    if (cm == MAP_FAILED) return -1;
    auto* cp = static_cast<char*>(cm);
    if (std::memcmp(cp, data.data(), len) != 0) return 1;
    std::memcpy(cp + 4096, "child was here", 14);
    ::msync(cm, len, MS_SYNC);
    return 0;
  });
  EXPECT_EQ(o.ret, 0) << describe(o);
  EXPECT_EQ(std::string(p + 4096, 14), "child was here");
  ASSERT_EQ(::msync(m, len, MS_SYNC), 0);
  ::munmap(m, len);
  ::close(fd);
  std::string expect = data;
  std::memcpy(&expect[4096], "child was here", 14);
  EXPECT_TRUE(read_file(P("mapped")) == expect);
  EXPECT_TRUE(read_file(pool.on_branch(branch_of(pool, "mapped"), "mapped")) == expect);
}

TEST_F(DataPath, FlockBetweenProcesses) {
  write_file(P("lock"), "");
  int fd = ::open(P("lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  auto try_lock = [&](int op) {
    return in_child([&]() -> long {
      int cfd = ::open(P("lock").c_str(), O_RDWR);
      return cfd < 0 ? -2 : ::flock(cfd, op | LOCK_NB);
    });
  };
  EXPECT_EQ(try_lock(LOCK_EX).err, EWOULDBLOCK);
  EXPECT_EQ(try_lock(LOCK_SH).err, EWOULDBLOCK);
  ASSERT_EQ(::flock(fd, LOCK_SH), 0);
  EXPECT_EQ(try_lock(LOCK_SH).ret, 0);
  EXPECT_EQ(try_lock(LOCK_EX).err, EWOULDBLOCK);
  ASSERT_EQ(::flock(fd, LOCK_UN), 0);
  EXPECT_EQ(try_lock(LOCK_EX).ret, 0);
  // A blocked locker wakes up when the holder unlocks.
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    int cfd = ::open(P("lock").c_str(), O_RDWR);
    ::_exit(cfd >= 0 && ::flock(cfd, LOCK_EX) == 0 ? 0 : 1);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(::flock(fd, LOCK_UN), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
  ::close(fd);
}

TEST_F(DataPath, PosixLocksBetweenProcesses) {
  write_file(P("plock"), std::string(100, 'x'));
  int fd = ::open(P("plock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  auto lk = [](short type, off_t start, off_t len) {
    struct flock f {};
    f.l_type = type;
    f.l_whence = SEEK_SET;
    f.l_start = start;
    f.l_len = len;
    return f;
  };
  struct flock mine = lk(F_WRLCK, 0, 10);
  ASSERT_EQ(::fcntl(fd, F_SETLK, &mine), 0);
  const pid_t me = ::getpid();
  auto child = [&](int cmd, struct flock f) {
    return in_child([&, f]() mutable -> long {
      int cfd = ::open(P("plock").c_str(), O_RDWR);
      if (cfd < 0) return -2;
      if (::fcntl(cfd, cmd, &f) < 0) return -1;
      if (cmd == F_GETLK || cmd == F_OFD_GETLK)  // what conflicts: type and holder
        return f.l_type == F_UNLCK
                   ? 0
                   : (f.l_pid == me ? 100 + f.l_type : (f.l_pid == -1 ? 200 + f.l_type : 300));
      return 0;
    });
  };
  Outcome o = child(F_SETLK, lk(F_WRLCK, 5, 10));
  EXPECT_TRUE(o.err == EAGAIN || o.err == EACCES) << describe(o);
  o = child(F_SETLK, lk(F_RDLCK, 0, 1));
  EXPECT_TRUE(o.err == EAGAIN || o.err == EACCES) << describe(o);
  EXPECT_EQ(child(F_SETLK, lk(F_WRLCK, 10, 10)).ret, 0) << "a range next to the lock is free";
  EXPECT_EQ(child(F_GETLK, lk(F_WRLCK, 5, 10)).ret, 100 + F_WRLCK) << "F_GETLK names the holder";
  EXPECT_EQ(child(F_GETLK, lk(F_WRLCK, 50, 10)).ret, 0);
  EXPECT_EQ(child(F_OFD_SETLK, lk(F_WRLCK, 0, 1)).err, EAGAIN) << "OFD locks see POSIX locks";
  // Downgrade to a read lock: readers come in, writers stay out.
  mine = lk(F_RDLCK, 0, 10);
  ASSERT_EQ(::fcntl(fd, F_SETLK, &mine), 0);
  EXPECT_EQ(child(F_SETLK, lk(F_RDLCK, 0, 10)).ret, 0);
  EXPECT_TRUE(child(F_SETLK, lk(F_WRLCK, 0, 10)).ret < 0);
  // F_SETLKW blocks until the holder lets go.
  mine = lk(F_WRLCK, 0, 0);
  ASSERT_EQ(::fcntl(fd, F_SETLK, &mine), 0);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(20);
    int cfd = ::open(P("plock").c_str(), O_RDWR);
    struct flock f = lk(F_WRLCK, 0, 0);
    ::_exit(cfd >= 0 && ::fcntl(cfd, F_SETLKW, &f) == 0 ? 0 : 1);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  mine = lk(F_UNLCK, 0, 0);
  ASSERT_EQ(::fcntl(fd, F_SETLK, &mine), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
  // Closing any descriptor of the file drops the process's POSIX locks (the classic trap).
  mine = lk(F_WRLCK, 0, 0);
  ASSERT_EQ(::fcntl(fd, F_SETLK, &mine), 0);
  ::close(::open(P("plock").c_str(), O_RDONLY));
  EXPECT_EQ(child(F_SETLK, lk(F_WRLCK, 0, 0)).ret, 0);
  ::close(fd);
}

// set-user-ID / set-group-ID after a write by an unprivileged process, as on tmpfs.
TEST_F(DataPath, WriteClearsSetIdBitsAsTmpfsDoes) {
  struct Case {
    mode_t mode;
    uid_t owner;
    gid_t group;
    gid_t extra_group;  // supplementary group of the writer (0: none)
  };
  const Case cases[] = {{04766, 0, 0, 0},
                        {02776, 0, 0, 0},
                        {02766, 0, 0, 0},
                        {06777, 0, 0, 0},
                        {04766, kNobody, kNogroup, 0},
                        {02776, kNobody, kNogroup, 0},
                        {02766, kNobody, kNogroup, 0},
                        {02766, 0, 65533, 65533},
                        {02776, 0, 65533, 65533}};
  int n = 0;
  for (const auto& c : cases) {
    char label[96];
    std::snprintf(label, sizeof label, "mode %04o owner %u:%u%s", static_cast<unsigned>(c.mode),
                  c.owner, c.group, c.extra_group ? ", writer in the group" : "");
    std::string name = "sid" + std::to_string(n++);
    mode_t result[2];
    for (int i = 0; i < 2; ++i) {
      std::string path = i ? P(name) : L(name);
      write_file(path, "data");
      ASSERT_EQ(::chown(path.c_str(), c.owner, c.group), 0);
      ASSERT_EQ(::chmod(path.c_str(), c.mode), 0);
      Outcome o = in_child([&]() -> long {
        gid_t g = c.extra_group;
        if (::setgroups(g ? 1 : 0, &g) < 0 || ::setresgid(kNogroup, kNogroup, kNogroup) < 0 ||
            ::setresuid(kNobody, kNobody, kNobody) < 0)
          return -2;
        int fd = ::open(path.c_str(), O_WRONLY);
        if (fd < 0) return -3;
        return ::write(fd, "more", 4);
      });
      EXPECT_EQ(o.ret, 4) << label << " " << describe(o);
      result[i] = stat_of(path).st_mode & 07777;
    }
    EXPECT_EQ(result[1], result[0])
        << label << ": pool " << std::oct << result[1] << ", tmpfs " << result[0];
  }
}

// 64 MiB of random data in odd-sized chunks, read back in other odd sizes: identical, with and
// without O_DIRECT, in the pool and on the branch.
TEST_F(DataPath, SixtyFourMiBInOddChunksReadsBackIdentical) {
  const size_t total = 64u << 20;
  const std::string data = random_bytes(total, 64);
  const uint64_t want = fnv(data.data(), data.size());
  const size_t wsizes[] = {1, 4093, 65537, 7, 131071, 1048573, 12345, 3, 999999, 4099};
  const size_t rsizes[] = {5, 8191, 65535, 262147, 1000003, 17};
  for (bool direct : {false, true}) {
    SCOPED_TRACE(direct ? "O_DIRECT" : "buffered");
    std::string name = direct ? "big-direct" : "big";
    int fd = ::open(P(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0644);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    size_t done = 0;
    for (size_t k = 0; done < total; ++k) {
      size_t n = std::min(wsizes[k % std::size(wsizes)], total - done);
      ssize_t w = ::write(fd, data.data() + done, n);
      ASSERT_EQ(w, static_cast<ssize_t>(n)) << "at " << done << ": " << std::strerror(errno);
      done += n;
    }
    ASSERT_EQ(::close(fd), 0);
    fd = ::open(P(name).c_str(), O_RDONLY | (direct ? O_DIRECT : 0));
    ASSERT_GE(fd, 0);
    std::vector<char> buf(1 << 20);
    uint64_t h = 1469598103934665603ULL;
    size_t got = 0;
    for (size_t k = 0;; ++k) {
      ssize_t r = ::read(fd, buf.data(), rsizes[k % std::size(rsizes)]);
      ASSERT_GE(r, 0) << std::strerror(errno);
      if (r == 0) break;
      h = fnv(buf.data(), static_cast<size_t>(r), h);
      got += static_cast<size_t>(r);
    }
    ::close(fd);
    EXPECT_EQ(got, total);
    EXPECT_EQ(h, want) << "checksum through the pool";
    std::string on_branch = read_file(pool.on_branch(branch_of(pool, name), name));
    EXPECT_EQ(fnv(on_branch.data(), on_branch.size()), want) << "checksum on the branch";
  }
}

}  // namespace
}  // namespace mfs::test
