// A branch actor's figures for the stats dump, as it answers the coordinator's stats request.
// In messages/ (not actors/stats/) because it is the payload of the branch actor's typed reply,
// and the actor contracts in messages/ may only name types of their own layer or below.
#pragma once
#include <cstdint>

#include "messages/branch_status.hpp"

namespace mfs::msg {

// Plain values read from the branch's state, no syscall (so a hung branch still answers).
struct BranchFigures {
  BranchHealth health = BranchHealth::ok;
  // Space as policies see it (last statvfs minus bytes written since).
  uint64_t avail = 0, used = 0, total = 0;
  bool statvfs_ok = false;
  bool readonly_fs = false;
  // Operations run inline on FUSE threads.
  uint64_t inline_ops = 0, lstat_calls = 0, errors = 0, creates_chosen = 0;
  uint64_t mailbox = 0;  // messages already in the actor's queue
  // Existence cache and parent-directory cache.
  bool cache_enabled = false;
  double cache_ttl_s = 0;
  uint64_t cache_entries = 0, cache_hits = 0, cache_misses = 0, cache_listings = 0, parent_fds = 0;
  // Syscalls in flight now, of at most `inflight_cap`; how long the oldest has been out.
  uint64_t inflight = 0, inflight_cap = 0;
  double oldest_inflight_ms = 0;
  // The actor's probe thread and the settings it runs under.
  bool probe_in_flight = false;
  double deadline_s = 0, refresh_s = 0;
  uint64_t root_reopens = 0;  // the probe found the branch back (remounted, made again)
  uint64_t refused = 0;       // requests answered EIO with no syscall (BranchCounters)
  // The executor that runs its syscalls while it is busy (actors/branch/branch_executor.hpp).
  uint64_t executor_threads = 0, executor_idle = 0, executor_queued = 0;
  uint64_t executor_ran = 0, executor_dropped = 0, executor_refused = 0;
};

}  // namespace mfs::msg
