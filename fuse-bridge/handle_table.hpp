// Open handles by the number the kernel holds (fuse_file_info::fh). The kernel
// may send RELEASE while a request on the same handle is still running here (a
// process killed in the middle of a read): each request holds its own reference
// for as long as it uses the handle, and the handle (its branch descriptors) is
// freed when the last reference goes, not after a timer.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace mfs::bridge {

template <typename Handle> class HandleTable {
public:
  // A fresh number, never 0 (0 is the control file's "no handle").
  uint64_t add(std::shared_ptr<Handle> h) {
    uint64_t id = next_.fetch_add(1, std::memory_order_relaxed);
    Shard &s = shard(id);
    std::lock_guard lk(s.mu);
    s.by_id.emplace(id, std::move(h));
    return id;
  }

  // The handle, kept alive by the caller's reference; null for 0 or a released
  // number.
  std::shared_ptr<Handle> get(uint64_t id) const {
    if (id == 0)
      return nullptr;
    const Shard &s = shard(id);
    std::lock_guard lk(s.mu);
    auto it = s.by_id.find(id);
    return it == s.by_id.end() ? nullptr : it->second;
  }

  // Forgets the number; the handle lives on while a running request still holds
  // it.
  std::shared_ptr<Handle> remove(uint64_t id) {
    if (id == 0)
      return nullptr;
    Shard &s = shard(id);
    std::shared_ptr<Handle> gone;
    std::lock_guard lk(s.mu);
    auto it = s.by_id.find(id);
    if (it == s.by_id.end())
      return nullptr;
    gone = std::move(it->second);
    s.by_id.erase(it);
    return gone;
  }

private:
  // Sharded so that FUSE workers reading different files do not meet on one
  // lock.
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, std::shared_ptr<Handle>> by_id;
  };
  Shard &shard(uint64_t id) { return shards_[id % kShards]; }
  const Shard &shard(uint64_t id) const { return shards_[id % kShards]; }

  std::atomic<uint64_t> next_{1};
  std::array<Shard, kShards> shards_;
};

} // namespace mfs::bridge
