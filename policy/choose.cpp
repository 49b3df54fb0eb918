// Dispatch from a Choose rule to its selector; the trivial first/all selectors live here.
#include "policy/choose.hpp"

namespace mfs::policy::detail {

bool reads_space(Choose c) {
  switch (c) {
    case Choose::most_avail: case Choose::least_avail: case Choose::least_used:
    case Choose::least_used_pct: case Choose::weighted_avail:
      return true;
    case Choose::first: case Choose::all: case Choose::one_random: case Choose::newest:
      return false;
  }
  return false;
}

std::vector<size_t> choose(Choose c, const std::vector<size_t>& cand, const std::vector<BranchFacts>& bs,
                           const PathProbe& probe, std::string_view path, Random& rnd) {
  switch (c) {
    case Choose::first: return {cand.front()};
    case Choose::all: return cand;
    case Choose::most_avail: return {choose_most_avail(cand, bs)};
    case Choose::least_avail: return {choose_least_avail(cand, bs)};
    case Choose::least_used: return {choose_least_used(cand, bs)};
    case Choose::least_used_pct: return {choose_least_used_pct(cand, bs)};
    case Choose::weighted_avail: return {choose_weighted_avail(cand, bs, rnd)};
    case Choose::one_random: return {choose_one_random(cand, rnd)};
    case Choose::newest: return choose_newest(cand, probe, path);
  }
  return {cand.front()};
}

}  // namespace mfs::policy::detail
