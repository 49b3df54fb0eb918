// Renders the stats dump from gathered figures: the summary (full entries if they fit in an
// xattr value, else compact ones, else as many as fit) and one detail per actor.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "actors/stats/json_writer.hpp"
#include "actors/stats/stats_dump.hpp"

namespace mfs::stats {
namespace {

constexpr size_t kStatsLimit = 64000;  // an xattr value is at most 64 KiB

// Ratios and durations are shown to four significant digits, as the dump always did.
double four_digits(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return std::strtod(buf, nullptr);
}

std::string errno_name(int e) {
  const char* n = ::strerrorname_np(e);
  return n ? n : std::to_string(e);
}

std::string branch_id(size_t i) { return "branch-" + std::to_string(i); }

int64_t us(int64_t ns) { return ns / 1000; }

Json latency_json(const LatencyWindow& w) {
  Json j;
  j["p50"] = us(w.quantile(0.5));
  j["p99"] = us(w.quantile(0.99));
  j["max"] = us(w.quantile(1.0));
  return j;
}

void put_published_space(Json& j, const BranchEntry& b) {
  j["avail"] = b.avail;
  j["used"] = b.used;
  j["total"] = b.total;
}

// The members of a summary entry that the branch actor's answer fills.
void put_answer_summary(Json& e, const msg::BranchFigures& f) {
  e["health"] = std::string(to_string(f.health));
  e["avail"] = f.avail;
  e["used"] = f.used;
  e["total"] = f.total;
  e["inline"] = f.inline_ops;
  e["lstat"] = f.lstat_calls;
  e["errors"] = f.errors;
  e["refused"] = f.refused;
  e["cache_entries"] = f.cache_entries;
  e["hits"] = f.cache_hits;
  e["misses"] = f.cache_misses;
  e["inflight"] = f.inflight;
  e["mailbox"] = f.mailbox;
}

// The members of a branch detail that the branch actor's answer fills.
void put_answer_detail(Json& d, const msg::BranchFigures& f) {
  d["health"] = std::string(to_string(f.health));
  d["mailbox"] = f.mailbox;
  d["errors"] = f.errors;
  Json& space = d["space"];
  space["avail"] = f.avail;
  space["used"] = f.used;
  space["total"] = f.total;
  space["used_pct"] =
      f.total ? Json(four_digits(100.0 * static_cast<double>(f.used) / static_cast<double>(f.total)))
              : Json(nullptr);
  space["statvfs_ok"] = f.statvfs_ok;
  space["readonly_fs"] = f.readonly_fs;
  Json& ops = d["ops"];
  ops["inline"] = f.inline_ops;
  ops["lstat"] = f.lstat_calls;
  ops["creates_chosen"] = f.creates_chosen;
  ops["refused_eio"] = f.refused;
  Json& ex = d["executor"];
  ex["threads"] = f.executor_threads;
  ex["idle"] = f.executor_idle;
  ex["queued"] = f.executor_queued;
  ex["ran"] = f.executor_ran;
  ex["dropped"] = f.executor_dropped;
  ex["refused"] = f.executor_refused;
  uint64_t lookups = f.cache_hits + f.cache_misses;
  Json& cache = d["cache"];
  cache["enabled"] = f.cache_enabled;
  cache["ttl_s"] = four_digits(f.cache_ttl_s);
  cache["entries"] = f.cache_entries;
  cache["hits"] = f.cache_hits;
  cache["misses"] = f.cache_misses;
  cache["hit_rate"] =
      lookups ? Json(four_digits(static_cast<double>(f.cache_hits) / static_cast<double>(lookups)))
              : Json(nullptr);
  cache["listings"] = f.cache_listings;
  cache["parent_fds"] = f.parent_fds;
  Json& inflight = d["inflight"];
  inflight["now"] = f.inflight;
  inflight["cap"] = f.inflight_cap;
  inflight["oldest_ms"] = four_digits(f.oldest_inflight_ms);
  Json& probe = d["probe"];
  probe["in_flight"] = f.probe_in_flight;
  probe["deadline_s"] = four_digits(f.deadline_s);
  probe["refresh_s"] = four_digits(f.refresh_s);
  probe["root_reopens"] = f.root_reopens;
}

Json branch_summary(const BranchEntry& b, size_t i, bool compact) {
  Json e;
  e["id"] = branch_id(i);
  e["kind"] = "branch";
  if (!compact) e["path"] = json_string(b.path);
  e["mode"] = std::string(to_string(b.mode));
  if (!b.answer) {
    e["answering"] = false;
    e["health"] = "not answering";
    put_published_space(e, b);
  } else if (compact) {
    e["answering"] = true;
    e["health"] = std::string(to_string(b.health));
    put_published_space(e, b);
  } else {
    e["answering"] = true;
    put_answer_summary(e, *b.answer);
    if (b.latency) {
      e["p50_us"] = us(b.latency->quantile(0.5));
      e["p99_us"] = us(b.latency->quantile(0.99));
    }
  }
  return e;
}

Json branch_detail(const BranchEntry& b, size_t i, uint64_t seq, int64_t now_ms) {
  Json d;
  d["id"] = branch_id(i);
  d["kind"] = "branch";
  d["seq"] = seq;
  d["time_ms"] = now_ms;
  d["path"] = json_string(b.path);
  d["mode"] = std::string(to_string(b.mode));
  d["minfreespace"] = b.minfreespace;
  if (b.answer) {
    d["answering"] = true;
    put_answer_detail(d, *b.answer);
    if (b.latency) d["latency_us"] = latency_json(*b.latency);
  } else {
    d["answering"] = false;
    d["health"] = "not answering";
    put_published_space(d["space"], b);
  }
  return d;
}

// Members the coordinator's summary entry and detail share.
void put_coordinator_common(Json& j, const CoordinatorFigures& c, const PoolEntry& pool,
                            const std::vector<BranchEntry>& branches) {
  size_t not_answering = 0;
  for (const auto& b : branches) not_answering += !b.answer;
  j["answering"] = true;
  j["generation"] = pool.generation;
  j["branches"] = branches.size();
  j["handled"] = c.handled;
  j["mailbox"] = pool.coordinator_mailbox;
  j["writes"] = c.writes;
  j["errors"] = c.write_errors;
  j["not_answering"] = not_answering;
  j["deadline_eio"] = pool.deadline_eio;
  j["deadline_rerun"] = pool.deadline_rerun;
}

Json coordinator_detail(const CoordinatorFigures& c, const PoolEntry& pool,
                        const std::vector<BranchEntry>& branches, int64_t now_ms) {
  Json d;
  d["id"] = "coordinator";
  d["kind"] = "coordinator";
  d["seq"] = c.seq;
  d["time_ms"] = now_ms;
  put_coordinator_common(d, c, pool, branches);
  Json by_errno = Json::object();
  for (const auto& [e, n] : c.write_errno) by_errno[errno_name(e)] = n;
  d["errors_by_errno"] = std::move(by_errno);
  d["writes_past_deadline"] = c.writes_past_deadline;
  d["late_results_dropped"] = c.late_results_dropped;
  d["tick_lag_us"] = latency_json(c.tick_lag);
  d["gather_ms"] = c.last_gather_ns / 1000000;
  if (pool.rebalance_json) {
    Json r = Json::parse(*pool.rebalance_json, nullptr, /*allow_exceptions=*/false);
    if (!r.is_discarded()) d["rebalance"] = std::move(r);
  }
  // One counter per branch, up to half an xattr value (a pool of thousands of branches).
  Json decisions = Json::object();
  size_t text = 0;
  for (size_t i = 0; i < branches.size() && text < kStatsLimit / 2; ++i) {
    std::string n = std::to_string(branches[i].creates_chosen);
    text += branch_id(i).size() + n.size() + 4;
    decisions[branch_id(i)] = branches[i].creates_chosen;
  }
  d["create_decisions"] = std::move(decisions);
  Json& policies = d["policies"];
  policies["create"] = json_string(pool.create_policy);
  policies["search"] = json_string(pool.search_policy);
  policies["action"] = json_string(pool.action_policy);
  return d;
}

// The summary with the first `entries` branches; sets `truncated` to how many are left out.
std::string summary_text(const CoordinatorFigures& c, const PoolEntry& pool,
                         const std::vector<BranchEntry>& branches, int64_t now_ms, bool compact,
                         size_t entries, size_t* truncated) {
  Json s;
  s["version"] = 1;
  s["seq"] = c.seq;
  s["time_ms"] = now_ms;
  s["mount"] = json_string(pool.mount);
  s["generation"] = pool.generation;
  s["compact"] = compact;
  Json& actors = s["actors"] = Json::array();
  Json coord;
  coord["id"] = "coordinator";
  coord["kind"] = "coordinator";
  put_coordinator_common(coord, c, pool, branches);
  coord["lag_p99_us"] = us(c.tick_lag.quantile(0.99));
  actors.push_back(std::move(coord));
  size_t n = std::min(entries, branches.size());
  for (size_t i = 0; i < n; ++i) actors.push_back(branch_summary(branches[i], i, compact));
  *truncated = branches.size() - n;
  if (*truncated) s["truncated"] = *truncated;
  return json_text(s);
}

}  // namespace

std::shared_ptr<StatsDump> render_stats_dump(const CoordinatorFigures& coord, const PoolEntry& pool,
                                             const std::vector<BranchEntry>& branches, int64_t now_ms) {
  auto dump = std::make_shared<StatsDump>();
  dump->detail["coordinator"] = json_text(coordinator_detail(coord, pool, branches, now_ms));
  for (size_t i = 0; i < branches.size(); ++i)
    dump->detail[branch_id(i)] = json_text(branch_detail(branches[i], i, coord.seq, now_ms));
  size_t truncated = 0, all = branches.size();
  std::string sum = summary_text(coord, pool, branches, now_ms, false, all, &truncated);
  if (sum.size() > kStatsLimit) sum = summary_text(coord, pool, branches, now_ms, true, all, &truncated);
  for (size_t keep = all; sum.size() > kStatsLimit && keep > 0;) {
    keep = keep * (kStatsLimit - 200) / sum.size();
    sum = summary_text(coord, pool, branches, now_ms, true, keep, &truncated);
  }
  dump->summary = std::move(sum);
  return dump;
}

}  // namespace mfs::stats
