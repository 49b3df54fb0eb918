// Actor vocabulary: atoms, message structs and every actor's typed interface. Includes CAF:
// only actors/*.cpp include this header, so the rest of the tree compiles without CAF.
#pragma once
#include <caf/all.hpp>

#include <functional>
#include <memory>
#include <string>

#include "messages/branch_figures.hpp"

namespace mfs::msg {

// 0.17 atoms: at most 10 characters.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using probed_atom = caf::atom_constant<caf::atom("probed")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using config_atom = caf::atom_constant<caf::atom("config")>;
using test_throw_atom = caf::atom_constant<caf::atom("testthrow")>;
using write_deadline_atom = caf::atom_constant<caf::atom("wdeadline")>;

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

}  // namespace mfs::msg

namespace mfs {
struct PreparedWrite;  // actors/coordinator/prepared_write.hpp: holds a Config and BranchStates
}

namespace mfs::msg {

// The blocking half of config write `id` (set_runtime, opening new branches), back from the
// thread that ran it.
struct WritePrepared {
  uint64_t id = 0;
  std::shared_ptr<const PreparedWrite> result;
};

// Branch actor settings that follow the config.
struct BranchSettings {
  double deadline_s = 5;     // a syscall past this marks the branch slow
  double cache_ttl_s = 1;    // existence cache TTL
  double refresh_s = 1;      // statvfs refresh period
};

// A blocking piece of work for a job actor (its own thread). It owns its reply guard: a job
// dropped unrun (shutdown) still answers its request (EIO).
using Job = std::shared_ptr<std::function<void()>>;

// ---- Interfaces: each actor accepts exactly these messages (CAF 0.17 typed_actor) ----

// Where a branch's probe thread reports: the statvfs result (0 or -errno) and how long it took.
using ProbeReportActor = caf::typed_actor<caf::reacts_to<probed_atom, int, int64_t>>;

// One per branch (actors/branch/branch_actor.cpp). Its 100 ms tick and its probe thread's report
// arrive as messages too, so they are part of the interface.
using BranchActor = caf::typed_actor<
    caf::reacts_to<tick_atom>, caf::reacts_to<probed_atom, int, int64_t>,
    caf::reacts_to<config_atom, BranchSettings>,  // the settings follow the config
    caf::replies_to<stats_atom>::with<BranchFigures>,
    // Test hook (MERGERFS_TEST_HOOKS=1): `true` holds the request unanswered.
    caf::replies_to<stats_atom, bool>::with<BranchFigures>,
    // Test hook: the handler throws; the write's reply guard must answer EIO.
    caf::reacts_to<test_throw_atom, ControlWrite>>;

// Where a config write's thread reports (actors/coordinator/config_writes.cpp).
using WritePreparedActor = caf::typed_actor<caf::reacts_to<WritePrepared>>;

// The coordinator (actors/coordinator/coordinator.cpp): control-file writes, its own 1 s stats
// tick, and for the write in flight its prepared half and its deadline.
using CoordinatorActor =
    caf::typed_actor<caf::reacts_to<ControlWrite>, caf::reacts_to<tick_atom>,
                     caf::reacts_to<WritePrepared>, caf::reacts_to<write_deadline_atom, uint64_t>>;

// A detached actor that runs one Job on its own thread and quits (moveonenospc moves, rebalance
// runs: copies block).
using JobActor = caf::typed_actor<caf::reacts_to<Job>>;

}  // namespace mfs::msg

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::msg::ControlWrite)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::msg::WritePrepared)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::msg::BranchSettings)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::msg::BranchFigures)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mfs::msg::Job)
