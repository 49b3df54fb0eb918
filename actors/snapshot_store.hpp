// The published PoolSnapshot: written by the coordinator, read by every FUSE thread without a lock.
#pragma once
#include <atomic>
#include <memory>

#include "messages/pool_snapshot.hpp"

namespace mfs {

class SnapshotStore {
 public:
  SnapshotPtr get() const { return std::atomic_load_explicit(&ptr_, std::memory_order_acquire); }
  void publish(SnapshotPtr s) { std::atomic_store_explicit(&ptr_, std::move(s), std::memory_order_release); }

 private:
  SnapshotPtr ptr_;
};

}  // namespace mfs
