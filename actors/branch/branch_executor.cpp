// The executor's threads share one queue under one mutex; each thread is detached and holds the
// queue by shared_ptr, so the executor can go away while a thread is stuck in a branch.
#include "actors/branch/branch_executor.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace mfs {

namespace {
// An idle thread leaves after this long: an idle pool holds no executor threads.
constexpr auto kIdleExit = std::chrono::seconds(10);
}  // namespace

struct BranchExecutor::Shared {
  struct Task {
    int64_t due_ns;
    std::function<void()> run;
  };
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Task> queue;
  size_t threads = 0;
  size_t idle = 0;
  bool stopping = false;
  uint64_t ran = 0, dropped = 0, refused = 0;
};

namespace {

void work(std::shared_ptr<BranchExecutor::Shared> s) {
  std::unique_lock lk(s->mu);
  for (;;) {
    ++s->idle;
    bool woke = s->cv.wait_for(lk, kIdleExit, [&] { return s->stopping || !s->queue.empty(); });
    --s->idle;
    if (!woke || (s->stopping && s->queue.empty())) break;
    auto task = std::move(s->queue.front());
    s->queue.pop_front();
    ++s->ran;
    lk.unlock();
    try {
      task.run();
    } catch (...) {
      // The task's request is answered EIO by its destructor; the thread serves on.
    }
    task.run = nullptr;  // its captures (the request's answer) go before the lock is taken
    lk.lock();
  }
  --s->threads;
}

}  // namespace

BranchExecutor::BranchExecutor() : shared_(std::make_shared<Shared>()) {}

BranchExecutor::~BranchExecutor() {
  std::deque<Shared::Task> left;
  {
    std::lock_guard lk(shared_->mu);
    shared_->stopping = true;
    left.swap(shared_->queue);
  }
  shared_->cv.notify_all();
  // `left` answers its requests here, outside the lock.
}

bool BranchExecutor::post(int64_t due_ns, std::function<void()> task) {
  std::unique_lock lk(shared_->mu);
  if (shared_->stopping || shared_->queue.size() >= kQueueCap) {
    ++shared_->refused;
    lk.unlock();
    return false;  // `task` is destroyed with this frame, outside the lock
  }
  shared_->queue.push_back(Shared::Task{due_ns, std::move(task)});
  bool spawn = shared_->idle < shared_->queue.size() && shared_->threads < kMaxThreads;
  if (spawn) ++shared_->threads;
  lk.unlock();
  if (spawn) std::thread(work, shared_).detach();
  else shared_->cv.notify_one();
  return true;
}

void BranchExecutor::drop_overdue(int64_t now_ns) {
  std::vector<Shared::Task> overdue;
  {
    std::lock_guard lk(shared_->mu);
    for (auto it = shared_->queue.begin(); it != shared_->queue.end();) {
      if (it->due_ns && it->due_ns <= now_ns) {
        overdue.push_back(std::move(*it));
        it = shared_->queue.erase(it);
      } else {
        ++it;
      }
    }
    shared_->dropped += overdue.size();
  }
  // Destroyed here, outside the lock: each answers its request.
}

BranchExecutor::Figures BranchExecutor::figures() const {
  std::lock_guard lk(shared_->mu);
  Figures f;
  f.threads = shared_->threads;
  f.idle = shared_->idle;
  f.queued = shared_->queue.size();
  f.ran = shared_->ran;
  f.dropped = shared_->dropped;
  f.refused = shared_->refused;
  return f;
}

}  // namespace mfs
