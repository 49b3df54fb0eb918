// The rebalance progress JSON, written with nlohmann::ordered_json (keys in the order readers
// have always seen them).
#include "actors/migration/rebalance_progress.hpp"

#include <cmath>

#include "actors/stats/json_writer.hpp"

namespace mfs {
namespace {

using stats::Json;
using stats::json_string;

constexpr size_t kPlanBytes = 48000;  // the plan's share of one xattr value

double two_decimals(double v) { return std::round(v * 100) / 100; }

// Paths are bytes, not UTF-8: they go through json_string, the one rule of every JSON the
// daemon writes (actors/stats/json_writer.hpp).
std::string dump(const Json& j) { return stats::json_text(j); }

}  // namespace

std::string rebalance_progress_json(const RebalanceProgress& p, int64_t now_ms, bool with_plan) {
  int64_t end = p.finished_ms ? p.finished_ms : now_ms;
  double secs = p.started_ms ? static_cast<double>(end - p.started_ms) / 1000.0 : 0;
  uint64_t done_bytes = p.moved_bytes + p.current_bytes;
  double rate = secs > 0 ? static_cast<double>(done_bytes) / secs : 0;
  uint64_t left = p.planned_bytes > done_bytes ? p.planned_bytes - done_bytes : 0;
  double eta = rate > 0 ? static_cast<double>(left) / rate : -1;
  Json j;
  j["state"] = json_string(p.state);
  j["dry_run"] = p.dry_run;
  j["threshold"] = two_decimals(p.threshold);
  j["spread"] = two_decimals(p.spread);
  j["planned"] = p.planned_files;
  j["planned_bytes"] = p.planned_bytes;
  j["moved"] = p.moved_files;
  j["moved_bytes"] = p.moved_bytes;
  j["skipped"] = p.skipped_open + p.skipped_links + p.skipped_copies;
  j["skipped_open"] = p.skipped_open;
  j["skipped_links"] = p.skipped_links;
  j["skipped_copies"] = p.skipped_copies;
  j["failed"] = p.failed;
  j["current"] = json_string(p.current);
  j["current_bytes"] = p.current_bytes;
  j["current_size"] = p.current_size;
  j["elapsed_s"] = two_decimals(secs);
  j["rate_bps"] = static_cast<uint64_t>(rate);
  j["eta_s"] = eta < 0 ? Json(nullptr) : Json(two_decimals(eta));
  j["last_error"] = json_string(p.last_error);
  if (p.dry_run && with_plan) {
    // The plan, as much as fits in one xattr value beside the rest.
    Json plan = Json::array();
    size_t bytes = 0;
    for (const auto& m : p.plan) {
      Json e;
      e["path"] = json_string(m.path);
      e["from"] = json_string(m.src);
      e["to"] = json_string(m.dst);
      e["bytes"] = m.bytes;
      size_t size = dump(e).size();
      if (bytes + size > kPlanBytes) break;
      bytes += size + (plan.empty() ? 0 : 1);  // with the comma before it
      plan.push_back(std::move(e));
    }
    size_t shown = plan.size();
    j["plan"] = std::move(plan);
    j["plan_omitted"] = p.plan.size() - shown;
  }
  return dump(j);
}

}  // namespace mfs
