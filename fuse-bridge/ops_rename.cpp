// rename and link with mergerfs's two algorithms (FEATURES.md §4.2, §4.3): path-preserving
// (act only where the source is) and create-path (clone the destination's parent as needed).
#include <dirent.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "config/config.hpp"
#include "actors/branch/branch_probe.hpp"
#include "fuse-bridge/branch_call.hpp"
#include "fuse-bridge/fanout.hpp"
#include "fuse-bridge/ops.hpp"
#include "policy/aggregate.hpp"
#include "policy/policy.hpp"

namespace mfs::bridge {
namespace {

bool path_preserving(const config::Config& cfg) {
  return !cfg.ignorepponrename &&
         policy::path_preserving(cfg.func[static_cast<size_t>(policy::Func::create)]);
}

// Branch picks of the action policy for `f` on `path`, probing for real.
policy::Pick action_set(const PoolSnapshot& snap, policy::Func f, const std::string& path) {
  BranchProbe probe(snap, /*use_cache=*/false);
  auto facts = branch_facts(snap);
  return policy::action(snap.config->func[static_cast<size_t>(f)], facts, probe, path,
                        policy::default_random());
}

// Every branch syscall below holds a slot (branch_call.hpp: run_admitted): a branch that is
// not healthy, or hangs now, is left out, as if it held nothing, and costs at most its cap of
// workers.
bool exists_anywhere(const PoolSnapshot& snap, const std::string& path) {
  for (const auto& br : snap.branches) {
    struct stat st {};
    if (run_admitted(*br.rt, [&] { return fs::lstat(br.rt->root_fd(), path, st); }) == 0) return true;
  }
  return false;
}

// POSIX: a directory replaces only an empty directory. Each branch checks only its own copy of
// the destination, and copies on branches without the source are removed after a success, so
// a destination directory holding entries on any branch is refused for the whole pool.
// Whether `from` is a directory (on the first branch of the set that has it).
bool is_directory(const PoolSnapshot& snap, const std::vector<size_t>& set, const std::string& from) {
  struct stat st {};
  for (size_t i : set) {
    const auto& rt = snap.branches[i].rt;
    if (run_admitted(*rt, [&] { return fs::lstat(rt->root_fd(), from, st); }) == 0)
      return S_ISDIR(st.st_mode);
  }
  return false;
}

// `to` is a directory with entries on the branch of root `root`: 1, else 0.
int holds_entries(int root, const std::string& to) {
  struct stat st {};
  if (fs::lstat(root, to, st) < 0 || !S_ISDIR(st.st_mode)) return 0;
  int fd = fs::open_dir(root, to);
  DIR* d = fd < 0 ? nullptr : ::fdopendir(fd);
  if (!d) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  int entries = 0;
  while (auto* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      entries = 1;
      break;
    }
  ::closedir(d);
  return entries;
}

bool dir_over_non_empty_dir(const PoolSnapshot& snap, bool from_dir, const std::string& to) {
  if (!from_dir) return false;
  for (const auto& br : snap.branches)
    if (run_admitted(*br.rt, [&] { return holds_entries(br.rt->root_fd(), to); }) == 1) return true;
  return false;
}

void forget_both(const PoolSnapshot& snap, const std::string& from, const std::string& to,
                 bool moved_dir) {
  for (const auto& br : snap.branches) {
    br.rt->cache.forget_tree(from);
    br.rt->cache.forget_tree(to);
  }
  // Descriptors cached for directories at or below `from` now point elsewhere.
  if (moved_dir) fs::ParentDirCache::namespace_changed();
}

constexpr const char* kExdevDir = "/.mergerfs_rename_exdev";

// "../../x" style path from directory `from_dir` to `target` (both fusepaths).
std::string relative_to(std::string_view from_dir, const std::string& target) {
  std::string up;
  for (char c : from_dir)
    if (c == '/') up += "../";
  if (from_dir == "/") up.clear();
  return up + target.substr(1);
}

// rename-exdev (FEATURES.md §4.2): the source moves aside under /.mergerfs_rename_exdev on its
// branches and a symlink takes its new name. Any failure puts everything back: -EXDEV.
int rename_exdev_fallback(fuse_req_t req, Bridge& b, const PoolSnapshot& snap,
                          const std::vector<size_t>& set, fuse_ino_t newparent,
                          const char* newname, const std::string& from, const std::string& to) {
  const auto& cfg = *snap.config;
  std::string aside = std::string(kExdevDir) + from;
  std::vector<size_t> moved;
  auto undo = [&] {
    for (size_t i : moved) {
      const auto& rt = snap.branches[i].rt;
      run_admitted(*rt, [&] { return fs::rename(rt->root_fd(), aside, from); });
    }
    return -EXDEV;
  };
  for (size_t i : set) {
    auto guard = admit_healthy(*snap.branches[i].rt);
    if (!guard.admitted()) return undo();
    int root = snap.branches[i].rt->root_fd();
    if (fs::mkdir(root, kExdevDir, 01777) == 0) fs::chmod(root, kExdevDir, 01777);
    // The source's parent chain, with its modes, under the aside folder.
    std::string dir(parent_of(from)), built = kExdevDir;
    for (size_t pos = 1; pos < dir.size();) {
      size_t next = dir.find('/', pos);
      if (next == std::string::npos) next = dir.size();
      built += dir.substr(pos - 1, next - pos + 1);
      struct stat st {};
      mode_t m = fs::lstat(root, dir.substr(0, next), st) == 0 ? (st.st_mode & 07777) : 0755;
      fs::mkdir(root, built, m);
      pos = next + 1;
    }
    if (fs::rename(root, from, aside) < 0) return undo();
    moved.push_back(i);
  }
  std::string target = cfg.rename_exdev == config::RenameExdev::rel_symlink
                           ? relative_to(parent_of(to), aside)
                           : b.mountpoint() + aside;
  for (const auto& br : snap.branches)
    run_admitted(*br.rt, [&] { return fs::unlink(br.rt->root_fd(), to); });
  fuse_entry_param e{};
  if (create_symlink(req, b, snap, newparent, newname, target, e) != 0) return undo();
  return 0;  // no node for the symlink: the kernel learns the new name by lookup
}

// Renames the node of (parent, name) to `aside` in the node table, adding the aside folder's
// chain of nodes (kept alive by their named child, not by kernel lookups).
void park_node_aside(Bridge& b, fuse_ino_t parent, const char* name, const std::string& aside) {
  std::vector<NodeId> chain;
  NodeId dir = kRootId;
  std::string parent_path(parent_of(aside));
  for (size_t pos = 1; pos < parent_path.size();) {
    size_t next = parent_path.find('/', pos);
    if (next == std::string::npos) next = parent_path.size();
    dir = b.nodes().add_lookup(dir, std::string_view(parent_path).substr(pos, next - pos));
    chain.push_back(dir);
    pos = next + 1;
  }
  b.nodes().rename(parent, name, dir, aside.substr(aside.rfind('/') + 1));
  for (NodeId id : chain) b.nodes().forget(id, 1);
}

}  // namespace

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  if (flags & RENAME_EXCHANGE) return reply.result(-EINVAL);
  if (flags & ~RENAME_NOREPLACE) return reply.result(-EINVAL);
  if (std::strlen(newname) > NAME_MAX) return reply.result(-ENAMETOOLONG);
  if (is_staging_name(parent, name) || is_staging_name(newparent, newname)) return reply.result(-EPERM);
  auto from = b.nodes().child_path(parent, name);
  auto to = b.nodes().child_path(newparent, newname);
  if (!from || !to) return reply.result(-ENOENT);
  auto gate_from = b.open_gate().enter(*from);  // not while a move swaps either file
  auto gate_to = b.open_gate().enter(*to);
  if ((flags & RENAME_NOREPLACE) && exists_anywhere(*snap, *to)) return reply.result(-EEXIST);
  auto pick = action_set(*snap, policy::Func::rename, *from);
  if (!pick.ok()) return reply.result(pick.err);
  const bool from_dir = is_directory(*snap, pick.branches, *from);
  if (dir_over_non_empty_dir(*snap, from_dir, *to)) return reply.result(-ENOTEMPTY);

  const bool pp = path_preserving(*snap->config);
  std::optional<size_t> tmpl;
  if (!pp) {
    Found t = b.search(*snap, policy::Func::getattr, std::string(parent_of(*to)));
    if (t.err == 0) tmpl = t.branch;
  }
  std::vector<std::pair<size_t, std::string>> remove;  // (branch, path) cleaned after success
  bool any_ok = false;
  int first_err = 0, non_enoent_err = 0;
  for (size_t i = 0; i < snap->branches.size(); ++i) {
    const auto& rt = snap->branches[i].rt;
    bool in_set = std::find(pick.branches.begin(), pick.branches.end(), i) != pick.branches.end();
    if (!in_set) {
      remove.emplace_back(i, *to);
      continue;
    }
    // Refused (it hangs, or went unhealthy since the pick): EIO, and its copy is left alone.
    auto guard = admit_healthy(*rt);
    if (!guard.admitted()) {
      if (!first_err) first_err = -EIO;
      non_enoent_err = non_enoent_err ? non_enoent_err : -EIO;
      continue;
    }
    int r = fs::rename(rt->root_fd(), *from, *to, flags);
    if (r == -ENOENT && !pp && tmpl &&
        clone_path_onto(*snap->branches[*tmpl].rt, *rt, parent_of(*to)) == 0)
      r = fs::rename(rt->root_fd(), *from, *to, flags);
    if (r == 0) {
      any_ok = true;
      continue;
    }
    if (!first_err) first_err = r;
    if (r != -ENOENT && !non_enoent_err) non_enoent_err = r;
    remove.emplace_back(i, *from);
  }
  if (!any_ok) {
    forget_both(*snap, *from, *to, from_dir);
    // Path-preserving: the destination's parent missing where the source is means the move
    // would cross branches: EXDEV, so tools fall back to copy + delete. A real error from the
    // branch (EISDIR, ENOTEMPTY, ...) is passed on as a plain filesystem would.
    if (non_enoent_err) return reply.result(non_enoent_err);
    if (pp && snap->config->rename_exdev != config::RenameExdev::passthrough) {
      int r = rename_exdev_fallback(req, b, *snap, pick.branches, newparent, newname, *from, *to);
      if (!reply.claim()) return;  // answered by its deadline: the node table stays as is
      if (r == 0) {
        // The kernel moves its dentry (and the regular-file inode behind it) to the new name
        // when this reply arrives: the node follows the file aside, so until the dentry is
        // dropped the new name still reads the moved file, then a lookup finds the symlink.
        park_node_aside(b, parent, name, std::string(kExdevDir) + *from);
        b.invalidator().entry(newparent, newname);
        forget_both(*snap, *from, *to, from_dir);
      }
      return reply.claimed_result(r);
    }
    return reply.result(pp ? -EXDEV : first_err ? first_err : -EXDEV);
  }
  // A branch left out here (it hangs) keeps its stale copy until someone removes it there.
  for (const auto& rm : remove) {
    const auto& rt = snap->branches[rm.first].rt;
    run_admitted(*rt, [&] { return fs::remove(rt->root_fd(), rm.second); });
  }
  forget_both(*snap, *from, *to, from_dir);
  if (!reply.claim()) return;  // answered by its deadline: the kernel keeps the old name
  b.nodes().rename(parent, name, newparent, newname);
  reply.claimed_result(0);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  if (std::strlen(newname) > NAME_MAX) return reply.result(-ENAMETOOLONG);
  if (is_staging_name(newparent, newname)) return reply.result(-EPERM);
  auto from = b.nodes().path(ino);
  auto to = b.nodes().child_path(newparent, newname);
  if (!from || !to) return reply.result(-ENOENT);
  auto gate_from = b.open_gate().enter(*from);  // not while a move swaps either file
  auto gate_to = b.open_gate().enter(*to);
  auto pick = action_set(*snap, policy::Func::link, *from);
  if (!pick.ok()) return reply.result(pick.err);
  const bool pp = path_preserving(*snap->config);
  std::optional<size_t> tmpl;
  if (!pp) {
    Found t = b.search(*snap, policy::Func::getattr, std::string(parent_of(*to)));
    if (t.err == 0) tmpl = t.branch;
  }
  std::optional<size_t> made;
  int last_err = -EXDEV;
  for (size_t i : pick.branches) {
    const auto& rt = snap->branches[i].rt;
    auto link_here = [&] { return fs::link(rt->root_fd(), *from, *to); };
    int r = run_admitted(*rt, link_here);
    if (r == -ENOENT && !pp && tmpl &&
        clone_path_onto(*snap->branches[*tmpl].rt, *rt, parent_of(*to)) == 0)
      r = run_admitted(*rt, link_here);
    if (r == 0) {
      rt->cache.put(*to, true);
      if (!made) made = i;
      continue;
    }
    // The destination's parent is missing where the source is: a cross-branch link.
    last_err = (r == -ENOENT && pp) ? -EXDEV : r;
  }
  if (!made && last_err == -EXDEV && snap->config->link_exdev != config::LinkExdev::passthrough) {
    // link-exdev (FEATURES.md §4.3): a symlink instead, answered with the source's attributes
    // and no caching (the kernel was asked for a hard link of a regular file).
    Found src = b.search(*snap, policy::Func::getattr, *from);
    if (src.err) return reply.result(-EXDEV);
    std::string target;
    switch (snap->config->link_exdev) {
      case config::LinkExdev::rel_symlink: target = relative_to(parent_of(*to), *from); break;
      case config::LinkExdev::abs_base_symlink: {
        Found o = b.search(*snap, policy::Func::open, *from);
        target = snap->branches[o.err ? src.branch : o.branch].path + *from;
        break;
      }
      default: target = b.mountpoint() + *from; break;
    }
    fuse_entry_param e{};
    if (create_symlink(req, b, *snap, newparent, newname, target, e) != 0) return reply.result(-EXDEV);
    b.present(*snap, src.branch, *from, src.st);
    e.attr = src.st;
    e.attr_timeout = 0;
    e.entry_timeout = 0;
    return answer_entry(reply, b, newparent, newname, e);
  }
  if (!made) return reply.result(last_err);
  fuse_entry_param e{};
  Found f = b.search(*snap, policy::Func::getattr, *to);
  if (f.err) return reply.result(f.err);
  b.present(*snap, f.branch, *to, f.st);
  e.attr = f.st;
  e.generation = kGeneration;
  e.attr_timeout = b.attr_timeout(*snap, f.st);
  e.entry_timeout = b.entry_timeout(*snap);
  // The source name's node still has the old nlink cached in the kernel: drop it before the
  // reply, so a stat right after link() sees the new count.
  b.invalidator().attrs_now(ino);
  answer_entry(reply, b, newparent, newname, e);
}

}  // namespace mfs::bridge
