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
    queue_.push_back({ino, {}});
  }
  cv_.notify_one();
}

void Invalidator::entry(uint64_t parent, std::string name) {
  {
    std::lock_guard lk(mu_);
    if (stopping_ || !se_) return;
    queue_.push_back({parent, std::move(name)});
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
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lk.unlock();
    if (item.name.empty())
      fuse_lowlevel_notify_inval_inode(se_, item.ino, 0, 0);
    else
      fuse_lowlevel_notify_inval_entry(se_, item.ino, item.name.c_str(), item.name.size());
    lk.lock();
  }
}

}  // namespace mfs::bridge
