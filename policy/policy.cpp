// Policy entry points: filter by category (§2.3), then narrow with the policy's rule (§2.4).
#include "policy/policy.hpp"

#include "messages/fuse_path.hpp"
#include "policy/aggregate.hpp"
#include "policy/eligible.hpp"
#include "policy/rules.hpp"

namespace mfs::policy {
namespace {
using detail::Eligible;

Pick narrow(const Eligible& e, detail::Choose how, const std::vector<BranchFacts>& bs, const PathProbe& probe,
            std::string_view path, Random& rnd) {
  if (e.branches.empty()) return {e.err, {}};
  std::vector<size_t> picked = detail::choose(how, e.branches, bs, probe, path, rnd);
  if (picked.empty()) return {e.err, {}};
  return {0, std::move(picked)};
}

bool is_root(std::string_view p) { return p.empty() || p.find_first_not_of('/') == std::string_view::npos; }

// msp*: run the ep rule on the path, then on each ancestor up to "/", until a level qualifies.
Pick create_walking_up(const detail::Rule& r, const std::vector<BranchFacts>& bs, const PathProbe& probe,
                       std::string_view path, Random& rnd) {
  int merged = -ENOENT;
  for (;;) {
    Pick p = narrow(detail::eligible_create(bs, probe, path, true), r.create, bs, probe, path, rnd);
    if (p.ok()) return p;
    merged = merge_errno(merged, p.err);
    if (is_root(path)) return {r.walk == detail::WalkUp::merge_errors ? merged : p.err, {}};
    path = parent_of(path);
  }
}
}  // namespace

Pick create(PolicyId id, const std::vector<BranchFacts>& bs, const PathProbe& probe, std::string_view path,
            Random& rnd) {
  const detail::Rule& r = detail::rule_of(id);
  if (r.erofs) return {-EROFS, {}};
  if (r.walk != detail::WalkUp::none) return create_walking_up(r, bs, probe, path, rnd);
  return narrow(detail::eligible_create(bs, probe, path, r.create_ep), r.create, bs, probe, path, rnd);
}

Pick action(PolicyId id, const std::vector<BranchFacts>& bs, const PathProbe& probe, std::string_view path,
            Random& rnd) {
  const detail::Rule& r = detail::rule_of(id);
  if (r.erofs) return {-EROFS, {}};
  return narrow(detail::eligible_action(bs, probe, path), r.lookup, bs, probe, path, rnd);
}

Pick search(PolicyId id, const std::vector<BranchFacts>& bs, const PathProbe& probe, std::string_view path,
            Random& rnd) {
  const detail::Rule& r = detail::rule_of(id);
  if (r.erofs) return {-EROFS, {}};
  const bool first_only = r.lookup == detail::Choose::first;
  return narrow(detail::eligible_search(bs, probe, path, detail::reads_space(r.lookup), first_only), r.lookup,
                bs, probe, path, rnd);
}

Pick run(Category c, PolicyId id, const std::vector<BranchFacts>& bs, const PathProbe& probe,
         std::string_view path, Random& rnd) {
  switch (c) {
    case Category::create: return create(id, bs, probe, path, rnd);
    case Category::action: return action(id, bs, probe, path, rnd);
    case Category::search: return search(id, bs, probe, path, rnd);
  }
  return search(id, bs, probe, path, rnd);
}

bool path_preserving(PolicyId id) { return detail::rule_of(id).path_preserving; }

}  // namespace mfs::policy
