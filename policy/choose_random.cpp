// Random selectors (pfrd weighting, rand/eprand) and the default thread-local random source.
#include <random>

#include "policy/choose.hpp"

namespace mfs::policy {
namespace {
class EngineRandom final : public Random {
 public:
  uint64_t below(uint64_t bound) override {
    if (bound == 0) return 0;
    return std::uniform_int_distribution<uint64_t>(0, bound - 1)(engine_);
  }

 private:
  std::mt19937_64 engine_{std::random_device{}()};
};
}  // namespace

Random& default_random() {
  thread_local EngineRandom r;
  return r;
}

namespace detail {

// Draw t in [0,sum) and take the first branch whose cumulative avail exceeds t, so each branch
// wins with probability avail/sum exactly. When every candidate has 0 avail, fall back to a
// uniform pick: mergerfs answers an unrelated errno there, which is a bug (see README).
size_t choose_weighted_avail(const std::vector<size_t>& cand, const std::vector<BranchFacts>& bs, Random& rnd) {
  uint64_t sum = 0;
  for (size_t i : cand) sum += bs[i].avail;
  if (sum == 0) return choose_one_random(cand, rnd);
  const uint64_t t = rnd.below(sum);
  uint64_t cum = 0;
  for (size_t i : cand) {
    cum += bs[i].avail;
    if (t < cum) return i;
  }
  return cand.back();  // only reachable if a Random breaks its contract
}

size_t choose_one_random(const std::vector<size_t>& cand, Random& rnd) {
  const uint64_t k = rnd.below(cand.size());
  return cand[k < cand.size() ? k : cand.size() - 1];
}

}  // namespace detail
}  // namespace mfs::policy
