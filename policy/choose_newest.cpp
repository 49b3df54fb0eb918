// The `newest` selector: largest mtime among the candidates, ties to the later branch.
#include <optional>

#include "policy/choose.hpp"

namespace mfs::policy::detail {

std::vector<size_t> choose_newest(const std::vector<size_t>& cand, const PathProbe& probe, std::string_view path) {
  std::optional<size_t> best;
  int64_t newest = 0;
  for (size_t i : cand) {
    const std::optional<int64_t> m = probe.mtime_ns(i, path);
    if (!m) continue;  // vanished since the existence check: counts as missing
    if (!best || *m >= newest) {
      best = i;
      newest = *m;
    }
  }
  if (!best) return {};
  return {*best};
}

}  // namespace mfs::policy::detail
