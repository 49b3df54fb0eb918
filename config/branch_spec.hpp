// Branch list syntax (FEATURES §1.3): parsing instructions, glob expansion, serialization.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/branch_status.hpp"

namespace mfs::config {

struct BranchSpec {
  std::string path;
  BranchMode mode = BranchMode::RW;
  std::optional<uint64_t> minfreespace;  // unset: follows the global minfreespace live

  bool operator==(const BranchSpec& o) const {
    return path == o.path && mode == o.mode && minfreespace == o.minfreespace;
  }
};

// Applies a branch instruction value (none/`=` replace, `+`/`+>` append, `+<` prepend,
// `-` remove by fnmatch patterns, `-<` `->` remove first/last (-ENOENT when empty), anything
// else -EINVAL) to `current`. Elements `GLOB[=MODE[,MINFREESPACE]]` split at the LAST '=';
// globs expanded with glob(3) GLOB_BRACE|GLOB_ONLYDIR, each result realpath'd; no match ->
// added literally + notice; exists but not a directory -> skipped + notice; missing path ->
// added + notice. The globs run on threads of their own for up to `deadline_s` (0: waited for):
// one that did not answer (a hung branch) is kept as the absolute, lexically normalized path
// given, or skipped if it has glob characters, with a notice. On any error returns -errno and
// leaves `out` and `notices` untouched (atomic); `error` gets a one-line reason naming the bad
// element. `out` may alias `current`.
int apply_branch_instruction(const std::vector<BranchSpec>& current, std::string_view value,
                             std::vector<BranchSpec>& out, std::string& error,
                             std::vector<std::string>& notices, double deadline_s);

// `path=MODE[,humanized minfreespace]` joined by ':'; the size only for per-branch overrides.
std::string serialize_branches(const std::vector<BranchSpec>& branches);

// Paths only, joined by ':' (the legacy `srcmounts` value).
std::string join_branch_paths(const std::vector<BranchSpec>& branches);

}  // namespace mfs::config
