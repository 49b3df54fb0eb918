// The data path at open and on handles: O_APPEND, O_TRUNC, O_EXCL (also against a name made on
// the branch), one open file per node, fd operations on a file unlinked while open, and a write
// clearing set-id bits as tmpfs does.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/integration/datapath_fixture.hpp"

namespace mfs::test::datapath {
namespace {

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

}  // namespace
}  // namespace mfs::test::datapath
