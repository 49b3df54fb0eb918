// A branch's existence cache: does this fusepath exist here? Searches read it to skip branches
// known not to hold a path (no lstat, no disk spin-up); mutations through the pool write it
// before they reply; out-of-band changes show once an entry is older than the TTL.
//
// Directory listings: after a few misses in one directory, the prober reads that directory of
// the branch once (put_listing): its names become entries and the directory is marked
// complete, so any other name in it is known absent until the TTL, with no syscall. A
// directory of 64 branches x 500 files then costs 64 getdents passes instead of 32k lstats.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mfs {

class ExistCache {
 public:
  // ttl <= 0 turns the cache off.
  void set_ttl(double seconds);
  bool enabled() const { return ttl_ns_.load(std::memory_order_relaxed) > 0; }
  // nullopt: unknown or expired; probe for real.
  std::optional<bool> get(std::string_view path);
  // A mutation through the pool: authoritative as of now.
  void put(std::string_view path, bool exists);
  // A probe's answer, taken from a syscall started at `started_ns` (steady_ns()): dropped if a
  // mutation recorded this path after the probe began (it raced with a create or unlink).
  void put_probe(std::string_view path, bool exists, int64_t started_ns);
  // Drops `path` and everything below it (renames and rmdir of directories), and the
  // completeness of the directory holding it.
  void forget_tree(std::string_view path);
  // A miss in directory `dir`: true when the directory has had enough misses within the TTL
  // that reading its listing is cheaper than probing name by name.
  bool note_miss(std::string_view dir);
  // The names of `dir` as read by a getdents pass started at `started_ns`.
  void put_listing(std::string_view dir, const std::vector<std::string>& names, int64_t started_ns);
  static constexpr int kMissesBeforeListing = 4;
  static constexpr size_t kMaxListing = 8192;  // bigger directories are probed name by name
  void clear();
  size_t size() const;

  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};
  std::atomic<uint64_t> listings{0};

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
  struct DirInfo {
    int64_t complete_until_ns = 0;  // names absent from the map are absent until then
    int64_t window_ns = 0;          // start of the miss-counting window
    int misses = 0;
  };
  bool complete(std::string_view dir, int64_t now);
  void drop_dirs();
  mutable std::mutex dirs_mu_;
  std::unordered_map<std::string, DirInfo> dirs_;
  std::atomic<int64_t> ttl_ns_{1000000000};
  std::atomic<int64_t> last_forget_ns_{0};  // probes older than a tree drop are not stored
  std::array<Shard, kShards> shards_;
};

}  // namespace mfs
