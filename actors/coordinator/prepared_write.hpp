// The blocking half of a config write: the next config (set_runtime may glob and realpath
// branch paths) and the branches it adds, already opened (a BranchState's constructor stats,
// opens and statvfs's its root). Run on a thread of its own, so a hung filesystem strands only
// that thread, never the coordinator. No CAF in this header.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace mfs {
class BranchState;
namespace config {
struct Config;
}

using OpenedBranches = std::map<std::string, std::shared_ptr<BranchState>>;  // by branch path

struct PreparedWrite {
  int err = 0;  // set_runtime's answer; `next` is null unless 0
  std::shared_ptr<const config::Config> next;
  std::vector<std::string> notices;  // for the log
  OpenedBranches opened;             // branches of `next` not in `open_paths`
};

// Applies key=value to a copy of `current` and opens the branches of the result that are not
// in `open_paths` (the branches of the published snapshot). Blocks on the filesystem.
PreparedWrite prepare_write(const config::Config& current, const std::set<std::string>& open_paths,
                            const std::string& key, const std::string& value);

}  // namespace mfs
