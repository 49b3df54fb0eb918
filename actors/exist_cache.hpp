// A branch's existence cache: does this fusepath exist here? Searches read it to skip branches
// known not to hold a path (no lstat, no disk spin-up); mutations through the pool write it
// before they reply; out-of-band changes show once an entry is older than the TTL.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mfs {

class ExistCache {
 public:
  using Clock = std::chrono::steady_clock;
  // ttl <= 0 turns the cache off.
  void set_ttl(double seconds);
  bool enabled() const { return ttl_ns_.load(std::memory_order_relaxed) > 0; }
  // nullopt: unknown or expired; probe for real.
  std::optional<bool> get(std::string_view path);
  // A mutation through the pool: authoritative as of now.
  void put(std::string_view path, bool exists);
  // A probe's answer, taken from a syscall started at `started_ns` (now_ns()): dropped if a
  // mutation recorded this path after the probe began (it raced with a create or unlink).
  void put_probe(std::string_view path, bool exists, int64_t started_ns);
  static int64_t now_ns();
  // Drops `path` and everything below it (renames and rmdir of directories).
  void forget_tree(std::string_view path);
  void clear();
  size_t size() const;

  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxPerShard = 16384;
  struct Entry {
    bool exists;
    int64_t expires_ns;
    int64_t set_ns;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> map;
  };
  Shard& shard(std::string_view path);
  std::atomic<int64_t> ttl_ns_{1000000000};
  std::atomic<int64_t> last_forget_ns_{0};  // probes older than a tree drop are not stored
  std::array<Shard, kShards> shards_;
};

}  // namespace mfs
