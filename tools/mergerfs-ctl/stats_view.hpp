// The stats dump as mergerfs-ctl shows it: read the summary and every actor's detail from one
// render, then draw a table, JSON, or the Prometheus text exposition format.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tools/mergerfs-ctl/control.hpp"
#include "tools/mergerfs-ctl/json_view.hpp"

namespace mfs::ctl {

struct StatsDump {
  std::string summary_text;
  JsonView summary;
  std::vector<std::pair<std::string, std::string>> detail_text;  // (actor id, raw JSON)
  std::vector<JsonView> details;  // parsed, same order
  bool consistent = true;  // every detail from the summary's render
};

// Reads user.mergerfs.stats and user.mergerfs.stats.<id> for every actor, retrying until all
// come from the same render. Throws CtlError.
StatsDump read_stats(const ControlFile& cf);

std::string render_stats_table(const StatsDump& d);
std::string render_stats_json(const StatsDump& d);
// Text exposition format 0.0.4 (what node_exporter's textfile collector reads).
std::string render_stats_prometheus(const StatsDump& d);
// One line per branch: path, mode, free/total, percent used, health.
std::string render_branches(const StatsDump& d);

// 1536 -> "1.5K" (base 1024, like df -h).
std::string human_bytes(uint64_t bytes);

}  // namespace mfs::ctl
