// The data path's locks between processes: flock and POSIX (fcntl) locks.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/integration/datapath_fixture.hpp"

namespace mfs::test::datapath {
namespace {

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

}  // namespace
}  // namespace mfs::test::datapath
