// The invalidation thread.
#include "fuse-bridge/invalidator.hpp"

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

namespace mfs::bridge {

Invalidator::~Invalidator() { stop(); }

void Invalidator::start(fuse_session* se) {
  se_ = se;
  thread_ = std::thread([this] { run(); });
}

void Invalidator::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Invalidator::inode(uint64_t ino) {
  {
    std::lock_guard lk(mu_);
    if (stopping_ || !se_) return;
    queue_.push_back(ino);
  }
  cv_.notify_one();
}

void Invalidator::attrs_now(uint64_t ino) {
  if (se_) fuse_lowlevel_notify_inval_inode(se_, ino, -1, 0);
}

void Invalidator::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    uint64_t ino = queue_.front();
    queue_.pop_front();
    lk.unlock();
    fuse_lowlevel_notify_inval_inode(se_, ino, 0, 0);
    lk.lock();
  }
}

}  // namespace mfs::bridge
