// The data path: write/flush/release, fsync, fdatasync, fsyncdir; O_DIRECT and O_NOATIME;
// shared writable mmap; 64 MiB of random data in odd-sized chunks with and without O_DIRECT.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/integration/datapath_fixture.hpp"

namespace mfs::test::datapath {
namespace {

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
}  // namespace mfs::test::datapath
