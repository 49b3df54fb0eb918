// Request deadlines on the data path (issue 17 items 1, 2 and 4): reads and writes of files open
// on a frozen branch answer EIO by the deadline, later ones at once (no syscall into a branch
// known late), and never cost the files on healthy branches a worker; a close of a file on the
// frozen branch does not hang its caller; after the thaw the branch's files read again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/integration/concurrent_calls.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using namespace std::chrono_literals;

// branch-deadline 0.5 s; the kernel asks the pool every time, and every open starts with an
// empty page cache (cache.files=partial), so a read reaches the daemon.
constexpr const char* kOptions =
    "branch-deadline=0.5,cache.entry=0,cache.attr=0,cache.negative-entry=0,cache.files=partial";
constexpr size_t kFileSize = 1 << 20;
constexpr size_t kChunk = 4096;

// pread of one chunk at `off` (a different offset per call: no page cache hit).
std::function<int()> pread_at(int fd, off_t off) {
  return [fd, off] {
    char buf[kChunk];
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0) return -1;
    if (n != static_cast<ssize_t>(sizeof buf)) {
      errno = EMSGSIZE;  // a short read: not what a healthy branch answers here
      return -1;
    }
    return 0;
  };
}

std::function<int()> pwrite_at(int fd, off_t off) {
  return [fd, off] {
    char buf[kChunk] = {'w'};
    return ::pwrite(fd, buf, sizeof buf, off) == static_cast<ssize_t>(sizeof buf) ? 0 : -1;
  };
}

int open_or_fail(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  EXPECT_GE(fd, 0) << path << ": " << std::strerror(errno);
  return fd;
}

TEST(RequestDeadline, DataPathOnAFrozenBranchAnswersEioAndTheOthersKeepTheirWorkers) {
  Pool p({.branches = 2, .options = kOptions, .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  const std::string block(kFileSize, 'd');
  write_file(frozen.src() + "/on-frozen", block);
  for (int i = 0; i < 8; ++i) write_file(p.on_branch(1, "ok" + std::to_string(i)), block);
  p.start();

  int on_frozen = open_or_fail(p.path("on-frozen"), O_RDWR);
  std::vector<int> healthy;
  for (int i = 0; i < 8; ++i) healthy.push_back(open_or_fail(p.path("ok" + std::to_string(i)), O_RDONLY));
  ASSERT_EQ(pread_at(on_frozen, 0)(), 0) << std::strerror(errno);

  frozen.freeze();
  // The first read on the frozen branch waits for it up to the deadline, then answers EIO;
  // 16 more sent with it take no worker the healthy files need: 64 reads of those all answer.
  std::vector<std::function<int()>> calls;
  for (int i = 1; i <= 17; ++i) calls.push_back(pread_at(on_frozen, static_cast<off_t>(i * kChunk)));
  for (int i = 0; i < 64; ++i)
    calls.push_back(pread_at(healthy[static_cast<size_t>(i % 8)], static_cast<off_t>((i / 8 + 1) * kChunk)));
  auto round = run_together(calls, 4s);
  EXPECT_EQ(unanswered(round), 0u) << "reads still waiting 4 s after a 0.5 s deadline";
  for (size_t i = 0; i < 17; ++i) EXPECT_EQ(round[i].err, EIO) << "read " << i << " on the frozen branch";
  for (size_t i = 17; i < round.size(); ++i) EXPECT_EQ(round[i].err, 0) << "read " << i << " on a healthy branch";

  // Known late now: a read, a write, an fsync answer EIO without waiting for it.
  auto later = run_together({pread_at(on_frozen, 40 * kChunk), pwrite_at(on_frozen, 0),
                             [on_frozen] { return ::fsync(on_frozen); }},
                            400ms);
  ASSERT_EQ(unanswered(later), 0u) << "a call on a branch known late waited for it";
  EXPECT_EQ(later[0].err, EIO);
  EXPECT_EQ(later[1].err, EIO);
  EXPECT_EQ(later[2].err, EIO);
  // The stats dump names the branch late and counts what it cost: refusals on the branch, and
  // requests the deadline answered.
  auto figure = [&](const char* actor, const char* name) {
    return std::stoull("0" + stats_field(stats_summary(p), actor, name));
  };
  // (The dump is rendered once a second.) The kernel asks GETATTR before a read, so the first
  // reads' EIO may come from that getattr run again past its deadline rather than from the read.
  EXPECT_TRUE(eventually([&] { return figure("branch-0", "refused") >= 3; }, 3s)) << stats_summary(p);
  EXPECT_NE(stats_field(stats_summary(p), "branch-0", "health"), "ok");
  EXPECT_GE(figure("coordinator", "deadline_eio") + figure("coordinator", "deadline_rerun"), 1u)
      << stats_summary(p);
  EXPECT_EQ(figure("branch-1", "refused"), 0u);
  // Closing the file does not wait for the frozen branch either.
  auto closed = run_together({[on_frozen] { return ::close(on_frozen); }}, 1s);
  EXPECT_EQ(unanswered(closed), 0u) << "close waited for the frozen branch";

  frozen.thaw();
  reap_left();
  EXPECT_TRUE(eventually([&] { return stats_field(stats_summary(p), "branch-0", "health") == "ok"; }, 3s));
  int again = open_or_fail(p.path("on-frozen"), O_RDONLY);
  EXPECT_EQ(pread_at(again, 50 * kChunk)(), 0) << std::strerror(errno);
  ::close(again);
  ::close(on_frozen);
  for (int fd : healthy) ::close(fd);
}

// An fsync that reaches the frozen branch before it is known late is answered EIO by its
// deadline too: an application must not hang in fsync because one disk does.
TEST(RequestDeadline, AnFsyncOnAFrozenBranchAnswersEioByItsDeadline) {
  Pool p({.branches = 2, .options = kOptions, .start = false});
  FreezableBranch frozen(p.root(), p.branch(0));
  ASSERT_TRUE(frozen.ok());
  write_file(frozen.src() + "/on-frozen", "d");
  p.start();
  int fd = open_or_fail(p.path("on-frozen"), O_RDWR);
  ASSERT_EQ(::pwrite(fd, "x", 1, 0), 1);

  frozen.freeze();
  auto round = run_together({[fd] { return ::fsync(fd); }}, 3s);
  ASSERT_TRUE(round[0].answered) << "fsync still waiting 3 s after a 0.5 s deadline";
  EXPECT_EQ(round[0].err, EIO);

  frozen.thaw();
  reap_left();
  EXPECT_TRUE(eventually([&] { return stats_field(stats_summary(p), "branch-0", "health") == "ok"; }, 3s));
  EXPECT_TRUE(eventually([&] { return ::fsync(fd) == 0; }, 3s)) << std::strerror(errno);
  ::close(fd);
}

}  // namespace
}  // namespace mfs::test
