// Actor vocabulary: atoms, message structs and actor interfaces. Includes CAF: only actors/*.cpp
// include this header, so the rest of the tree compiles without CAF.
#pragma once
#include <caf/all.hpp>

#include <functional>
#include <memory>
#include <string>

#include "messages/branch_figures.hpp"
#include "messages/pool_snapshot.hpp"

namespace mfs::msg {

// 0.17 atoms: at most 10 characters.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using probed_atom = caf::atom_constant<caf::atom("probed")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using config_atom = caf::atom_constant<caf::atom("config")>;
using test_throw_atom = caf::atom_constant<caf::atom("testthrow")>;

// A control-file write on its way to the coordinator. `done` owns the request's reply guard:
// if this message is dropped (actor died, shutdown) the guard answers EIO.
struct ControlWrite {
  std::string key;
  std::string value;
  std::shared_ptr<std::function<void(int)>> done;
  void finish(int err) const {
    if (done && *done) (*done)(err);
  }
};

// Branch actor settings that follow the config.
struct BranchSettings {
  double deadline_s = 5;     // a syscall past this marks the branch slow
  double cache_ttl_s = 1;    // existence cache TTL
  double refresh_s = 1;      // statvfs refresh period
};

}  // namespace mfs::msg

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::msg::ControlWrite)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::msg::BranchSettings)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::msg::BranchFigures)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<mfs::BranchState>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::SnapshotPtr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<std::function<void()>>)
