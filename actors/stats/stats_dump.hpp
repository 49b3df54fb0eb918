// The stats dump (FEATURES.md §10): one render's documents, and what a render is made from.
// No CAF: the coordinator gathers the inputs, stats_render.cpp turns them into JSON text.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/stats/coordinator_figures.hpp"
#include "messages/branch_figures.hpp"
#include "messages/branch_status.hpp"

namespace mfs {

// One render of the stats dump: the compact summary (user.mergerfs.stats, always under 64 KiB)
// and one detail document per live actor (user.mergerfs.stats.<actor-id>). Published as a
// whole, so the summary and the details of one read come from the same render.
struct StatsDump {
  std::string summary;
  std::map<std::string, std::string> detail;  // by actor id: "coordinator", "branch-0", ...
};

namespace stats {

// One branch of the snapshot as a render sees it.
struct BranchEntry {
  std::string path;
  BranchMode mode = BranchMode::RW;
  uint64_t minfreespace = 0;
  // Figures the branch publishes lock-free, read at render time: what the dump shows for a
  // branch whose actor did not answer, and in compact summary entries.
  BranchHealth health = BranchHealth::ok;
  uint64_t avail = 0, used = 0, total = 0;
  uint64_t creates_chosen = 0;
  std::optional<msg::BranchFigures> answer;  // the actor's answer, if it came in time
  const LatencyWindow* latency = nullptr;    // stats request -> answer, if measured
};

// Pool-wide values of the render.
struct PoolEntry {
  uint64_t generation = 0;
  std::string mount;
  std::string create_policy, search_policy, action_policy;
  uint64_t coordinator_mailbox = 0;
  std::optional<std::string> rebalance_json;  // the rebalancer's progress document, if any
  // Requests answered by their deadline (msg::request_figures): EIO, or run again.
  uint64_t deadline_eio = 0, deadline_rerun = 0;
};

// Renders summary and details. `now_ms` is the render's Unix time.
std::shared_ptr<StatsDump> render_stats_dump(const CoordinatorFigures& coord, const PoolEntry& pool,
                                             const std::vector<BranchEntry>& branches, int64_t now_ms);

}  // namespace stats
}  // namespace mfs
