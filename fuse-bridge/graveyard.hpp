// Released handles are kept a short while before they are freed. A process killed in the
// middle of a read or readdir gets its RELEASE sent while our worker may still be using the
// handle; freeing it at once would be a use-after-free (seen as a glibc mutex assertion).
#pragma once
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

namespace mfs::bridge {

class Graveyard {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kGrace = std::chrono::seconds(2);

  void bury(std::shared_ptr<void> obj) {
    std::deque<std::shared_ptr<void>> expired;  // freed outside the lock
    std::lock_guard lk(mu_);
    auto now = Clock::now();
    while (!graves_.empty() && now - graves_.front().first > kGrace) {
      expired.push_back(std::move(graves_.front().second));
      graves_.pop_front();
    }
    graves_.emplace_back(now, std::move(obj));
  }

 private:
  std::mutex mu_;
  std::deque<std::pair<Clock::time_point, std::shared_ptr<void>>> graves_;
};

}  // namespace mfs::bridge
