// Released handles are kept a short while before they are freed. A process killed in the
// middle of a read or readdir gets its RELEASE sent while our worker may still be using the
// handle; freeing it at once would be a use-after-free (seen as a glibc mutex assertion).
// A reaper thread frees them (closing branch descriptors) about a second later.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace mfs::bridge {

class Graveyard {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kGrace = std::chrono::milliseconds(1000);

  Graveyard() : reaper_([this] { run(); }) {}
  ~Graveyard() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    reaper_.join();
  }
  Graveyard(const Graveyard&) = delete;
  Graveyard& operator=(const Graveyard&) = delete;

  void bury(std::shared_ptr<void> obj) {
    std::lock_guard lk(mu_);
    graves_.emplace_back(Clock::now(), std::move(obj));
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      cv_.wait_for(lk, std::chrono::milliseconds(250));
      std::deque<std::shared_ptr<void>> expired;
      auto now = Clock::now();
      while (!graves_.empty() && (stopping_ || now - graves_.front().first > kGrace)) {
        expired.push_back(std::move(graves_.front().second));
        graves_.pop_front();
      }
      lk.unlock();
      expired.clear();  // closes descriptors outside the lock
      lk.lock();
    }
    graves_.clear();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<std::pair<Clock::time_point, std::shared_ptr<void>>> graves_;
  std::thread reaper_;
};

}  // namespace mfs::bridge
