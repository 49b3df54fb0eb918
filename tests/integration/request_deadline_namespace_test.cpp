// Request deadlines on namespace changes (issue 17 item 3): creates, renames and links with one
// frozen branch, first in the list (ff asks it first) or in the middle. A branch that hangs
// keeps at most its in-flight cap of workers, so 48 creates sent as it freezes are all
// answered; once it is known late, creates go to the healthy branches and a rename of a file
// on a healthy branch does not wait for the clean-up of the destination on the frozen one.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/integration/concurrent_calls.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

using namespace std::chrono_literals;

// branch-deadline 0.5 s; the kernel asks the pool every time; category.create=all makes every
// create want the frozen branch too (its parent chain cloned there, then the object made).
constexpr const char* kOptions =
    "branch-deadline=0.5,cache.entry=0,cache.attr=0,cache.negative-entry=0,category.create=all";

// One of the four creates, by `i`: mkdir, mknod (a fifo), symlink, open(O_CREAT).
std::function<int()> create_kind(const std::string& path, int i) {
  switch (i % 4) {
    case 0: return [path] { return ::mkdir(path.c_str(), 0755); };
    case 1: return [path] { return ::mknod(path.c_str(), S_IFIFO | 0644, 0); };
    case 2: return [path] { return ::symlink("target", path.c_str()); };
    default:
      return [path] {
        int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
        return fd < 0 ? -1 : ::close(fd);
      };
  }
}

bool on_disk(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string health_of(const Pool& p, int branch) {
  return stats_field(stats_summary(p), "branch-" + std::to_string(branch), "health");
}

// The stats dump names the branch slow or failed, within `limit`. Read in a child: with every
// worker taken (what this file guards against) the read itself would never return.
bool known_late(const Pool& p, int branch, std::chrono::milliseconds limit) {
  return eventually([&] {
    auto asked = run_together({[&] {
                                 std::string h = health_of(p, branch);
                                 errno = EAGAIN;
                                 return h == "slow" || h == "failed" ? 0 : -1;
                               }},
                              500ms);
    return asked[0].answered && asked[0].err == 0;
  }, limit);
}

// The pool of three branches with branch `frozen_at` a FreezableBranch; "d" on every branch.
struct FrozenPool {
  explicit FrozenPool(int at)
      : pool({.branches = 3, .options = kOptions, .start = false}),
        frozen(pool.root(), pool.branch(at)),
        frozen_at(at) {}
  std::string branch_path(int i, const std::string& rel) const {
    return i == frozen_at ? frozen.src() + "/" + rel : pool.on_branch(i, rel);
  }
  Pool pool;
  FreezableBranch frozen;
  int frozen_at;
};

class NamespaceWithAFrozenBranch : public ::testing::TestWithParam<int> {};

TEST_P(NamespaceWithAFrozenBranch, CreatesAreAnsweredAndLandOnTheHealthyBranches) {
  FrozenPool fp(GetParam());
  Pool& p = fp.pool;
  ASSERT_TRUE(fp.frozen.ok());
  // One directory per create: the kernel runs creates in one directory one at a time, so only
  // creates in distinct directories reach the pool together.
  constexpr int kDirs = 48;
  auto dir = [](int i) { return "d" + std::to_string(i); };
  for (int b = 0; b < 3; ++b)
    for (int i = 0; i < kDirs; ++i) make_dirs(fp.branch_path(b, dir(i)));
  p.start();
  ASSERT_EQ(names_in(p.mnt()).size(), static_cast<size_t>(kDirs));

  fp.frozen.freeze();
  // More creates than the pool has workers (16 + 8 per branch): the frozen branch keeps at
  // most 8 of them, and the others are answered.
  std::vector<std::function<int()>> calls;
  for (int i = 0; i < kDirs; ++i) calls.push_back(create_kind(p.path(dir(i) + "/first"), i));
  auto first = run_together(calls, 4s);
  EXPECT_EQ(unanswered(first), 0u) << "creates still waiting 4 s after a 0.5 s deadline";

  ASSERT_TRUE(known_late(p, fp.frozen_at, 3s));
  calls.clear();
  for (int i = 0; i < 16; ++i) calls.push_back(create_kind(p.path(dir(i) + "/late"), i));
  auto late = run_together(calls, 3s);
  EXPECT_EQ(unanswered(late), 0u);
  const int healthy = fp.frozen_at == 0 ? 1 : 0;  // the first target of category.create=all
  for (size_t i = 0; i < late.size(); ++i) {
    std::string rel = dir(static_cast<int>(i)) + "/late";
    EXPECT_TRUE(late[i].answered && late[i].err == 0) << rel << ": err " << late[i].err;
    EXPECT_TRUE(on_disk(p.on_branch(healthy, rel))) << rel << " not on healthy branch " << healthy;
  }

  fp.frozen.thaw();
  reap_left();
}

TEST_P(NamespaceWithAFrozenBranch, RenamesAndLinksOfFilesOnHealthyBranchesSucceed) {
  FrozenPool fp(GetParam());
  Pool& p = fp.pool;
  ASSERT_TRUE(fp.frozen.ok());
  for (int i = 0; i < 3; ++i) make_dirs(fp.branch_path(i, "d"));
  write_file(fp.branch_path(fp.frozen_at, "on-frozen"), "h");
  const int healthy = fp.frozen_at == 0 ? 1 : 0;
  for (int i = 0; i < 8; ++i) write_file(p.on_branch(healthy, "d/f" + std::to_string(i)), "f");
  p.start();
  ASSERT_EQ(names_in(p.path("d")).size(), 8u);

  fp.frozen.freeze();
  // The first request that needs the frozen branch waits for it and makes it known late.
  auto asked = run_together({stat_of(p.path("on-frozen"))}, 3s);
  EXPECT_TRUE(asked[0].answered);
  ASSERT_TRUE(known_late(p, fp.frozen_at, 3s));

  std::vector<std::function<int()>> calls;
  for (int i = 0; i < 4; ++i) {
    std::string from = p.path("d/f" + std::to_string(i)), to = p.path("d/r" + std::to_string(i));
    calls.push_back([from, to] { return ::rename(from.c_str(), to.c_str()); });
  }
  for (int i = 4; i < 8; ++i) {
    std::string from = p.path("d/f" + std::to_string(i)), to = p.path("d/l" + std::to_string(i));
    calls.push_back([from, to] { return ::link(from.c_str(), to.c_str()); });
  }
  auto round = run_together(calls, 3s);
  EXPECT_EQ(unanswered(round), 0u) << "still waiting 3 s after a 0.5 s deadline";
  for (size_t i = 0; i < round.size(); ++i)
    EXPECT_TRUE(round[i].answered && round[i].err == 0) << "call " << i << ": err " << round[i].err;
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(on_disk(p.on_branch(healthy, "d/r" + std::to_string(i)))) << "r" << i;
    EXPECT_FALSE(on_disk(p.on_branch(healthy, "d/f" + std::to_string(i)))) << "f" << i;
  }
  for (int i = 4; i < 8; ++i) EXPECT_TRUE(on_disk(p.on_branch(healthy, "d/l" + std::to_string(i)))) << "l" << i;

  fp.frozen.thaw();
  reap_left();
}

INSTANTIATE_TEST_SUITE_P(RequestDeadline, NamespaceWithAFrozenBranch, ::testing::Values(0, 1),
                         [](const auto& info) { return info.param == 0 ? "First" : "Middle"; });

}  // namespace
}  // namespace mfs::test
