// The branch executor (actors/branch/branch_executor): tasks run off the caller's thread, a
// hung task costs one thread and the next tasks still run (up to the thread cap), the queue is
// bounded, and queued tasks past their due time are dropped unrun (their destructor runs: that
// is how a dropped request gets its EIO). Hung tasks are released at the end of each test.
#include "actors/branch/branch_executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "messages/clock.hpp"

namespace mfs {
namespace {

using namespace std::chrono_literals;

// A gate hung tasks wait on, opened by the test (or its destructor) so no thread is left.
class Gate {
 public:
  ~Gate() { open(); }
  void wait() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return open_; });
  }
  void open() {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Posts `n` tasks that hang on `gate`, and waits until every one runs on a thread of its own.
void hang_threads(BranchExecutor& ex, const std::shared_ptr<Gate>& gate, size_t n) {
  auto started = std::make_shared<std::atomic<size_t>>(0);
  for (size_t i = 0; i < n; ++i)
    ASSERT_TRUE(ex.post(0, [gate, started] {
      started->fetch_add(1);
      gate->wait();
    }));
  for (int i = 0; i < 500 && started->load() < n; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(started->load(), n);
}

// Sets a flag when destroyed: the task's captures went away (ran or dropped).
struct Witness {
  explicit Witness(std::atomic<int>* n) : n_(n) {}
  ~Witness() { n_->fetch_add(1); }
  std::atomic<int>* n_;
};

TEST(BranchExecutor, RunsTasksOffTheCallersThread) {
  BranchExecutor ex;
  std::promise<std::thread::id> ran_on;
  ASSERT_TRUE(ex.post(0, [&] { ran_on.set_value(std::this_thread::get_id()); }));
  auto f = ran_on.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_NE(f.get(), std::this_thread::get_id());
}

TEST(BranchExecutor, AHungTaskDoesNotHoldTheNextOnes) {
  auto gate = std::make_shared<Gate>();
  BranchExecutor ex;
  hang_threads(ex, gate, 3);
  std::promise<void> done;
  ASSERT_TRUE(ex.post(0, [&] { done.set_value(); }));
  EXPECT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_GE(ex.figures().threads, 4u);
  gate->open();
}

TEST(BranchExecutor, ThreadsStopAtTheCapAndTheQueueIsBounded) {
  auto gate = std::make_shared<Gate>();
  BranchExecutor ex;
  hang_threads(ex, gate, BranchExecutor::kMaxThreads);
  for (size_t i = 0; i < BranchExecutor::kQueueCap; ++i) ASSERT_TRUE(ex.post(0, [] {})) << i;
  std::atomic<int> gone{0};
  auto w = std::make_shared<Witness>(&gone);
  EXPECT_FALSE(ex.post(0, [w] {}));
  w.reset();
  EXPECT_EQ(gone.load(), 1) << "a refused task is destroyed at once";
  auto f = ex.figures();
  EXPECT_EQ(f.threads, BranchExecutor::kMaxThreads);
  EXPECT_EQ(f.refused, 1u);
  gate->open();
}

TEST(BranchExecutor, OverdueQueuedTasksAreDroppedUnrun) {
  auto gate = std::make_shared<Gate>();
  BranchExecutor ex;
  hang_threads(ex, gate, BranchExecutor::kMaxThreads);
  std::atomic<int> ran{0}, gone{0};
  const int64_t now = steady_ns();
  {
    auto w = std::make_shared<Witness>(&gone);
    ASSERT_TRUE(ex.post(now + 1000, [w, &ran] { ran.fetch_add(1); }));    // due almost at once
    ASSERT_TRUE(ex.post(0, [&ran] { ran.fetch_add(1); }));                // no due time
  }
  ex.drop_overdue(now + 2000);
  EXPECT_EQ(gone.load(), 1) << "the dropped task's captures are released";
  EXPECT_EQ(ex.figures().dropped, 1u);
  EXPECT_EQ(ex.figures().queued, 1u);
  gate->open();
  for (int i = 0; i < 500 && ran.load() < 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(ran.load(), 1) << "only the task with no due time ran";
}

}  // namespace
}  // namespace mfs
