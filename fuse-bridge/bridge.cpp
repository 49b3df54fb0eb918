// The bridge context: search over the snapshot, attribute presentation, kernel cache timeouts.
#include "fuse-bridge/bridge.hpp"

#include <unistd.h>

#include <ctime>
#include <thread>

#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "actors/branch/branch_probe.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/control_file.hpp"
#include "fuse-bridge/inode_calc.hpp"
#include "messages/staging.hpp"

namespace mfs::bridge {

Bridge::Bridge(SnapshotStore& store, std::string mountpoint)
    : store_(store),
      mountpoint_(std::move(mountpoint)),
      control_(std::make_unique<ControlFile>(*this)),
      open_gate_([this](const std::string& p) { return is_open(p); }) {
  control_attr_.st_ino = kControlFileId;
  control_attr_.st_mode = S_IFREG | 0664;
  control_attr_.st_nlink = 1;
  control_attr_.st_uid = ::geteuid();
  control_attr_.st_gid = ::getegid();
  control_attr_.st_size = 0;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  control_attr_.st_atim = control_attr_.st_mtim = control_attr_.st_ctim = now;
}

Bridge::~Bridge() = default;

// From the request's state (read at entry): a handler still running after its request was
// answered must not read the freed fuse_req_t.
Bridge& bridge_of(fuse_req_t req) {
  if (auto s = serving_now(); s && s->req == req) return *static_cast<Bridge*>(s->bridge);
  return *static_cast<Bridge*>(fuse_req_userdata(req));
}

Found Bridge::search(const PoolSnapshot& snap, policy::Func f, const std::string& path) const {
  Found out;
  BranchProbe probe(snap);
  auto facts = branch_facts(snap);
  auto pick = policy::search(snap.config->func[static_cast<size_t>(f)], facts, probe, path,
                             policy::default_random());
  if (!pick.ok()) {
    out.err = pick.err;
    return out;
  }
  out.branch = pick.branches.front();
  out.err = probe.stat(out.branch, path, out.st);
  return out;
}

void Bridge::present(const PoolSnapshot& snap, size_t branch, const std::string& path,
                     struct stat& st) const {
  present(snap, snap.branches[branch].path, path, st);
}

bool symlinkified(const config::Config& cfg, const struct stat& st) {
  if (!cfg.symlinkify || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) return false;
  if (st.st_mode & 0222) return false;
  time_t now = ::time(nullptr);
  return now - st.st_mtime > cfg.symlinkify_timeout && now - st.st_ctime > cfg.symlinkify_timeout;
}

void Bridge::present(const PoolSnapshot& snap, const std::string& branch_path,
                     const std::string& path, struct stat& st) const {
  const auto& cfg = *snap.config;
  // follow-symlinks: show the target's attributes (a dangling link stays a link).
  if (cfg.follow_symlinks != config::FollowSymlinks::never && S_ISLNK(st.st_mode)) {
    struct stat t {};
    std::string full = branch_path + path;
    if (::stat(full.c_str(), &t) == 0) {
      bool take = cfg.follow_symlinks == config::FollowSymlinks::all ||
                  (cfg.follow_symlinks == config::FollowSymlinks::directory && S_ISDIR(t.st_mode)) ||
                  (cfg.follow_symlinks == config::FollowSymlinks::regular && S_ISREG(t.st_mode));
      if (take) st = t;
    }
  }
  // symlinkify: old read-only files show as links to their branch path.
  if (symlinkified(cfg, st)) {
    st.st_mode = S_IFLNK | 0777;
    st.st_size = static_cast<off_t>(branch_path.size() + path.size());
    st.st_blocks = 0;
  }
  auto mode = static_cast<InodeMode>(cfg.inodecalc);
  st.st_ino = calc_ino(mode, branch_path, path, st.st_ino, S_ISDIR(st.st_mode));
}

double Bridge::attr_timeout(const PoolSnapshot& snap) const { return snap.config->cache_attr; }
double Bridge::attr_timeout(const PoolSnapshot& snap, const struct stat& st) const {
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) return 0;
  return snap.config->cache_attr;
}

DirListing::~DirListing() {
  for (int fd : branch_fds)
    if (fd >= 0) ::close(fd);
}

FileHandle::~FileHandle() {
  if (fd < 0) return;
  // A close sends the branch filesystem a flush (FUSE, NFS), which hangs where the branch
  // hangs: a slow, failed or busy branch closes on its executor, or on a thread of its own
  // when that queue is full; never on the FUSE worker releasing the handle.
  BranchEntry entry = branch ? enter_branch(*branch) : BranchEntry{Route::here, {nullptr, -1}};
  if (entry.route != Route::here) {
    int f = fd;
    if (!branch->executor.post(0, [f] { ::close(f); })) std::thread([f] { ::close(f); }).detach();
    return;
  }
  // The last close of an unlinked file gives its space back: the branch's tracked free space
  // learns it at the branch actor's next tick, not at the next periodic statvfs.
  struct stat st {};
  bool unlinked = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0;
  ::close(fd);
  if (unlinked && branch) branch->refresh_wanted.store(true, std::memory_order_relaxed);
}

uint64_t Bridge::register_handle(NodeId node, std::unique_ptr<FileHandle> h) {
  h->node = node;
  std::shared_ptr<FileHandle> shared(std::move(h));
  {
    std::lock_guard lk(handles_mu_);
    auto& v = handles_[node];
    shared->io = v.empty() ? std::make_shared<std::shared_mutex>() : v.front()->io;
    v.push_back(shared);
  }
  return files_.add(std::move(shared));
}

std::vector<std::shared_ptr<FileHandle>> Bridge::handles_of(NodeId node) const {
  std::lock_guard lk(handles_mu_);
  auto it = handles_.find(node);
  if (it == handles_.end()) return {};
  return it->second;
}

void Bridge::release_handle(NodeId node, uint64_t fh) {
  // The last reference closes the branch descriptor: here, or when a request still running on
  // the handle ends. Both references are dropped outside the locks.
  std::shared_ptr<FileHandle> h = files_.remove(fh);
  if (!h) return;
  std::lock_guard lk(handles_mu_);
  auto it = handles_.find(node);
  if (it == handles_.end()) return;
  auto& v = it->second;
  for (auto i = v.begin(); i != v.end(); ++i) {
    if (*i == h) {
      v.erase(i);
      break;
    }
  }
  if (v.empty()) handles_.erase(it);
}

bool Bridge::is_open(const std::string& path) const {
  std::vector<NodeId> ids;
  {
    std::lock_guard lk(handles_mu_);
    for (const auto& [id, v] : handles_)
      if (!v.empty()) ids.push_back(id);
  }
  for (NodeId id : ids)  // paths outside the handle lock: the node table has its own
    if (nodes_.path(id) == path) return true;
  return false;
}

bool is_staging_name(fuse_ino_t parent, const char* name) {
  return parent == kRootId && name == kStagingDir;
}

std::shared_ptr<FileHandle> Bridge::open_handle(NodeId node) const {
  std::lock_guard lk(handles_mu_);
  auto it = handles_.find(node);
  if (it == handles_.end() || it->second.empty()) return nullptr;
  return it->second.front();
}

double Bridge::entry_timeout(const PoolSnapshot& snap) const { return snap.config->cache_entry; }
double Bridge::negative_timeout(const PoolSnapshot& snap) const {
  return snap.config->cache_negative_entry;
}

struct stat Bridge::fake_root() const {
  struct stat st {};
  st.st_ino = kRootId;
  st.st_mode = S_IFDIR | 0755;
  st.st_nlink = 2;
  st.st_atim = st.st_mtim = st.st_ctim = control_attr_.st_mtim;
  return st;
}

}  // namespace mfs::bridge
