// Sharded map with short locks; bounded by clearing a full shard (cheap, and rare).
#include "actors/exist_cache.hpp"

#include <functional>

namespace mfs {

void ExistCache::set_ttl(double seconds) {
  ttl_ns_.store(seconds > 0 ? static_cast<int64_t>(seconds * 1e9) : 0, std::memory_order_relaxed);
  if (seconds <= 0) clear();
}

int64_t ExistCache::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

ExistCache::Shard& ExistCache::shard(std::string_view path) {
  return shards_[std::hash<std::string_view>{}(path) % kShards];
}

std::optional<bool> ExistCache::get(std::string_view path) {
  if (!enabled()) return std::nullopt;
  Shard& s = shard(path);
  std::lock_guard lk(s.mu);
  auto it = s.map.find(std::string(path));
  if (it == s.map.end() || it->second.expires_ns < now_ns()) {
    misses.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  hits.fetch_add(1, std::memory_order_relaxed);
  return it->second.exists;
}

void ExistCache::put(std::string_view path, bool exists) {
  int64_t ttl = ttl_ns_.load(std::memory_order_relaxed);
  if (ttl <= 0) return;
  Shard& s = shard(path);
  std::lock_guard lk(s.mu);
  if (s.map.size() >= kMaxPerShard) s.map.clear();
  int64_t now = now_ns();
  s.map[std::string(path)] = Entry{exists, now + ttl, now};
}

void ExistCache::put_probe(std::string_view path, bool exists, int64_t started_ns) {
  int64_t ttl = ttl_ns_.load(std::memory_order_relaxed);
  if (ttl <= 0) return;
  if (started_ns <= last_forget_ns_.load(std::memory_order_acquire)) return;
  Shard& s = shard(path);
  std::lock_guard lk(s.mu);
  auto it = s.map.find(std::string(path));
  if (it != s.map.end() && it->second.set_ns > started_ns) return;
  if (s.map.size() >= kMaxPerShard) s.map.clear();
  int64_t now = now_ns();
  s.map[std::string(path)] = Entry{exists, now + ttl, started_ns};
}

void ExistCache::forget_tree(std::string_view path) {
  last_forget_ns_.store(now_ns(), std::memory_order_release);
  std::string prefix(path);
  if (prefix.size() > 1) prefix.push_back('/');
  for (auto& s : shards_) {
    std::lock_guard lk(s.mu);
    for (auto it = s.map.begin(); it != s.map.end();) {
      bool below = it->first == path || it->first.compare(0, prefix.size(), prefix) == 0;
      it = below ? s.map.erase(it) : std::next(it);
    }
  }
}

void ExistCache::clear() {
  for (auto& s : shards_) {
    std::lock_guard lk(s.mu);
    s.map.clear();
  }
}

size_t ExistCache::size() const {
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lk(s.mu);
    n += s.map.size();
  }
  return n;
}

}  // namespace mfs
