// Rebalance: scan, plan by simulation, move one file at a time through the staging folder and
// the intent journal. See rebalancer.hpp.
#include "actors/migration/rebalancer.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
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
#include <unordered_map>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "actors/migration/file_mover.hpp"
#include "actors/migration/move_journal.hpp"
#include "actors/migration/test_hooks.hpp"
#include "config/config.hpp"
#include "messages/clock.hpp"
#include "messages/open_files.hpp"
#include "messages/staging.hpp"

namespace mfs {
namespace {

constexpr uint64_t kReserve = 1 << 20;  // a target keeps at least this much free after a move
constexpr int kMaxRounds = 10000;

std::vector<std::string> split_patterns(const std::string& s) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos <= s.size();) {
    size_t bar = s.find('|', pos);
    if (bar == std::string::npos) bar = s.size();
    if (bar > pos) out.push_back(s.substr(pos, bar - pos));
    pos = bar + 1;
  }
  return out;
}

bool matches_any(const std::vector<std::string>& pats, const std::string& path) {
  for (const auto& p : pats)
    if (::fnmatch(p.c_str(), path.c_str(), 0) == 0) return true;
  return false;
}

struct FileFact {
  std::string path;
  uint64_t size = 0;
  uint64_t charged = 0;  // bytes it occupies (st_blocks)
  nlink_t nlink = 1;
};

// Regular files of one branch (staging folder and other mounts excluded), by pool path.
thread_local std::vector<FileFact>* g_scan = nullptr;
thread_local size_t g_root_len = 0;

int scan_entry(const char* fpath, const struct stat* st, int type, struct FTW*) {
  std::string rel = fpath + g_root_len;
  if (rel.empty()) return FTW_CONTINUE;
  if (type == FTW_D && rel == kStagingPath) return FTW_SKIP_SUBTREE;
  if (type == FTW_F && S_ISREG(st->st_mode))
    g_scan->push_back(FileFact{rel, static_cast<uint64_t>(st->st_size),
                               static_cast<uint64_t>(st->st_blocks) * 512, st->st_nlink});
  return FTW_CONTINUE;
}

std::vector<FileFact> scan_branch(const std::string& root) {
  std::vector<FileFact> out;
  g_scan = &out;
  g_root_len = root.size();
  ::nftw(root.c_str(), scan_entry, 32, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
  g_scan = nullptr;
  return out;
}

struct BranchFigures {
  std::string path;
  int root_fd = -1;
  bool source = false;  // files may leave it (RW, NC)
  bool target = false;  // files may arrive (RW)
  double used = 0, total = 0, avail = 0;
  double pct() const { return total > 0 ? 100.0 * used / total : 0; }
};

bool measure(BranchFigures& b) {
  struct statvfs vs {};
  if (::fstatvfs(b.root_fd, &vs) < 0 || vs.f_blocks == 0) return false;
  b.total = static_cast<double>(vs.f_blocks) * vs.f_frsize;
  b.used = static_cast<double>(vs.f_blocks - vs.f_bfree) * vs.f_frsize;
  b.avail = static_cast<double>(vs.f_bavail) * vs.f_frsize;
  return true;
}

// Healthy, measurable branches; read-only ones take no part (their files cannot leave).
std::vector<BranchFigures> measure_pool(const PoolSnapshot& snap) {
  std::vector<BranchFigures> out;
  for (const auto& slot : snap.branches) {
    if (slot.mode == BranchMode::RO || !slot.rt->healthy() || slot.rt->readonly_fs()) continue;
    BranchFigures b;
    b.path = slot.path;
    b.root_fd = slot.rt->root_fd();
    b.source = true;
    b.target = slot.mode == BranchMode::RW;
    if (measure(b)) out.push_back(b);
  }
  return out;
}

double spread_of(const std::vector<BranchFigures>& bs) {
  if (bs.size() < 2) return 0;
  double lo = 100, hi = 0;
  for (const auto& b : bs) {
    lo = std::min(lo, b.pct());
    hi = std::max(hi, b.pct());
  }
  return hi - lo;
}

// Space as the run sees it: measured when a branch is first seen, then changed by the bytes the
// run moves. statvfs lags behind: an unlinked source stays allocated while anything holds it
// open (the bridge keeps released descriptors for a grace period), and re-measuring would move
// the same bytes twice.
struct Space {
  double used = 0, avail = 0;
};
using SpaceModel = std::map<std::string, Space>;

double model_spread(const PoolSnapshot& snap, const SpaceModel& model) {
  auto bs = measure_pool(snap);
  for (auto& b : bs)
    if (auto it = model.find(b.path); it != model.end()) {
      b.used = it->second.used;
      b.avail = it->second.avail;
    }
  return spread_of(bs);
}

struct Plan {
  std::vector<Rebalancer::Move> moves;
  double spread = 0;  // before the plan
  std::set<std::string> links, copies;
};

// Greedy simulation: while the spread exceeds the threshold, move from the fullest branch to
// the emptiest the largest file that does not overshoot their balance point (or the smallest
// that still narrows the gap). Each move strictly narrows that pair, so this ends.
Plan make_plan(const PoolSnapshot& snap, const config::Config& cfg,
               const std::set<std::string>& exclude, SpaceModel& model) {
  Plan plan;
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
  plan.spread = spread_of(bs);
  if (bs.size() < 2 || plan.spread <= cfg.rebalance_threshold) return plan;
  auto include = split_patterns(cfg.rebalance_include);
  auto excl = split_patterns(cfg.rebalance_exclude);
  // Every branch (read-only ones too) counts for "present on several branches".
  std::unordered_map<std::string, int> copies;
  std::vector<std::vector<FileFact>> files(bs.size());
  for (const auto& slot : snap.branches) {
    auto it = std::find_if(bs.begin(), bs.end(), [&](const auto& b) { return b.path == slot.path; });
    auto facts = scan_branch(slot.path);
    for (const auto& f : facts) ++copies[f.path];
    if (it != bs.end()) files[static_cast<size_t>(it - bs.begin())] = std::move(facts);
  }
  // Candidates by size, per branch.
  std::vector<std::multimap<uint64_t, FileFact>> cand(bs.size());
  for (size_t i = 0; i < bs.size(); ++i) {
    if (!bs[i].source) continue;
    for (auto& f : files[i]) {
      if (exclude.count(f.path)) continue;
      if (!include.empty() && !matches_any(include, f.path)) continue;
      if (matches_any(excl, f.path)) continue;
      if (f.size < cfg.rebalance_min_size) continue;
      if (cfg.rebalance_max_size && f.size > cfg.rebalance_max_size) continue;
      if (f.nlink > 1) {
        plan.links.insert(f.path);
        continue;
      }
      if (copies[f.path] > 1) {
        plan.copies.insert(f.path);
        continue;
      }
      cand[i].emplace(f.size, f);
    }
  }
  std::vector<bool> exhausted(bs.size(), false);
  while (plan.moves.size() < 1000000) {
    if (spread_of(bs) <= cfg.rebalance_threshold) break;
    int F = -1, E = -1;
    for (size_t i = 0; i < bs.size(); ++i)
      if (bs[i].source && !exhausted[i] && !cand[i].empty() && (F < 0 || bs[i].pct() > bs[F].pct()))
        F = static_cast<int>(i);
    if (F < 0) break;
    for (size_t i = 0; i < bs.size(); ++i)
      if (static_cast<int>(i) != F && bs[i].target && (E < 0 || bs[i].pct() < bs[E].pct()))
        E = static_cast<int>(i);
    if (E < 0 || bs[E].pct() >= bs[F].pct()) break;
    auto& f = bs[F];
    auto& e = bs[E];
    double best = (f.used * e.total - e.used * f.total) / (f.total + e.total);
    auto fits = [&](const FileFact& x) { return static_cast<double>(x.size + kReserve) <= e.avail; };
    auto& c = cand[F];
    // The largest file not past the balance point, or the smallest past it (still narrowing
    // the gap). Below is preferred while the files below can close the gap together (the
    // next moves refine it); otherwise whichever leaves the pool's spread smaller now.
    auto below = c.end(), above = c.end();
    for (auto it = c.upper_bound(static_cast<uint64_t>(best)); it != c.begin();) {
      --it;
      if (fits(it->second)) {
        below = it;
        break;
      }
    }
    for (auto it = c.upper_bound(static_cast<uint64_t>(best));
         it != c.end() && static_cast<double>(it->first) < 2 * best; ++it)
      if (fits(it->second)) {
        above = it;
        break;
      }
    auto spread_after = [&](uint64_t size) {
      double b = static_cast<double>(size);
      f.used -= b;
      e.used += b;
      double s = spread_of(bs);
      f.used += b;
      e.used -= b;
      return s;
    };
    double small_total = 0;
    for (auto it = c.begin(); it != c.end() && static_cast<double>(it->first) <= best &&
                              small_total < best;
         ++it)
      small_total += static_cast<double>(it->first);
    auto pick = below;
    if (above != c.end() &&
        (below == c.end() ||
         (small_total < best && spread_after(above->first) < spread_after(below->first))))
      pick = above;
    if (pick == c.end()) {
      exhausted[F] = true;
      continue;
    }
    const FileFact& x = pick->second;
    double charged = static_cast<double>(std::max<uint64_t>(x.charged, x.size));
    plan.moves.push_back({x.path, f.path, e.path, x.size, static_cast<uint64_t>(charged)});
    f.used -= charged;
    f.avail += charged;
    e.used += charged;
    e.avail -= charged;
    c.erase(pick);
  }
  return plan;
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
    Plan plan = make_plan(*snap, *snap->config, failed, model);
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
  double spread = model_spread(*store_.get(), model);
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
  auto fail = [&](int err, const char* step) {
    journal_clear(sfd);
    release_staging(sfd);
    release_staging(dfd);
    if (err == -ECANCELED) return Outcome::stopped;
    std::lock_guard lk(mu_);
    p_.last_error = m.path + ": " + step + ": " + std::strerror(-err);
    syslog(LOG_WARNING, "rebalance: %s", p_.last_error.c_str());
    return Outcome::failed;
  };
  if (int r = journal_write(sfd, rec); r < 0) return fail(r, "journal");
  fs::StagedFile staged;
  int r = fs::stage_copy(sfd, dfd, m.path, rec.staged, staged, [this](uint64_t copied) {
    std::lock_guard lk(mu_);
    p_.current_bytes = copied;
    return !stop_.load();
  });
  if (r < 0) return fail(r, "copy");
  rec.phase = "staged";
  rec.staged_ino = staged.ino;
  if (r = journal_write(sfd, rec); r < 0) {
    fs::unlink(dfd, staged.name);
    return fail(r, "journal");
  }
  // From here to the source unlink, opens of this path wait (microseconds).
  std::unique_ptr<OpenFiles::Pin> pin;
  if (of && !(pin = of->pin_closed(m.path))) {
    fs::unlink(dfd, staged.name);
    journal_clear(sfd);
    release_staging(sfd);
    release_staging(dfd);
    return Outcome::open;
  }
  if (!fs::source_unchanged(sfd, m.path, staged)) {
    fs::unlink(dfd, staged.name);
    return fail(-EAGAIN, "source changed");
  }
  if (r = fs::commit_staged(sfd, dfd, staged, m.path, RENAME_NOREPLACE); r < 0) {
    fs::unlink(dfd, staged.name);
    return fail(r, "rename");
  }
  rec.phase = "committed";
  journal_write(sfd, rec);
  if (r = fs::unlink(sfd, m.path); r < 0) {
    // The copy stays (the file is whole on the target); the journal clears as recovery would.
    syslog(LOG_WARNING, "rebalance: %s: unlink of the source failed: %s", m.path.c_str(),
           std::strerror(-r));
  }
  test_hooks::crash_point("source-unlinked");
  src->rt->cache.put(m.path, false);
  dst->rt->cache.put(m.path, true);
  src->rt->refresh_wanted = true;
  dst->rt->refresh_wanted = true;
  pin.reset();
  journal_clear(sfd);
  release_staging(sfd);
  release_staging(dfd);
  return r < 0 ? Outcome::failed : Outcome::moved;
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
