// The rebalance planner: candidate selection by the rebalance.* filters, then the greedy
// fullest-to-emptiest simulation. See rebalance_plan.hpp.
#include "policy/rebalance_plan.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace mfs::policy {
namespace {

constexpr size_t kMaxMoves = 1000000;

std::vector<std::string> split_patterns(const std::string &s) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos <= s.size();) {
    size_t bar = s.find('|', pos);
    if (bar == std::string::npos) bar = s.size();
    if (bar > pos) out.push_back(s.substr(pos, bar - pos));
    pos = bar + 1;
  }
  return out;
}

bool matches_any(const std::vector<std::string> &pats, const std::string &path) {
  for (const auto &p : pats)
    if (::fnmatch(p.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

using Candidates = std::multimap<uint64_t, RebalanceFile>;  // by size

// The files of each source branch that the filters let move; the rest go to plan.links/copies or
// are dropped.
std::vector<Candidates> candidates(const std::vector<RebalanceBranch> &bs,
                                   const std::vector<std::string> &other_paths,
                                   const std::set<std::string> &skip, const RebalanceLimits &lim,
                                   RebalancePlan &plan) {
  // Every branch (read-only ones too) counts for "present on several branches".
  std::unordered_map<std::string, int> copies;
  for (const auto &b : bs)
    for (const auto &f : b.files) ++copies[f.path];
  for (const auto &p : other_paths) ++copies[p];
  auto include = split_patterns(lim.include);
  auto excl = split_patterns(lim.exclude);
  std::vector<Candidates> cand(bs.size());
  for (size_t i = 0; i < bs.size(); ++i) {
    if (!bs[i].source) continue;
    for (const auto &f : bs[i].files) {
      if (skip.count(f.path)) continue;
      if (!include.empty() && !matches_any(include, f.path)) continue;
      if (matches_any(excl, f.path)) continue;
      if (f.size < lim.min_size) continue;
      if (lim.max_size && f.size > lim.max_size) continue;
      if (f.nlink > 1) {
        plan.links.insert(f.path);
        continue;
      }
      if (copies[f.path] > 1) {
        plan.copies.insert(f.path);
        continue;
      }
      cand[i].emplace(f.size, f);
    }
  }
  return cand;
}

}  // namespace

double spread_of(const std::vector<RebalanceBranch> &bs) {
  if (bs.size() < 2) return 0;
  double lo = 100, hi = 0;
  for (const auto &b : bs) {
    lo = std::min(lo, b.pct());
    hi = std::max(hi, b.pct());
  }
  return hi - lo;
}

// Each move strictly narrows the gap of the pair it moves between, so this ends.
RebalancePlan plan_rebalance(std::vector<RebalanceBranch> bs,
                             const std::vector<std::string> &other_paths,
                             const std::set<std::string> &skip, const RebalanceLimits &lim) {
  RebalancePlan plan;
  plan.spread = spread_of(bs);
  if (bs.size() < 2 || plan.spread <= lim.threshold) return plan;
  auto cand = candidates(bs, other_paths, skip, lim, plan);
  std::vector<bool> exhausted(bs.size(), false);
  while (plan.moves.size() < kMaxMoves) {
    if (spread_of(bs) <= lim.threshold) break;
    int F = -1, E = -1;
    for (size_t i = 0; i < bs.size(); ++i)
      if (bs[i].source && !exhausted[i] && !cand[i].empty() && (F < 0 || bs[i].pct() > bs[F].pct()))
        F = static_cast<int>(i);
    if (F < 0) break;
    for (size_t i = 0; i < bs.size(); ++i)
      if (static_cast<int>(i) != F && bs[i].target && (E < 0 || bs[i].pct() < bs[E].pct()))
        E = static_cast<int>(i);
    if (E < 0 || bs[E].pct() >= bs[F].pct()) break;
    auto &f = bs[F];
    auto &e = bs[E];
    double best = (f.used * e.total - e.used * f.total) / (f.total + e.total);
    auto fits = [&](const RebalanceFile &x) {
      return static_cast<double>(x.size + lim.reserve) <= e.avail;
    };
    auto &c = cand[F];
    // The largest file not past the balance point, or the smallest past it (still narrowing the
    // gap). Below is preferred while the files below can close the gap together (the next moves
    // refine it); otherwise whichever leaves the pool's spread smaller now.
    auto below = c.end(), above = c.end();
    for (auto it = c.upper_bound(static_cast<uint64_t>(best)); it != c.begin();) {
      --it;
      if (fits(it->second)) {
        below = it;
        break;
      }
    }
    for (auto it = c.upper_bound(static_cast<uint64_t>(best));
         it != c.end() && static_cast<double>(it->first) < 2 * best; ++it)
      if (fits(it->second)) {
        above = it;
        break;
      }
    auto spread_after = [&](uint64_t size) {
      double b = static_cast<double>(size);
      f.used -= b;
      e.used += b;
      double s = spread_of(bs);
      f.used += b;
      e.used -= b;
      return s;
    };
    double small_total = 0;
    for (auto it = c.begin();
         it != c.end() && static_cast<double>(it->first) <= best && small_total < best; ++it)
      small_total += static_cast<double>(it->first);
    auto pick = below;
    if (above != c.end() &&
        (below == c.end() ||
         (small_total < best && spread_after(above->first) < spread_after(below->first))))
      pick = above;
    if (pick == c.end()) {
      exhausted[F] = true;
      continue;
    }
    const RebalanceFile &x = pick->second;
    double charged = static_cast<double>(std::max<uint64_t>(x.charged, x.size));
    plan.moves.push_back({x.path, f.path, e.path, x.size, static_cast<uint64_t>(charged)});
    f.used -= charged;
    f.avail += charged;
    e.used += charged;
    e.avail -= charged;
    c.erase(pick);
  }
  return plan;
}

}  // namespace mfs::policy
