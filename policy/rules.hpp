// Internal: the §2.4 policy semantics table as data, one Rule per policy.
#pragma once
#include "policy/choose.hpp"
#include "policy/policy_id.hpp"

namespace mfs::policy::detail {

// How msp* create policies widen the search toward "/" when nothing qualifies.
enum class WalkUp : uint8_t {
  none,
  merge_errors,  // mspmfs/msplfs/msplus: precedence-merged error over every level
  last_error,    // msppfrd: the error of the last level tried
};

struct Rule {
  bool erofs = false;    // the erofs policy: every category answers EROFS
  Choose create;         // selector for create
  bool create_ep;        // create also needs the (parent) path to exist on the branch
  WalkUp walk;           // create only
  Choose lookup;         // selector shared by action and search (they always need the path)
  bool path_preserving;
};

const Rule& rule_of(PolicyId);

}  // namespace mfs::policy::detail
