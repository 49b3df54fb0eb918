// unlink and rmdir: every branch the action policy picks; the caches learn before the reply.
#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "fuse-bridge/fanout.hpp"
#include "fuse-bridge/ops.hpp"
#include "policy/aggregate.hpp"

namespace mfs::bridge {

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  auto path = b.nodes().child_path(parent, name);
  if (!path) return reply.result(-ENOENT);
  auto gate = b.open_gate().enter(*path);  // not while a move swaps this file
  BranchResults results;
  int e = run_action(b, *snap, policy::Func::unlink, *path,
                     [&](const BranchSlot& br) { return fs::unlink(br.rt->root_fd(), *path); }, results);
  if (e) return reply.result(e);
  policy::ErrAny agg;
  for (auto [i, err] : results) {
    agg.add(err);
    if (!err) snap->branches[i].rt->cache.put(*path, false);
  }
  if (!reply.claim()) return;  // answered by its deadline: the kernel keeps the name
  if (agg.result() == 0) b.nodes().remove_name(parent, name);
  reply.claimed_result(agg.result());
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Reply reply(req);
  Bridge& b = bridge_of(req);
  auto snap = b.snapshot();
  auto path = b.nodes().child_path(parent, name);
  if (!path) return reply.result(-ENOENT);
  BranchResults results;
  int e = run_action(b, *snap, policy::Func::rmdir, *path,
                     [&](const BranchSlot& br) { return fs::rmdir(br.rt->root_fd(), *path); }, results);
  if (e) return reply.result(e);
  policy::RmdirErr agg;
  for (auto [i, err] : results) {
    agg.add(err);
    if (!err) {
      snap->branches[i].rt->cache.forget_tree(*path);
      snap->branches[i].rt->cache.put(*path, false);
    }
  }
  // A descriptor cached for the removed directory would hide a new one made under its name.
  if (!results.empty()) fs::ParentDirCache::namespace_changed();
  if (!reply.claim()) return;  // answered by its deadline: the kernel keeps the name
  if (agg.result() == 0) b.nodes().remove_name(parent, name);
  reply.claimed_result(agg.result());
}

}  // namespace mfs::bridge
