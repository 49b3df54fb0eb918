// create, mkdir, mknod, symlink: the create policy picks the branch(es), the parent path is
// cloned there as root, the object is made as the caller with the caller's umask.
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <climits>
#include <cstring>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "actors/branch/branch_probe.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/credentials.hpp"
#include "fuse-bridge/fanout.hpp"
#include "fuse-bridge/open_flags.hpp"
#include "fuse-bridge/ops.hpp"
#include "policy/aggregate.hpp"

namespace mfs::bridge {
namespace {

// FEATURES.md §4.1: the caller's umask is not applied under a parent with a default POSIX ACL;
// the branch filesystem then applies the ACL to the unmasked mode, as the kernel would.
mode_t creation_mode(fuse_req_t req, int root, const std::string& path, mode_t mode) {
  if (fs::getxattr(root, parent_of(path), "system.posix_acl_default", nullptr, 0) > 0) return mode;
  return apply_umask(req, mode);
}

struct CreatePlan {
  int err = 0;  // 0 or -errno
  std::string path;
  std::vector<size_t> targets;
};

// FEATURES.md §4.1 steps 1-3: where the parent exists, where the create policy wants the new
// object, and the parent chain cloned onto each target.
CreatePlan plan_create(Bridge& b, const PoolSnapshot& snap, policy::Func f, fuse_ino_t parent,
                       const char* name) {
  CreatePlan plan;
  if (std::strlen(name) > NAME_MAX) {
    plan.err = -ENAMETOOLONG;
    return plan;
  }
  auto dir = b.nodes().path(parent);
  if (!dir) {
    plan.err = -ENOENT;
    return plan;
  }
  plan.path = join_path(*dir, name);
  Found existing = b.search(snap, policy::Func::getattr, *dir);
  if (existing.err) {
    plan.err = existing.err;
    return plan;
  }
  if (!S_ISDIR(existing.st.st_mode)) {
    plan.err = -ENOTDIR;
    return plan;
  }
  BranchProbe probe(snap);
  auto facts = branch_facts(snap);
  auto pick = policy::create(snap.config->func[static_cast<size_t>(f)], facts, probe, *dir,
                             policy::default_random());
  if (!pick.ok()) {
    plan.err = pick.err;
    return plan;
  }
  BranchState& src = *snap.branches[existing.branch].rt;
  int first_err = 0;
  for (size_t t : pick.branches) {
    // A target that went unhealthy or hangs since the pick is left out (EIO if it was the only one).
    int r = clone_path_onto(src, *snap.branches[t].rt, *dir);
    if (r < 0) {
      if (!first_err) first_err = r;
      continue;
    }
    snap.branches[t].rt->cache.put(*dir, true);
    plan.targets.push_back(t);
  }
  if (plan.targets.empty()) plan.err = first_err ? first_err : -ENOENT;
  return plan;
}

// The new object's entry: attributes from its first branch. Its node is added only once the
// reply is claimed (answer_entry), so a create answered by its deadline adds none.
int new_entry(Bridge& b, const PoolSnapshot& snap, const std::string& path, size_t branch,
              fuse_entry_param& e) {
  BranchState& rt = *snap.branches[branch].rt;
  if (int r = run_admitted(rt, [&] { return fs::lstat(rt.root_fd(), path, e.attr); }); r < 0)
    return r;
  b.present(snap, branch, path, e.attr);
  e.generation = kGeneration;
  e.attr_timeout = b.attr_timeout(snap, e.attr);
  e.entry_timeout = b.entry_timeout(snap);
  return 0;
}

// mkdir, mknod, symlink act on every target; success if any branch succeeded. 0 or -errno.
int make_on_all(fuse_req_t req, Bridge& b, const PoolSnapshot& snap, fuse_ino_t parent,
                const char* name, policy::Func f,
                const std::function<int(int root, const std::string& path)>& make,
                fuse_entry_param& e) {
  CreatePlan plan = plan_create(b, snap, f, parent, name);
  if (plan.err) return plan.err;
  policy::ErrAny agg;
  std::optional<size_t> made;
  for (size_t t : plan.targets) {
    const auto& rt = snap.branches[t].rt;
    int r = run_admitted(*rt, [&] {
      AsCaller as(req);
      int made_here = make(rt->root_fd(), plan.path);
      if (made_here < 0) rt->note_error(made_here);
      return made_here;
    });
    agg.add(r < 0 ? r : 0);
    if (r == 0) {
      rt->cache.put(plan.path, true);
      if (!made) made = t;
    }
  }
  if (int err = agg.result(); err || !made) return err ? err : -EIO;
  return new_entry(b, snap, plan.path, *made, e);
}

void create_on_all(fuse_req_t req, fuse_ino_t parent, const char* name, policy::Func f,
                   const std::function<int(int root, const std::string& path)>& make) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  if (is_staging_name(parent, name)) return reply.result(-EPERM);
  fuse_entry_param e{};
  int err = make_on_all(req, b, *snap, parent, name, f, make, e);
  // A branch that turned read-only under us (ext4 after errors): demote it and try once more.
  if (err == -EROFS && detect_readonly_branches(*snap)) {
    snap = b.snapshot();
    err = make_on_all(req, b, *snap, parent, name, f, make, e);
  }
  if (err) return reply.result(err);
  answer_entry(reply, b, parent, name, e);
}

}  // namespace

void answer_entry(Reply& reply, Bridge& b, fuse_ino_t parent, const char* name,
                  fuse_entry_param& e) {
  if (!reply.claim()) return;
  e.ino = b.nodes().add_lookup(parent, name);
  reply.claimed_entry(e);
}

bool detect_readonly_branches(const PoolSnapshot& snap) {
  bool demoted = false;
  for (const auto& br : snap.branches) {
    if (br.mode != BranchMode::RW || br.rt->readonly_fs() || !br.rt->healthy()) continue;
    if (br.rt->health() == BranchHealth::readonly) continue;
    auto guard = admit_healthy(*br.rt);
    if (!guard.admitted()) continue;  // hangs: its EROFS, if any, is found once it answers
    std::string probe = "/.mergerfs.rocheck." + std::to_string(::getpid());
    int fd = fs::open(br.rt->root_fd(), probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      ::close(fd);
      fs::unlink(br.rt->root_fd(), probe);
    } else if (fd == -EROFS) {
      br.rt->set_health(BranchHealth::readonly);
      syslog(LOG_WARNING, "branch %s is read-only: excluded from creates", br.path.c_str());
      demoted = true;
    }
  }
  return demoted;
}

int create_symlink(fuse_req_t req, Bridge& b, const PoolSnapshot& snap, fuse_ino_t parent,
                   const char* name, const std::string& target, fuse_entry_param& e) {
  return make_on_all(req, b, snap, parent, name, policy::Func::symlink,
                     [&target](int root, const std::string& p) {
                       return fs::symlink(root, target.c_str(), p);
                     }, e);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  create_on_all(req, parent, name, policy::Func::mkdir, [req, mode](int root, const std::string& p) {
    return fs::mkdir(root, p, creation_mode(req, root, p, mode));
  });
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  create_on_all(req, parent, name, policy::Func::mknod,
                [req, mode, rdev](int root, const std::string& p) {
                  mode_t m = (mode & S_IFMT) | creation_mode(req, root, p, mode & 07777);
                  return fs::mknod(root, p, m, rdev);
                });
}

void op_symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  std::string target(link);
  create_on_all(req, parent, name, policy::Func::symlink, [&target](int root, const std::string& p) {
    return fs::symlink(root, target.c_str(), p);
  });
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               fuse_file_info* fi) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  if (is_staging_name(parent, name)) return reply.result(-EPERM);
  CreatePlan plan = plan_create(b, *snap, policy::Func::create, parent, name);
  if (plan.err == -EROFS && detect_readonly_branches(*snap)) {
    snap = b.snapshot();
    plan = plan_create(b, *snap, policy::Func::create, parent, name);
  }
  if (plan.err) return reply.result(plan.err);
  // create uses the first target only (FEATURES.md §4.1).
  size_t t = plan.targets.front();
  const auto& br = snap->branches[t];
  int fd = run_admitted(*br.rt, [&] {
    AsCaller as(req);
    // O_EXCL goes to the branch too: a name made there behind the pool's back (unseen by a
    // cached lookup) is refused, not taken over.
    int flags = branch_open_flags(*snap->config, fi->flags) | O_CREAT | (fi->flags & O_EXCL);
    int opened = fs::open(br.rt->root_fd(), plan.path, flags,
                          creation_mode(req, br.rt->root_fd(), plan.path, mode));
    if (opened < 0) br.rt->note_error(opened);
    return opened;
  });
  if (fd < 0) return reply.result(fd);
  br.rt->cache.put(plan.path, true);
  br.rt->counters.creates_chosen.fetch_add(1, std::memory_order_relaxed);
  auto h = new_file_handle(req, fd, br, *snap->config, fi);
  fuse_entry_param e{};
  if (int err = new_entry(b, *snap, plan.path, t, e)) return reply.result(err);
  if (!reply.claim()) return;  // answered by its deadline: no node, `h` closes its descriptor
  e.ino = b.nodes().add_lookup(parent, name);
  fi->fh = b.register_handle(e.ino, std::move(h));
  reply.claimed_create(e, *fi);
}

}  // namespace mfs::bridge
