// Space-comparing selectors: mfs, lfs, lus and lup with mergerfs's exact tie rules.
#include <utility>

#include "policy/choose.hpp"

namespace mfs::policy::detail {

// mergerfs compares with `>=`/`<=` here, so an equal later branch replaces the current best.
size_t choose_most_avail(const std::vector<size_t>& cand, const std::vector<BranchFacts>& bs) {
  size_t best = cand.front();
  for (size_t i : cand)
    if (bs[i].avail >= bs[best].avail) best = i;
  return best;
}

size_t choose_least_avail(const std::vector<size_t>& cand, const std::vector<BranchFacts>& bs) {
  size_t best = cand.front();
  for (size_t i : cand)
    if (bs[i].avail <= bs[best].avail) best = i;
  return best;
}

// Strict `<`: the first of equal branches keeps the pick.
size_t choose_least_used(const std::vector<size_t>& cand, const std::vector<BranchFacts>& bs) {
  size_t best = cand.front();
  for (size_t i : cand)
    if (bs[i].used < bs[best].used) best = i;
  return best;
}

// used/total compared as used_a*total_b < used_b*total_a in long double, avoiding division;
// an empty filesystem (total 0) counts as 0% used.
size_t choose_least_used_pct(const std::vector<size_t>& cand, const std::vector<BranchFacts>& bs) {
  auto frac = [&](size_t i) {
    const BranchFacts& b = bs[i];
    if (b.total == 0) return std::pair<long double, long double>{0.0L, 1.0L};
    return std::pair<long double, long double>{static_cast<long double>(b.used), static_cast<long double>(b.total)};
  };
  size_t best = cand.front();
  auto [bu, bt] = frac(best);
  for (size_t i : cand) {
    auto [u, t] = frac(i);
    if (u * bt < bu * t) {
      best = i;
      bu = u;
      bt = t;
    }
  }
  return best;
}

}  // namespace mfs::policy::detail
