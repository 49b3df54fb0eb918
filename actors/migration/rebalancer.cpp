// Rebalance: scan, plan by simulation, move one file at a time through the staging folder and
// the intent journal. See rebalancer.hpp.
#include "actors/migration/rebalancer.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "actors/migration/file_mover.hpp"
#include "actors/migration/move_journal.hpp"
#include "actors/migration/rebalance_scan.hpp"
#include "config/config.hpp"
#include "messages/clock.hpp"
#include "messages/open_files.hpp"
#include "messages/staging.hpp"
#include "policy/rebalance_plan.hpp"

namespace mfs {
namespace {

constexpr int kMaxRounds = 10000;

using policy::RebalanceBranch;

bool measure(int root_fd, RebalanceBranch& b) {
  struct statvfs vs {};
  if (::fstatvfs(root_fd, &vs) < 0 || vs.f_blocks == 0) return false;
  b.total = static_cast<double>(vs.f_blocks) * vs.f_frsize;
  b.used = static_cast<double>(vs.f_blocks - vs.f_bfree) * vs.f_frsize;
  b.avail = static_cast<double>(vs.f_bavail) * vs.f_frsize;
  return true;
}

// Healthy, measurable branches; read-only ones take no part (their files cannot leave).
std::vector<RebalanceBranch> measure_pool(const PoolSnapshot& snap) {
  std::vector<RebalanceBranch> out;
  for (const auto& slot : snap.branches) {
    if (slot.mode == BranchMode::RO || !slot.rt->healthy() || slot.rt->readonly_fs()) continue;
    RebalanceBranch b;
    b.path = slot.path;
    b.source = true;
    b.target = slot.mode == BranchMode::RW;
    if (measure(slot.rt->root_fd(), b)) out.push_back(b);
  }
  return out;
}

// Space as the run sees it: measured when a branch is first seen, then changed by the bytes the
// run moves. statvfs lags behind: an unlinked source stays allocated while anything holds it
// open, and re-measuring would move the same bytes twice.
struct Space {
  double used = 0, avail = 0;
};
using SpaceModel = std::map<std::string, Space>;

// The pool's branches with the model's figures; branches seen first are added to the model.
std::vector<RebalanceBranch> modelled_pool(const PoolSnapshot& snap, SpaceModel& model) {
  auto bs = measure_pool(snap);
  for (auto& b : bs) {
    auto it = model.find(b.path);
    if (it == model.end()) {
      model[b.path] = {b.used, b.avail};
    } else {
      b.used = it->second.used;
      b.avail = it->second.avail;
    }
  }
  return bs;
}

policy::RebalanceLimits limits_of(const config::Config& cfg) {
  policy::RebalanceLimits lim;
  lim.threshold = cfg.rebalance_threshold;
  lim.include = cfg.rebalance_include;
  lim.exclude = cfg.rebalance_exclude;
  lim.min_size = cfg.rebalance_min_size;
  lim.max_size = cfg.rebalance_max_size;
  return lim;
}

// Measures, and scans every branch only when the spread calls for moves.
policy::RebalancePlan make_plan(const PoolSnapshot& snap, const config::Config& cfg,
                                const std::set<std::string>& skip, SpaceModel& model) {
  auto bs = modelled_pool(snap, model);
  auto lim = limits_of(cfg);
  if (bs.size() < 2 || policy::spread_of(bs) <= lim.threshold) {
    policy::RebalancePlan none;
    none.spread = policy::spread_of(bs);
    return none;
  }
  std::vector<std::string> other_paths;  // files of branches taking no part
  for (const auto& slot : snap.branches) {
    auto it = std::find_if(bs.begin(), bs.end(), [&](const auto& b) { return b.path == slot.path; });
    auto facts = scan_branch(slot.path);
    if (it != bs.end()) {
      it->files = std::move(facts);
    } else {
      for (auto& f : facts) other_paths.push_back(std::move(f.path));
    }
  }
  return policy::plan_rebalance(std::move(bs), other_paths, skip, lim);
}

const BranchSlot* slot_of(const PoolSnapshot& snap, const std::string& path) {
  for (const auto& s : snap.branches)
    if (s.path == path) return &s;
  return nullptr;
}

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      out += b;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

std::string fixed(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

}  // namespace

bool Rebalancer::begin(bool dry_run) {
  bool expected = false;
  if (!running_.compare_exchange_strong(expected, true)) return false;
  stop_ = false;
  std::lock_guard lk(mu_);
  p_ = Progress{};
  p_.state = "planning";
  p_.dry_run = dry_run;
  p_.started_ms = unix_ms();
  return true;
}

void Rebalancer::request_stop() {
  stop_ = true;
  std::lock_guard lk(wait_mu_);
  wait_cv_.notify_all();
}

void Rebalancer::pause(int ms) {
  std::unique_lock lk(wait_mu_);
  wait_cv_.wait_for(lk, std::chrono::milliseconds(ms), [&] { return stop_.load(); });
}

void Rebalancer::set_state(const char* s) {
  std::lock_guard lk(mu_);
  p_.state = s;
}

void Rebalancer::run() {
  bool dry_run;
  {
    std::lock_guard lk(mu_);
    dry_run = p_.dry_run;
  }
  std::set<std::string> failed, open_seen, links, copies;
  SpaceModel model;
  const char* end_state = "done";
  for (int round = 0; round < kMaxRounds; ++round) {
    if (stopping()) {
      end_state = "stopped";
      break;
    }
    auto snap = store_.get();
    set_state("planning");
    auto plan = make_plan(*snap, *snap->config, failed, model);
    links.insert(plan.links.begin(), plan.links.end());
    copies.insert(plan.copies.begin(), plan.copies.end());
    {
      std::lock_guard lk(mu_);
      p_.threshold = snap->config->rebalance_threshold;
      p_.spread = plan.spread;
      p_.skipped_links = links.size();
      p_.skipped_copies = copies.size();
      p_.planned_files = p_.moved_files;
      p_.planned_bytes = p_.moved_bytes;
      for (const auto& m : plan.moves) {
        ++p_.planned_files;
        p_.planned_bytes += m.bytes;
      }
      if (dry_run) p_.plan = plan.moves;
    }
    if (dry_run || plan.moves.empty()) break;
    set_state("moving");
    bool progress = false, open = false;
    for (const auto& m : plan.moves) {
      if (stopping()) break;
      Outcome o = execute(m);
      std::lock_guard lk(mu_);
      p_.current.clear();
      p_.current_bytes = p_.current_size = 0;
      switch (o) {
        case Outcome::moved:
          progress = true;
          model[m.src].used -= static_cast<double>(m.charged);
          model[m.src].avail += static_cast<double>(m.charged);
          model[m.dst].used += static_cast<double>(m.charged);
          model[m.dst].avail -= static_cast<double>(m.charged);
          ++p_.moved_files;
          p_.moved_bytes += m.bytes;
          break;
        case Outcome::open:
          open = true;
          open_seen.insert(m.path);
          p_.skipped_open = open_seen.size();
          break;
        case Outcome::failed:
          failed.insert(m.path);
          ++p_.failed;
          break;
        case Outcome::skipped:
        case Outcome::stopped:
          break;
      }
    }
    if (stopping()) continue;  // reported as stopped at the top
    if (!progress) {
      if (!open) break;  // nothing more can move
      set_state("waiting for open files");
      pause(1000);  // open files are retried until they close (or a stop)
    }
  }
  double spread = policy::spread_of(modelled_pool(*store_.get(), model));
  std::lock_guard lk(mu_);
  if (!dry_run) p_.spread = spread;
  p_.state = end_state;
  p_.finished_ms = unix_ms();
  syslog(LOG_NOTICE, "rebalance %s: %llu files (%llu bytes) moved, %llu failed, spread %.2f%%",
         end_state, static_cast<unsigned long long>(p_.moved_files),
         static_cast<unsigned long long>(p_.moved_bytes), static_cast<unsigned long long>(p_.failed),
         p_.spread);
  running_ = false;
}

Rebalancer::Outcome Rebalancer::execute(const Move& m) {
  auto snap = store_.get();
  const BranchSlot* src = slot_of(*snap, m.src);
  const BranchSlot* dst = slot_of(*snap, m.dst);
  if (!src || !dst || !src->rt->healthy() || !dst->rt->healthy()) return Outcome::skipped;
  int sfd = src->rt->root_fd(), dfd = dst->rt->root_fd();
  OpenFiles* of = open_files_.load();
  // Cheap check first: an open file is not worth copying now.
  if (of && !of->pin_closed(m.path)) return Outcome::open;
  struct stat st {}, there {};
  if (fs::lstat(sfd, m.path, st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1)
    return Outcome::skipped;
  if (fs::lstat(dfd, m.path, there) != -ENOENT) return Outcome::skipped;  // never replace a copy
  {
    std::lock_guard lk(mu_);
    p_.current = m.path;
    p_.current_size = static_cast<uint64_t>(st.st_size);
  }
  MoveRecord rec{"staging", m.src, m.dst, m.path, fs::staging_name(m.path), st.st_ino, 0};
  auto release = [&] {
    journal_clear(sfd);
    fs::release_staging(sfd);
    fs::release_staging(dfd);
  };
  auto fail = [&](int err, const char* step) {
    release();
    if (err == -ECANCELED) return Outcome::stopped;
    std::lock_guard lk(mu_);
    p_.last_error = m.path + ": " + step + ": " + std::strerror(-err);
    syslog(LOG_WARNING, "rebalance: %s", p_.last_error.c_str());
    return Outcome::failed;
  };
  if (int r = journal_write(sfd, rec); r < 0) return fail(r, "journal");
  // From the hold to the source unlink, opens of this path wait (microseconds).
  std::unique_ptr<OpenFiles::Pin> pin;
  fs::MoveHooks hooks;
  hooks.progress = [this](uint64_t copied) {
    std::lock_guard lk(mu_);
    p_.current_bytes = copied;
    return !stop_.load();
  };
  hooks.staged = [&](const fs::StagedFile& staged) {
    rec.phase = "staged";
    rec.staged_ino = staged.ino;
    return journal_write(sfd, rec);
  };
  hooks.hold = [&] { return !of || (pin = of->pin_closed(m.path)) != nullptr; };
  hooks.committed = [&] {
    rec.phase = "committed";
    journal_write(sfd, rec);
  };
  auto res = fs::move_file(sfd, dfd, m.path, rec.staged, RENAME_NOREPLACE, hooks);
  switch (res.step) {
    case fs::MoveStep::copy:
      return fail(res.err, "copy");
    case fs::MoveStep::staged:
      return fail(res.err, "journal");
    case fs::MoveStep::hold:
      release();
      return Outcome::open;
    case fs::MoveStep::verify:
      return fail(res.err, "source changed");
    case fs::MoveStep::rename:
      return fail(res.err, "rename");
    case fs::MoveStep::unlink:
      // The copy stays (the file is whole on the target); the journal clears as recovery would.
      syslog(LOG_WARNING, "rebalance: %s: unlink of the source failed: %s", m.path.c_str(),
             std::strerror(-res.err));
      break;
    case fs::MoveStep::done:
      break;
  }
  src->rt->cache.put(m.path, false);
  dst->rt->cache.put(m.path, true);
  src->rt->refresh_wanted = true;
  dst->rt->refresh_wanted = true;
  pin.reset();
  release();
  return res.err < 0 ? Outcome::failed : Outcome::moved;
}

std::string Rebalancer::progress_json(bool with_plan) const {
  std::lock_guard lk(mu_);
  const auto& p = p_;
  int64_t end = p.finished_ms ? p.finished_ms : unix_ms();
  double secs = p.started_ms ? static_cast<double>(end - p.started_ms) / 1000.0 : 0;
  uint64_t done_bytes = p.moved_bytes + p.current_bytes;
  double rate = secs > 0 ? static_cast<double>(done_bytes) / secs : 0;
  uint64_t left = p.planned_bytes > done_bytes ? p.planned_bytes - done_bytes : 0;
  double eta = rate > 0 ? static_cast<double>(left) / rate : -1;
  auto u = [](uint64_t v) { return std::to_string(v); };
  std::string out = "{\"state\":" + json_str(p.state) + ",\"dry_run\":" + (p.dry_run ? "true" : "false") +
                    ",\"threshold\":" + fixed(p.threshold) + ",\"spread\":" + fixed(p.spread) +
                    ",\"planned\":" + u(p.planned_files) + ",\"planned_bytes\":" + u(p.planned_bytes) +
                    ",\"moved\":" + u(p.moved_files) + ",\"moved_bytes\":" + u(p.moved_bytes) +
                    ",\"skipped\":" + u(p.skipped_open + p.skipped_links + p.skipped_copies) +
                    ",\"skipped_open\":" + u(p.skipped_open) + ",\"skipped_links\":" + u(p.skipped_links) +
                    ",\"skipped_copies\":" + u(p.skipped_copies) + ",\"failed\":" + u(p.failed) +
                    ",\"current\":" + json_str(p.current) + ",\"current_bytes\":" + u(p.current_bytes) +
                    ",\"current_size\":" + u(p.current_size) + ",\"elapsed_s\":" + fixed(secs) +
                    ",\"rate_bps\":" + u(static_cast<uint64_t>(rate)) +
                    ",\"eta_s\":" + (eta < 0 ? std::string("null") : fixed(eta)) +
                    ",\"last_error\":" + json_str(p.last_error);
  if (p.dry_run && with_plan) {
    // The plan, as much as fits in one xattr value beside the rest.
    std::string plan;
    size_t shown = 0;
    for (const auto& m : p.plan) {
      std::string e = "{\"path\":" + json_str(m.path) + ",\"from\":" + json_str(m.src) +
                      ",\"to\":" + json_str(m.dst) + ",\"bytes\":" + u(m.bytes) + "}";
      if (plan.size() + e.size() > 48000) break;
      plan += (shown++ ? "," : "") + e;
    }
    out += ",\"plan\":[" + plan + "],\"plan_omitted\":" + u(p.plan.size() - shown);
  }
  return out + "}";
}

}  // namespace mfs
