// The immutable view of the pool that FUSE threads read without locks: config, branches, generation.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "messages/branch_status.hpp"

namespace mfs {
class BranchState;
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
