// Sharded map with short locks; bounded by clearing a full shard (cheap, and rare).
#include "actors/branch/exist_cache.hpp"

#include <functional>

#include "messages/clock.hpp"
#include "messages/fuse_path.hpp"

namespace mfs {

void ExistCache::set_ttl(double seconds) {
  ttl_ns_.store(seconds > 0 ? static_cast<int64_t>(seconds * 1e9) : 0, std::memory_order_relaxed);
  if (seconds <= 0) clear();
}

ExistCache::Shard& ExistCache::shard(std::string_view path) {
  return shards_[std::hash<std::string_view>{}(path) % kShards];
}

std::optional<bool> ExistCache::get(std::string_view path) {
  if (!enabled()) return std::nullopt;
  const int64_t now = steady_ns();
  {
    Shard& s = shard(path);
    std::lock_guard lk(s.mu);
    auto it = s.map.find(std::string(path));
    if (it != s.map.end()) {
      // An entry expires no sooner than the listing that made it: an expired one is unknown.
      if (it->second.expires_ns < now) {
        misses.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
      }
      hits.fetch_add(1, std::memory_order_relaxed);
      return it->second.exists;
    }
  }
  if (complete(parent_of(path), now)) {
    hits.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  misses.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

bool ExistCache::complete(std::string_view dir, int64_t now) {
  if (dir.empty()) return false;
  std::lock_guard lk(dirs_mu_);
  auto it = dirs_.find(std::string(dir));
  return it != dirs_.end() && it->second.complete_until_ns > now;
}

bool ExistCache::note_miss(std::string_view dir) {
  const int64_t ttl = ttl_ns_.load(std::memory_order_relaxed);
  if (ttl <= 0 || dir.empty()) return false;
  const int64_t now = steady_ns();
  std::lock_guard lk(dirs_mu_);
  if (dirs_.size() >= kMaxPerShard) dirs_.clear();
  DirInfo& d = dirs_[std::string(dir)];
  if (d.complete_until_ns > now) return false;
  if (now - d.window_ns > ttl) {
    d.window_ns = now;
    d.misses = 0;
  }
  if (++d.misses < kMissesBeforeListing) return false;
  d.misses = 0;
  d.window_ns = now;
  return true;
}

void ExistCache::put_listing(std::string_view dir, const std::vector<std::string>& names,
                             int64_t started_ns) {
  const int64_t ttl = ttl_ns_.load(std::memory_order_relaxed);
  if (ttl <= 0) return;
  for (const auto& n : names) put_probe(join_path(dir, n), true, started_ns);
  // A rename or rmdir since the pass began, or a shard cleared to bound memory, may have
  // dropped what the listing stands for: then no completeness.
  if (started_ns <= last_forget_ns_.load(std::memory_order_acquire)) return;
  std::lock_guard lk(dirs_mu_);
  dirs_[std::string(dir)].complete_until_ns = started_ns + ttl;
  listings.fetch_add(1, std::memory_order_relaxed);
}

void ExistCache::drop_dirs() {
  std::lock_guard lk(dirs_mu_);
  dirs_.clear();
}

void ExistCache::put(std::string_view path, bool exists) {
  int64_t ttl = ttl_ns_.load(std::memory_order_relaxed);
  if (ttl <= 0) return;
  Shard& s = shard(path);
  std::lock_guard lk(s.mu);
  if (s.map.size() >= kMaxPerShard) {
    s.map.clear();
    last_forget_ns_.store(steady_ns(), std::memory_order_release);
    drop_dirs();
  }
  int64_t now = steady_ns();
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
  if (s.map.size() >= kMaxPerShard) {
    s.map.clear();
    last_forget_ns_.store(steady_ns(), std::memory_order_release);
    drop_dirs();
  }
  int64_t now = steady_ns();
  s.map[std::string(path)] = Entry{exists, now + ttl, started_ns};
}

void ExistCache::forget_tree(std::string_view path) {
  last_forget_ns_.store(steady_ns(), std::memory_order_release);
  std::string prefix(path);
  if (prefix.size() > 1) prefix.push_back('/');
  {
    std::lock_guard lk(dirs_mu_);
    dirs_.erase(std::string(parent_of(path)));
    for (auto it = dirs_.begin(); it != dirs_.end();) {
      bool below = it->first == path || it->first.compare(0, prefix.size(), prefix) == 0;
      it = below ? dirs_.erase(it) : std::next(it);
    }
  }
  for (auto& s : shards_) {
    std::lock_guard lk(s.mu);
    for (auto it = s.map.begin(); it != s.map.end();) {
      bool below = it->first == path || it->first.compare(0, prefix.size(), prefix) == 0;
      it = below ? s.map.erase(it) : std::next(it);
    }
  }
}

void ExistCache::clear() {
  drop_dirs();
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
