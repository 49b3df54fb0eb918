// The branch existence cache (actors/branch/exist_cache): answers and their TTL, mutations
// against racing probes, tree drops, directory listings and completeness, the memory bound,
// the hit/miss counters, and concurrent use. TTLs that must not run out are long (60 s); the
// ones that must are short (50 ms) and waited out with a wide margin.
#include "actors/branch/exist_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "messages/clock.hpp"

namespace mfs {
namespace {

constexpr double kLongTtl = 60.0;
constexpr double kShortTtl = 0.05;

void wait_past_short_ttl() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

TEST(ExistCache, MutationsAnswerUntilTheTtl) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  EXPECT_FALSE(c.get("/a").has_value());
  c.put("/a", true);
  c.put("/b", false);
  EXPECT_EQ(c.get("/a"), std::optional<bool>(true));
  EXPECT_EQ(c.get("/b"), std::optional<bool>(false));
  c.put("/a", false);  // unlinked through the pool
  EXPECT_EQ(c.get("/a"), std::optional<bool>(false));
  EXPECT_EQ(c.size(), 2u);
}

TEST(ExistCache, CountsHitsAndMisses) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  (void)c.get("/x");
  c.put("/x", true);
  (void)c.get("/x");
  (void)c.get("/x");
  EXPECT_EQ(c.hits.load(), 2u);
  EXPECT_EQ(c.misses.load(), 1u);
}

TEST(ExistCache, EntriesExpireAfterTheTtl) {
  ExistCache c;
  c.set_ttl(kShortTtl);
  c.put("/a", true);
  c.put_probe("/b", false, steady_ns());
  wait_past_short_ttl();
  EXPECT_FALSE(c.get("/a").has_value());
  EXPECT_FALSE(c.get("/b").has_value());
  EXPECT_EQ(c.misses.load(), 2u);
  EXPECT_EQ(c.hits.load(), 0u);
}

TEST(ExistCache, ZeroTtlTurnsItOffAndEmptiesIt) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  c.put("/a", true);
  ASSERT_EQ(c.size(), 1u);
  c.set_ttl(0);
  EXPECT_FALSE(c.enabled());
  EXPECT_EQ(c.size(), 0u);
  c.put("/a", true);
  c.put_probe("/b", true, steady_ns());
  EXPECT_FALSE(c.get("/a").has_value());
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.note_miss("/"));
  c.set_ttl(-1);
  EXPECT_FALSE(c.enabled());
  c.set_ttl(kLongTtl);
  EXPECT_TRUE(c.enabled());
}

TEST(ExistCache, ProbeStartedBeforeAMutationIsDropped) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  const int64_t probe_started = steady_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the create strictly after it
  c.put("/f", true);                        // a create through the pool, after the probe began
  c.put_probe("/f", false, probe_started);  // the probe saw the name before the create
  EXPECT_EQ(c.get("/f"), std::optional<bool>(true));
  // A probe that began after the mutation is the newer truth (an out-of-band unlink).
  c.put_probe("/f", false, steady_ns());
  EXPECT_EQ(c.get("/f"), std::optional<bool>(false));
}

TEST(ExistCache, ProbeStartedBeforeATreeDropIsDropped) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  const int64_t probe_started = steady_ns();
  c.forget_tree("/d");  // a rename of /d raced with the probe
  c.put_probe("/d/x", true, probe_started);
  c.put_probe("/elsewhere", true, probe_started);  // every probe that began before the drop
  EXPECT_FALSE(c.get("/d/x").has_value());
  EXPECT_FALSE(c.get("/elsewhere").has_value());
  c.put_probe("/d/x", true, steady_ns());
  EXPECT_EQ(c.get("/d/x"), std::optional<bool>(true));
}

TEST(ExistCache, ForgetTreeDropsThePathAndEverythingBelowOnly) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  for (const char* p : {"/d", "/d/a", "/d/a/b", "/dd", "/d-x", "/e/d"}) c.put(p, true);
  c.forget_tree("/d");
  EXPECT_FALSE(c.get("/d").has_value());
  EXPECT_FALSE(c.get("/d/a").has_value());
  EXPECT_FALSE(c.get("/d/a/b").has_value());
  EXPECT_EQ(c.get("/dd"), std::optional<bool>(true));
  EXPECT_EQ(c.get("/d-x"), std::optional<bool>(true));
  EXPECT_EQ(c.get("/e/d"), std::optional<bool>(true));
  EXPECT_EQ(c.size(), 3u);
}

TEST(ExistCache, ForgetTreeOfTheRootDropsEverything) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  c.put("/a", true);
  c.put("/b/c", false);
  c.forget_tree("/");
  EXPECT_EQ(c.size(), 0u);
}

TEST(ExistCache, ClearEmptiesEntriesAndListings) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  c.put("/a", true);
  c.put_listing("/d", {"x"}, steady_ns());
  ASSERT_EQ(c.get("/d/other"), std::optional<bool>(false));
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.get("/a").has_value());
  EXPECT_FALSE(c.get("/d/other").has_value());
}

TEST(ExistCache, ListingIsWorthItAfterEnoughMissesInOneDirectory) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  for (int i = 1; i < ExistCache::kMissesBeforeListing; ++i)
    EXPECT_FALSE(c.note_miss("/d")) << "miss " << i;
  EXPECT_FALSE(c.note_miss("/other"));  // counted per directory
  EXPECT_TRUE(c.note_miss("/d"));
  // The count starts again after a listing was asked for.
  EXPECT_FALSE(c.note_miss("/d"));
  EXPECT_FALSE(c.note_miss(""));
}

TEST(ExistCache, MissesOlderThanTheTtlDoNotCount) {
  ExistCache c;
  c.set_ttl(kShortTtl);
  for (int i = 1; i < ExistCache::kMissesBeforeListing; ++i) EXPECT_FALSE(c.note_miss("/d"));
  wait_past_short_ttl();
  EXPECT_FALSE(c.note_miss("/d"));  // a new window: one miss
}

TEST(ExistCache, ListingMakesItsNamesPresentAndEveryOtherNameAbsent) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  c.put_listing("/d", {"a", "b"}, steady_ns());
  EXPECT_EQ(c.listings.load(), 1u);
  EXPECT_EQ(c.get("/d/a"), std::optional<bool>(true));
  EXPECT_EQ(c.get("/d/b"), std::optional<bool>(true));
  EXPECT_EQ(c.get("/d/zzz"), std::optional<bool>(false));
  EXPECT_FALSE(c.get("/d/a/below").has_value());  // completeness is one level only
  EXPECT_FALSE(c.get("/e/a").has_value());
  EXPECT_EQ(c.size(), 2u);
  // A complete directory needs no more listings.
  for (int i = 0; i < 2 * ExistCache::kMissesBeforeListing; ++i) EXPECT_FALSE(c.note_miss("/d"));
}

TEST(ExistCache, ListingOfTheRootCoversNamesInTheRoot) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  c.put_listing("/", {"top"}, steady_ns());
  EXPECT_EQ(c.get("/top"), std::optional<bool>(true));
  EXPECT_EQ(c.get("/absent"), std::optional<bool>(false));
}

TEST(ExistCache, MutationInsideAListedDirectoryWins) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  c.put_listing("/d", {"a"}, steady_ns());
  c.put("/d/new", true);
  c.put("/d/a", false);
  EXPECT_EQ(c.get("/d/new"), std::optional<bool>(true));
  EXPECT_EQ(c.get("/d/a"), std::optional<bool>(false));
}

TEST(ExistCache, ListingExpiresWithTheTtl) {
  ExistCache c;
  c.set_ttl(kShortTtl);
  c.put_listing("/d", {"a"}, steady_ns());
  ASSERT_EQ(c.get("/d/other"), std::optional<bool>(false));
  wait_past_short_ttl();
  EXPECT_FALSE(c.get("/d/a").has_value());
  EXPECT_FALSE(c.get("/d/other").has_value());
}

TEST(ExistCache, ForgettingANameDropsTheCompletenessOfItsDirectory) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  c.put_listing("/d", {"a", "b"}, steady_ns());
  c.put_listing("/d/a", {"x"}, steady_ns());
  c.forget_tree("/d/a");  // renamed away: /d changed, and /d/a is no longer what was listed
  EXPECT_FALSE(c.get("/d/zzz").has_value());
  EXPECT_FALSE(c.get("/d/a/other").has_value());
  EXPECT_EQ(c.get("/d/b"), std::optional<bool>(true));
}

TEST(ExistCache, ListingStartedBeforeATreeDropStandsForNothing) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  const int64_t pass_started = steady_ns();
  c.forget_tree("/d/gone");
  c.put_listing("/d", {"a"}, pass_started);
  EXPECT_EQ(c.listings.load(), 0u);
  EXPECT_FALSE(c.get("/d/a").has_value());
  EXPECT_FALSE(c.get("/d/other").has_value());
}

TEST(ExistCache, StaysBoundedByClearingAFullShard) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  c.put_listing("/listed", {"a"}, steady_ns());
  // 16 shards of at most 16384 entries: one more name than that fills some shard, which is
  // then cleared (with the listings' completeness, which it may have held names of).
  constexpr size_t kBound = 16 * 16384;
  for (size_t i = 0; i <= kBound; ++i) c.put("/f" + std::to_string(i), true);
  EXPECT_LE(c.size(), kBound);
  EXPECT_FALSE(c.get("/listed/other").has_value());
  // The newest name always survives its own insert.
  EXPECT_EQ(c.get("/f" + std::to_string(kBound)), std::optional<bool>(true));
}

TEST(ExistCache, ConcurrentWritersAndReadersKeepEveryAnswer) {
  ExistCache c;
  c.set_ttl(kLongTtl);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&c, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string p = "/t" + std::to_string(t) + "/" + std::to_string(i);
        c.put(p, i % 2 == 0);
        (void)c.get("/t" + std::to_string((t + 1) % kThreads) + "/" + std::to_string(i));
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPerThread; ++i)
      ASSERT_EQ(c.get("/t" + std::to_string(t) + "/" + std::to_string(i)),
                std::optional<bool>(i % 2 == 0));
}

}  // namespace
}  // namespace mfs
