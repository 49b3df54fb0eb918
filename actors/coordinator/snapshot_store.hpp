// The published PoolSnapshot: written by the coordinator, read by every FUSE thread without a lock.
// Also the published stats dump, rendered by the coordinator at most once a second.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "actors/stats/stats_dump.hpp"
#include "actors/coordinator/pool_snapshot.hpp"

namespace mfs {

class SnapshotStore {
 public:
  SnapshotPtr get() const { return std::atomic_load_explicit(&ptr_, std::memory_order_acquire); }
  void publish(SnapshotPtr s) { std::atomic_store_explicit(&ptr_, std::move(s), std::memory_order_release); }

  // The last rendered stats dump (at most once a second), so a size query and the read agree.
  std::shared_ptr<const StatsDump> stats_dump() const {
    return std::atomic_load_explicit(&stats_, std::memory_order_acquire);
  }
  // The summary of the last render (aliases the dump).
  std::shared_ptr<const std::string> stats() const {
    auto d = stats_dump();
    if (!d) return nullptr;
    return std::shared_ptr<const std::string>(d, &d->summary);
  }
  void publish_stats(std::shared_ptr<const StatsDump> d) {
    std::atomic_store_explicit(&stats_, std::move(d), std::memory_order_release);
  }

 private:
  SnapshotPtr ptr_;
  std::shared_ptr<const StatsDump> stats_;
};

}  // namespace mfs
