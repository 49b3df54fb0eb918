// Rebalance runs: rounds of survey and plan, then one move at a time through the shared move
// routine and the intent journal, with the progress kept up to date. See rebalancer.hpp.
#include "actors/migration/rebalancer.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <set>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "actors/migration/file_mover.hpp"
#include "actors/migration/move_journal.hpp"
#include "actors/migration/rebalance_progress.hpp"
#include "actors/migration/rebalance_scan.hpp"
#include "config/config.hpp"
#include "messages/clock.hpp"
#include "messages/open_files.hpp"

namespace mfs {
namespace {

constexpr int kMaxRounds = 10000;

const BranchSlot* slot_of(const PoolSnapshot& snap, const std::string& path) {
  for (const auto& s : snap.branches)
    if (s.path == path) return &s;
  return nullptr;
}

}  // namespace

bool Rebalancer::begin(bool dry_run) {
  bool expected = false;
  if (!running_.compare_exchange_strong(expected, true)) return false;
  stop_ = false;
  std::lock_guard lk(mu_);
  p_ = RebalanceProgress{};
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
  return rebalance_progress_json(p_, unix_ms(), with_plan);
}

}  // namespace mfs
