// Reading and drawing the stats dump (FEATURES.md §10).
#include "tools/mergerfs-ctl/stats_view.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "messages/clock.hpp"
#include "tools/mergerfs-ctl/rebalance.hpp"

namespace mfs::ctl {
namespace {

std::string fixed(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

JsonView parse_or_throw(const std::string& text, const std::string& what) {
  std::string err;
  auto j = JsonView::parse(text, &err);
  if (!j) throw CtlError(kFailed, what + " is not valid JSON: " + err);
  return *j;
}

// Actor ids of a render: those the summary lists, plus branches a truncated summary left out.
std::vector<std::string> actor_ids(const JsonView& summary) {
  std::vector<std::string> ids;
  size_t branches = 0;
  for (const auto& a : summary["actors"].elements()) {
    ids.push_back(a["id"].str());
    if (a["kind"].str() == "coordinator") branches = a["branches"].u64();
  }
  if (summary.has("truncated")) {
    size_t listed = 0;
    for (const auto& a : summary["actors"].elements()) listed += a["kind"].str() == "branch";
    for (size_t i = listed; i < branches; ++i) ids.push_back("branch-" + std::to_string(i));
  }
  return ids;
}

// ---- tables ----

struct Table {
  std::vector<std::string> head;
  std::vector<bool> right;  // right-aligned columns (numbers)
  std::vector<std::vector<std::string>> rows;

  std::string render() const {
    std::vector<size_t> w(head.size());
    for (size_t c = 0; c < head.size(); ++c) w[c] = head[c].size();
    for (const auto& r : rows)
      for (size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], r[c].size());
    auto line = [&](const std::vector<std::string>& cells) {
      std::string out;
      for (size_t c = 0; c < head.size(); ++c) {
        std::string v = c < cells.size() ? cells[c] : "";
        std::string pad(w[c] - std::min(w[c], v.size()), ' ');
        bool last = c + 1 == head.size();
        out += right[c] ? pad + v : (last ? v : v + pad);
        if (!last) out += "  ";
      }
      return out + "\n";
    };
    std::string out = line(head);
    for (const auto& r : rows) out += line(r);
    return out;
  }
};

std::string num_or_dash(const JsonView& j) { return j.is_number() ? j.number_text() : "-"; }

std::string pct(uint64_t part, uint64_t whole) {
  return whole ? fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1) + "%" : "-";
}

std::string health_of(const JsonView& detail) {
  if (!detail["answering"].boolean(true)) return "not answering";
  return detail["health"].str("-");
}

// ---- Prometheus ----

std::string label_escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Family {
  std::string help;
  std::string type;
  std::vector<std::pair<Labels, std::string>> samples;
};

class Exposition {
 public:
  void add(const std::string& name, const std::string& type, const std::string& help,
           const Labels& labels, const std::string& value) {
    if (value.empty()) return;
    auto [it, fresh] = families_.try_emplace(name);
    if (fresh) {
      order_.push_back(name);
      it->second.help = help;
      it->second.type = type;
    }
    it->second.samples.emplace_back(labels, value);
  }
  void add(const std::string& name, const std::string& type, const std::string& help,
           const Labels& labels, const JsonView& value) {
    if (value.is_number()) add(name, type, help, labels, value.number_text());
    else if (value.is_bool()) add(name, type, help, labels, std::string(value.boolean() ? "1" : "0"));
  }
  std::string render() const {
    std::string out;
    for (const auto& name : order_) {
      const Family& f = families_.at(name);
      out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
      for (const auto& [labels, value] : f.samples) {
        out += name;
        if (!labels.empty()) {
          out += "{";
          for (size_t i = 0; i < labels.size(); ++i)
            out += (i ? "," : "") + labels[i].first + "=\"" + label_escape(labels[i].second) + "\"";
          out += "}";
        }
        out += " " + value + "\n";
      }
    }
    return out;
  }

 private:
  std::map<std::string, Family> families_;
  std::vector<std::string> order_;
};

Labels with(Labels l, const std::string& k, const std::string& v) {
  l.emplace_back(k, v);
  return l;
}

std::string seconds_from_us(const JsonView& us) {
  return us.is_number() ? fixed(us.num() / 1e6, 6) : "";
}

}  // namespace

StatsDump read_stats(const ControlFile& cf) {
  StatsDump d;
  for (int attempt = 0; attempt < 8; ++attempt) {
    d = StatsDump{};
    d.summary_text = cf.get("stats");
    d.summary = parse_or_throw(d.summary_text, "user.mergerfs.stats");
    uint64_t seq = d.summary["seq"].u64();
    bool again = false;
    for (const auto& id : actor_ids(d.summary)) {
      std::string text;
      int r = cf.try_get("stats." + id, text);
      if (r < 0) {  // the branch set changed with a newer render
        again = true;
        break;
      }
      JsonView j = parse_or_throw(text, "user.mergerfs.stats." + id);
      if (j["seq"].u64() != seq) d.consistent = false;
      d.detail_text.emplace_back(id, std::move(text));
      d.details.push_back(std::move(j));
    }
    if (!again && d.consistent) return d;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return d;  // a pool whose branch set keeps changing: the last read, marked inconsistent
}

std::string human_bytes(uint64_t bytes) {
  static const char* const kUnits = "BKMGTPE";
  double v = static_cast<double>(bytes);
  int i = 0;
  while (v >= 1024 && i < 6) {
    v /= 1024;
    ++i;
  }
  if (i == 0) return std::to_string(bytes) + "B";
  return fixed(v, v < 10 ? 1 : 0) + kUnits[i];
}

std::string render_stats_table(const StatsDump& d) {
  const JsonView& s = d.summary;
  double age = static_cast<double>(unix_ms() - static_cast<int64_t>(s["time_ms"].u64())) / 1000.0;
  std::string out = "pool " + s["mount"].str() + "  generation " + num_or_dash(s["generation"]) +
                    "  render " + num_or_dash(s["seq"]) + " (" + fixed(std::max(0.0, age), 1) +
                    " s ago)\n\n";

  Table actors{{"ACTOR", "KIND", "STATE", "MAILBOX", "HANDLED", "ERRORS", "P50us", "P99us", "MAXus"},
               {false, false, false, true, true, true, true, true, true},
               {}};
  Table branches{{"BRANCH", "PATH", "MODE", "HEALTH", "FREE", "TOTAL", "USED%", "INLINE",
                  "LSTAT", "ERRORS", "CACHE", "HIT%", "INFLIGHT"},
                 {false, false, false, false, true, true, true, true, true, true, true, true, true},
                 {}};
  for (const auto& a : d.details) {
    bool answering = a["answering"].boolean(true);
    const JsonView& lat = a.has("latency_us") ? a["latency_us"] : a["tick_lag_us"];
    actors.rows.push_back({a["id"].str(), a["kind"].str(), answering ? "answering" : "NOT ANSWERING",
                           num_or_dash(a["mailbox"]), num_or_dash(a["handled"]),
                           num_or_dash(a["errors"]), num_or_dash(lat["p50"]), num_or_dash(lat["p99"]),
                           num_or_dash(lat["max"])});
    if (a["kind"].str() != "branch") continue;
    const JsonView& sp = a["space"];
    uint64_t hits = a["cache"]["hits"].u64(), misses = a["cache"]["misses"].u64();
    branches.rows.push_back({a["id"].str(), a["path"].str(), a["mode"].str(), health_of(a),
                             human_bytes(sp["avail"].u64()), human_bytes(sp["total"].u64()),
                             pct(sp["used"].u64(), sp["total"].u64()), num_or_dash(a["ops"]["inline"]),
                             num_or_dash(a["ops"]["lstat"]),
                             num_or_dash(a["errors"]), num_or_dash(a["cache"]["entries"]),
                             answering ? pct(hits, hits + misses) : "-",
                             num_or_dash(a["inflight"]["now"])});
  }
  out += actors.render();
  out += "\n" + branches.render();
  for (const auto& a : d.details)
    if (a["kind"].str() == "coordinator" && a.has("rebalance") && a["rebalance"]["state"].str() != "idle")
      out += "\nrebalance " + describe_rebalance(a["rebalance"]) + "\n";
  if (d.summary.has("truncated"))
    out += "\n(the summary was truncated to fit 64 KiB; every actor's detail is shown)\n";
  if (!d.consistent) out += "\n(warning: the details come from more than one render)\n";
  return out;
}

std::string render_stats_json(const StatsDump& d) {
  std::string out = "{\"summary\":" + d.summary_text + ",\"actors\":{";
  for (size_t i = 0; i < d.detail_text.size(); ++i) {
    // Actor ids are [a-z0-9-]: no escaping needed.
    out += (i ? ",\"" : "\"") + d.detail_text[i].first + "\":" + d.detail_text[i].second;
  }
  return out + "}}\n";
}

std::string render_stats_prometheus(const StatsDump& d) {
  Exposition x;
  const JsonView& s = d.summary;
  Labels pool{{"mount", s["mount"].str()}};
  x.add("mergerfs_stats_render_timestamp_seconds", "gauge",
        "When the daemon rendered this stats dump (Unix time).", pool,
        s["time_ms"].is_number() ? fixed(s["time_ms"].num() / 1000.0, 3) : "");
  x.add("mergerfs_config_generation", "gauge", "Configuration generation; every runtime change bumps it.",
        pool, s["generation"]);
  for (const auto& a : d.details) {
    std::string id = a["id"].str(), kind = a["kind"].str();
    Labels al = with(with(pool, "actor", id), "kind", kind);
    bool answering = a["answering"].boolean(true);
    x.add("mergerfs_actor_answering", "gauge",
          "1 if the actor answered the stats request within its deadline.", al,
          std::string(answering ? "1" : "0"));
    x.add("mergerfs_actor_mailbox_depth", "gauge", "Messages waiting in the actor's mailbox.", al,
          a["mailbox"]);
    x.add("mergerfs_actor_messages_handled_total", "counter", "Messages the actor has handled.", al,
          a["handled"]);
    const JsonView& lat = kind == "branch" ? a["latency_us"] : a["tick_lag_us"];
    std::string lat_help = kind == "branch"
                               ? "Stats request round trip to the actor over recent requests."
                               : "How late the coordinator's 1 s tick ran, over recent ticks.";
    std::string lat_name = kind == "branch" ? "mergerfs_actor_answer_latency_seconds"
                                            : "mergerfs_coordinator_tick_lag_seconds";
    for (auto [q, key] : {std::pair{"0.5", "p50"}, {"0.99", "p99"}, {"1", "max"}})
      x.add(lat_name, "gauge", lat_help, with(al, "quantile", q), seconds_from_us(lat[key]));

    if (kind == "coordinator") {
      x.add("mergerfs_coordinator_control_writes_total", "counter",
            "Control-file writes (sets and commands) the coordinator handled.", al, a["writes"]);
      x.add("mergerfs_coordinator_control_errors_total", "counter",
            "Control-file writes refused, all errnos.", al, a["errors"]);
      for (const auto& [e, n] : a["errors_by_errno"].members())
        x.add("mergerfs_coordinator_control_errors_by_errno_total", "counter",
              "Control-file writes refused, by errno.", with(al, "errno", e), n);
      x.add("mergerfs_coordinator_branches", "gauge", "Branches in the pool.", al, a["branches"]);
      x.add("mergerfs_coordinator_actors_not_answering", "gauge",
            "Actors that did not answer the last stats request in time.", al, a["not_answering"]);
      continue;
    }
    if (kind != "branch") continue;
    Labels bl = with(al, "path", a["path"].str());
    x.add("mergerfs_branch_info", "gauge", "A branch of the pool, with its mode.",
          with(bl, "mode", a["mode"].str()), std::string("1"));
    std::string health = answering ? a["health"].str() : "not_answering";
    for (const char* state : {"ok", "slow", "failed", "readonly", "not_answering"})
      x.add("mergerfs_branch_health", "gauge", "1 for the branch's current health state.",
            with(bl, "state", state), std::string(health == state ? "1" : "0"));
    const JsonView& sp = a["space"];
    x.add("mergerfs_branch_avail_bytes", "gauge", "Free space usable by the pool.", bl, sp["avail"]);
    x.add("mergerfs_branch_used_bytes", "gauge", "Used space.", bl, sp["used"]);
    x.add("mergerfs_branch_size_bytes", "gauge", "Total space.", bl, sp["total"]);
    if (!answering) continue;
    // Every branch syscall runs inline on the FUSE thread (the branch actor only probes and
    // answers stats), so "inline" is the one value the label takes.
    x.add("mergerfs_branch_ops_total", "counter", "Branch operations, run inline on a FUSE thread.",
          with(bl, "how", "inline"), a["ops"]["inline"]);
    x.add("mergerfs_branch_lstat_total", "counter", "lstat calls on the branch.", bl, a["ops"]["lstat"]);
    x.add("mergerfs_branch_creates_chosen_total", "counter", "Times a create policy chose the branch.",
          bl, a["ops"]["creates_chosen"]);
    x.add("mergerfs_branch_errors_total", "counter", "Errors that mean the branch itself is broken.",
          bl, a["errors"]);
    x.add("mergerfs_branch_cache_entries", "gauge", "Entries in the branch's existence cache.", bl,
          a["cache"]["entries"]);
    x.add("mergerfs_branch_cache_hits_total", "counter", "Existence cache hits.", bl, a["cache"]["hits"]);
    x.add("mergerfs_branch_cache_misses_total", "counter", "Existence cache misses.", bl,
          a["cache"]["misses"]);
    x.add("mergerfs_branch_inflight", "gauge", "Branch syscalls in flight now.", bl,
          a["inflight"]["now"]);
  }
  return x.render();
}

std::string render_branches(const StatsDump& d) {
  Table t{{"PATH", "MODE", "FREE", "TOTAL", "USED%", "HEALTH"},
          {false, false, true, true, true, false},
          {}};
  for (const auto& a : d.details) {
    if (a["kind"].str() != "branch") continue;
    const JsonView& sp = a["space"];
    t.rows.push_back({a["path"].str(), a["mode"].str(), human_bytes(sp["avail"].u64()),
                      human_bytes(sp["total"].u64()), pct(sp["used"].u64(), sp["total"].u64()),
                      health_of(a)});
  }
  return t.render();
}

}  // namespace mfs::ctl
