// run_with_deadline: jobs that answer in time give their results, one that does not is left
// behind (nullopt) without holding the caller, and a deadline of 0 waits for everything.
#include "messages/run_with_deadline.hpp"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>

namespace mfs {
namespace {

TEST(RunWithDeadline, AJobThatDoesNotAnswerIsLeftBehind) {
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  std::vector<std::function<int()>> jobs;
  jobs.push_back([] { return 1; });
  jobs.push_back([released] {
    released.wait();  // a syscall on a hung branch
    return 2;
  });
  jobs.push_back([] { return 3; });
  auto got = run_with_deadline(std::move(jobs), 0.2);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], 1);
  EXPECT_FALSE(got[1].has_value());
  EXPECT_EQ(got[2], 3);
  release->set_value();  // its late answer is dropped with the shared state
}

TEST(RunWithDeadline, ZeroWaitsRunningTheJobsHere) {
  const std::thread::id caller = std::this_thread::get_id();
  std::vector<std::function<bool()>> jobs;
  jobs.push_back([caller] { return std::this_thread::get_id() == caller; });
  auto got = run_with_deadline(std::move(jobs), 0);
  ASSERT_TRUE(got[0].has_value());
  EXPECT_TRUE(*got[0]);
}

}  // namespace
}  // namespace mfs
