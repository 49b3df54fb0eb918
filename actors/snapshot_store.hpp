// The published PoolSnapshot: written by the coordinator, read by every FUSE thread without a lock.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "messages/pool_snapshot.hpp"

namespace mfs {

class SnapshotStore {
 public:
  SnapshotPtr get() const { return std::atomic_load_explicit(&ptr_, std::memory_order_acquire); }
  void publish(SnapshotPtr s) { std::atomic_store_explicit(&ptr_, std::move(s), std::memory_order_release); }

  // The last rendered stats dump (at most once a second), so a size query and the read agree.
  std::shared_ptr<const std::string> stats() const {
    return std::atomic_load_explicit(&stats_, std::memory_order_acquire);
  }
  void publish_stats(std::shared_ptr<const std::string> s) {
    std::atomic_store_explicit(&stats_, std::move(s), std::memory_order_release);
  }

 private:
  SnapshotPtr ptr_;
  std::shared_ptr<const std::string> stats_;
};

}  // namespace mfs
