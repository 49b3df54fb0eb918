// The blocking half of a config write; see prepared_write.hpp.
#include "actors/coordinator/prepared_write.hpp"

#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"

namespace mfs {

PreparedWrite prepare_write(const config::Config& current, const std::set<std::string>& open_paths,
                            const std::string& key, const std::string& value) {
  PreparedWrite p;
  auto next = std::make_shared<config::Config>(current);
  p.err = config::set_runtime(*next, key, value, p.notices);
  if (p.err != 0) return p;
  for (const auto& spec : next->branches) {
    if (open_paths.count(spec.path) || p.opened.count(spec.path)) continue;
    p.opened[spec.path] = std::make_shared<BranchState>(spec.path);
  }
  p.next = std::move(next);
  return p;
}

}  // namespace mfs
