// The immutable view of the pool that FUSE threads read without locks: config, branches, generation.
// It lives with its builder and store in actors/coordinator rather than in messages/: it holds
// each branch's BranchState and the Config, both above messages/, and no actor message carries
// it (FUSE threads read it from the SnapshotStore). Moving it is simpler than hiding those
// types behind an opaque handle every reader would have to cast back.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "messages/branch_status.hpp"

namespace mfs {
class BranchState;  // actors/branch/branch_state.hpp; a shared_ptr needs no complete type here
namespace config {
struct Config;
}

struct BranchSlot {
  std::string path;
  BranchMode mode = BranchMode::RW;
  uint64_t minfreespace = 0;  // effective: the branch's own or the global value
  std::shared_ptr<BranchState> rt;
};

struct PoolSnapshot {
  uint64_t generation = 0;
  std::shared_ptr<const config::Config> config;
  std::vector<BranchSlot> branches;
};
using SnapshotPtr = std::shared_ptr<const PoolSnapshot>;

}  // namespace mfs
