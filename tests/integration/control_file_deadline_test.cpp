// Control-plane deadlines (issue 17 item 5): a config write that touches a hung filesystem (a
// branch added on a frozen FUSE mount) is answered EIO within branch-deadline and changes
// nothing, while the coordinator keeps rendering the stats dump and answering the writes queued
// behind it, in the order they came.
#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/concurrent_calls.hpp"
#include "tests/integration/control_file_probes.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::control {
namespace {

using namespace std::chrono_literals;

// branch-deadline 1 s: the limit below (3 s) is that plus 2 s.
constexpr const char* kOptions = "branch-deadline=1";
constexpr auto kLimit = 3s;

// A pool of two branches and a frozen FUSE mount at a third directory, not in the pool.
struct PoolAndHungDir {
  PoolAndHungDir() {
    make_dirs(hung);
    frozen = std::make_unique<FreezableBranch>(pool.root() + "/fz", hung);
  }
  Pool pool{{.branches = 2, .options = kOptions}};
  std::string hung = pool.root() + "/hung";
  std::unique_ptr<FreezableBranch> frozen;  // destroyed (thawed, unmounted) before the pool
};

std::function<int()> set_in_child(const Pool& p, const std::string& key, const std::string& value,
                                  std::chrono::milliseconds after = 0ms) {
  return [c = ctl(p), name = kPrefix + key, value, after] {
    std::this_thread::sleep_for(after);  // lets the write before it reach the coordinator first
    return ::setxattr(c.c_str(), name.c_str(), value.data(), value.size(), 0);
  };
}

std::function<int()> get_in_child(const Pool& p, const std::string& key, std::chrono::milliseconds after) {
  return [c = ctl(p), name = kPrefix + key, after] {
    std::this_thread::sleep_for(after);
    char buf[4096];
    return ::getxattr(c.c_str(), name.c_str(), buf, sizeof buf) < 0 ? -1 : 0;
  };
}

// The stats dump is rendered again (the coordinator's seq moves on) within 2 s: the
// coordinator's thread is not stuck.
std::function<int()> stats_render_moves_on(const Pool& p, std::chrono::milliseconds after) {
  return [&p, after] {
    std::this_thread::sleep_for(after);
    auto seq = [&] { return field(value_of(ctl(p), kPrefix + "stats.coordinator"), "seq"); };
    std::string first = seq();
    if (eventually([&] { return seq() != first; }, 2s)) return 0;
    errno = ETIMEDOUT;
    return -1;
  };
}

uint64_t coordinator_figure(const Pool& p, const std::string& name) {
  return num_field(value_of(ctl(p), kPrefix + "stats.coordinator"), name);
}

TEST(ControlFileDeadline, AddingAHungBranchAnswersEioAndHoldsNothingElse) {
  PoolAndHungDir t;
  Pool& p = t.pool;
  ASSERT_TRUE(t.frozen->ok());
  const std::string before = get_option(p, "branches");
  write_file(p.on_branch(0, "on-b0"), "0");

  t.frozen->freeze();
  auto round = run_together({set_in_child(p, "branches", "+>" + t.hung),
                             stats_render_moves_on(p, 300ms), get_in_child(p, "version", 300ms),
                             set_in_child(p, "minfreespace", "1G", 300ms)},
                            kLimit);
  EXPECT_TRUE(round[0].answered) << "the hung branch's write still waiting after branch-deadline + 2 s";
  EXPECT_EQ(round[0].err, EIO);
  EXPECT_TRUE(round[1].answered && round[1].err == 0) << "stats not rendered again, err " << round[1].err;
  EXPECT_TRUE(round[2].answered && round[2].err == 0) << "version read, err " << round[2].err;
  EXPECT_TRUE(round[3].answered && round[3].err == 0) << "minfreespace write, err " << round[3].err;

  t.frozen->thaw();
  reap_left();
  // The stuck work returns after the thaw; its late result is dropped, not applied.
  EXPECT_TRUE(eventually([&] { return coordinator_figure(p, "late_results_dropped") == 1; }, 5s))
      << value_of(ctl(p), kPrefix + "stats.coordinator");
  EXPECT_EQ(coordinator_figure(p, "writes_past_deadline"), 1u);
  EXPECT_EQ(get_option(p, "branches"), before);
  EXPECT_EQ(get_option(p, "minfreespace"), "1073741824");
  EXPECT_EQ(read_file(p.path("on-b0")), "0");
  write_file(p.path("after-thaw"), "ok");
  EXPECT_EQ(read_file(p.path("after-thaw")), "ok");
  // The hung directory can be added once it answers again.
  EXPECT_EQ(setx(ctl(p), kPrefix + "branches", "+>" + t.hung).ret, 0);
  EXPECT_EQ(get_option(p, "branches"), before + ":" + t.hung + "=RW");
}

// Writes that arrive while a hung one is in flight wait for it and then apply one by one in the
// order they came: the last value written wins, an add then a remove leaves the branch out.
TEST(ControlFileDeadline, WritesQueuedBehindAHungOneApplyInArrivalOrder) {
  PoolAndHungDir t;
  Pool& p = t.pool;
  ASSERT_TRUE(t.frozen->ok());
  const std::string before = get_option(p, "branches");
  const std::string extra = p.root() + "/extra";
  make_dirs(extra);

  t.frozen->freeze();
  auto round = run_together({set_in_child(p, "branches", "+>" + t.hung),
                             set_in_child(p, "minfreespace", "1G", 200ms),
                             set_in_child(p, "branches", "+>" + extra, 400ms),
                             set_in_child(p, "minfreespace", "2G", 600ms),
                             set_in_child(p, "branches", "-" + extra, 800ms)},
                            kLimit);
  EXPECT_EQ(unanswered(round), 0u) << "writes still waiting after branch-deadline + 2 s";
  EXPECT_EQ(round[0].err, EIO);
  for (size_t i = 1; i < round.size(); ++i) EXPECT_EQ(round[i].err, 0) << "write " << i;
  EXPECT_EQ(get_option(p, "minfreespace"), "2147483648");
  EXPECT_EQ(get_option(p, "branches"), before);

  t.frozen->thaw();
  reap_left();
  // Back to back from one caller, once nothing hangs: the last one wins.
  set_option(p, "minfreespace", "3G");
  set_option(p, "minfreespace", "4G");
  set_option(p, "branches", "+>" + extra);
  EXPECT_EQ(get_option(p, "minfreespace"), "4294967296");
  EXPECT_EQ(get_option(p, "branches"), before + ":" + extra + "=RW");
}

}  // namespace
}  // namespace mfs::test::control
