// Result aggregators for fan-out operations and the EROFS > ENOSPC > ENOENT precedence.
#include "policy/aggregate.hpp"

namespace mfs::policy {
namespace {
int rank(int err) {
  switch (err) {
    case 0: return 0;
    case -ENOENT: return 1;
    case -ENOSPC: return 3;
    case -EROFS: return 4;
    default: return 2;
  }
}
}  // namespace

int merge_errno(int a, int b) { return rank(b) > rank(a) ? b : a; }

void ErrAny::add(int err) {
  if (!seen_ || err == 0) err_ = err;
  seen_ = true;
}

void RmdirErr::add(int err) {
  if (sticky_) return;
  if (err == -ENOTEMPTY || err == -EEXIST) {
    err_ = err;
    sticky_ = true;
  } else if (!seen_ || err == 0) {
    err_ = err;
  }
  seen_ = true;
}

int resolve_mixed(const std::vector<std::pair<size_t, int>>& results, std::optional<size_t> search_branch) {
  const std::pair<size_t, int>* first_error = nullptr;
  bool any_success = false;
  for (const auto& r : results) {
    if (r.second == 0)
      any_success = true;
    else if (!first_error)
      first_error = &r;
  }
  if (!first_error) return 0;
  if (!any_success) return first_error->second;
  if (!search_branch) return -ENOENT;
  for (const auto& r : results)
    if (r.first == *search_branch) return r.second;
  return -ENOENT;
}

}  // namespace mfs::policy
