// Opening the branches and recovering moves at start-up, each under the branch deadline.
#include "actors/coordinator/startup_branches.hpp"

#include <syslog.h>

#include <algorithm>
#include <atomic>
#include <functional>

#include "actors/branch/branch_state.hpp"
#include "actors/migration/move_journal.hpp"
#include "config/config.hpp"
#include "messages/run_with_deadline.hpp"

namespace mfs {

OpenedBranches open_startup_branches(const config::Config& cfg) {
  std::vector<std::string> paths;
  for (const auto& b : cfg.branches)
    if (std::find(paths.begin(), paths.end(), b.path) == paths.end()) paths.push_back(b.path);
  std::vector<std::function<std::shared_ptr<BranchState>()>> jobs;
  for (const auto& p : paths) jobs.push_back([p] { return std::make_shared<BranchState>(p); });
  // A late BranchState is closed by its own thread when it answers; the pool's stays unopened,
  // so the probe thread is the only one that ever opens that branch's root.
  auto opened = run_with_deadline(std::move(jobs), cfg.branch_deadline);
  OpenedBranches out;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (opened[i]) {
      out[paths[i]] = std::move(*opened[i]);
      continue;
    }
    syslog(LOG_WARNING, "branch %s did not answer within %g s at start-up; failed until its probe opens it",
           paths[i].c_str(), cfg.branch_deadline);
    out[paths[i]] = std::make_shared<BranchState>(paths[i], BranchState::NotOpened{});
  }
  return out;
}

void recover_startup_moves(SnapshotPtr snap, double deadline_s) {
  std::vector<std::pair<std::string, int>> roots;
  for (const auto& b : snap->branches) {
    int fd = b.rt->root_fd();
    if (fd < 0)
      syslog(LOG_NOTICE,
             "recovery: branch %s is not open (missing, or it did not answer); its journal and "
             "staging folder are left for the next start", b.path.c_str());
    roots.emplace_back(b.path, fd);
  }
  // The pool starts serving once this gives up: a move may then use the staging folders, so an
  // abandoned recovery starts no further step. `snap` keeps the roots open for its thread.
  auto abandoned = std::make_shared<std::atomic<bool>>(false);
  std::vector<std::function<std::vector<std::string>()>> job;
  job.push_back([snap, roots, abandoned] { return recover_moves(roots, abandoned.get()); });
  auto log = run_with_deadline(std::move(job), deadline_s);
  if (!log[0]) {
    abandoned->store(true);
    syslog(LOG_WARNING,
           "recovery: not done within %g s (a branch stopped answering); what it did not reach "
           "is left for the next start", deadline_s);
    return;
  }
  for (const auto& line : *log[0]) syslog(LOG_NOTICE, "%s", line.c_str());
}

}  // namespace mfs
