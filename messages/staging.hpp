// Names every layer agrees on for the per-branch staging folder (BRANCH/.mergerfs.staging):
// temp files of moves and the move journal live there. The bridge hides it from the pool.
#pragma once
#include <string_view>

namespace mfs {

inline constexpr std::string_view kStagingDir = ".mergerfs.staging";
// A fusepath inside the staging folder of a branch.
inline constexpr std::string_view kStagingPath = "/.mergerfs.staging";

}  // namespace mfs
