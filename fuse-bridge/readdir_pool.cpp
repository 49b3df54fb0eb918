// The readdir pool: detached workers over one bounded queue.
#include "fuse-bridge/readdir_pool.hpp"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace mfs::bridge {
namespace {

struct Pool {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> queue;
  unsigned workers = 0;

  void work() {
    std::unique_lock lk(mu);
    for (;;) {
      cv.wait(lk, [&] { return !queue.empty(); });
      auto job = std::move(queue.front());
      queue.pop_front();
      lk.unlock();
      job();
      lk.lock();
    }
  }
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: workers may outlive main in a hung branch
  return *p;
}

}  // namespace

bool run_on_readdir_pool(unsigned threads, unsigned depth, std::function<void()> job) {
  Pool& p = pool();
  {
    std::lock_guard lk(p.mu);
    if (p.queue.size() >= static_cast<size_t>(threads) * depth) return false;
    while (p.workers < threads) {
      std::thread t([&p] { p.work(); });
      // Named before this returns (ps -L, the tests), not whenever the thread first runs.
      pthread_setname_np(t.native_handle(), "mfs-readdir");
      t.detach();
      ++p.workers;
    }
    p.queue.push_back(std::move(job));
  }
  p.cv.notify_one();
  return true;
}

}  // namespace mfs::bridge
