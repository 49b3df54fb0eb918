// Session set-up and the multi-threaded loop. INIT negotiates the capabilities here.
#include "fuse-bridge/session.hpp"

#include <signal.h>

#include <cstring>

#include "config/config.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/ops.hpp"

namespace mfs::bridge {

void op_init(void* userdata, fuse_conn_info* conn) {
  auto* b = static_cast<Bridge*>(userdata);
  const auto& cfg = *b->snapshot()->config;
  // The daemon applies the caller's umask itself; the kernel must not.
  if (conn->capable & FUSE_CAP_DONT_MASK) conn->want |= FUSE_CAP_DONT_MASK;
  // set-user-ID/set-group-ID bits are cleared by the daemon (it writes as root with CAP_FSETID).
  conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
  if (conn->capable & FUSE_CAP_SPLICE_WRITE) conn->want |= FUSE_CAP_SPLICE_WRITE;
  if (conn->capable & FUSE_CAP_SPLICE_MOVE) conn->want |= FUSE_CAP_SPLICE_MOVE;
  if (cfg.async_read) conn->want |= FUSE_CAP_ASYNC_READ;
  else conn->want &= ~FUSE_CAP_ASYNC_READ;
  if (cfg.cache_symlinks && (conn->capable & FUSE_CAP_CACHE_SYMLINKS))
    conn->want |= FUSE_CAP_CACHE_SYMLINKS;
  if (cfg.cache_writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE))
    conn->want |= FUSE_CAP_WRITEBACK_CACHE;
  if (cfg.posix_acl && (conn->capable & FUSE_CAP_POSIX_ACL)) conn->want |= FUSE_CAP_POSIX_ACL;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  if (conn->capable & FUSE_CAP_READDIRPLUS_AUTO) conn->want |= FUSE_CAP_READDIRPLUS_AUTO;
  if (cfg.export_support && (conn->capable & FUSE_CAP_EXPORT_SUPPORT))
    conn->want |= FUSE_CAP_EXPORT_SUPPORT;
  conn->max_write = 1024 * 1024;
}

void op_destroy(void*) {}

void fill_ops(fuse_lowlevel_ops& ops) {
  std::memset(&ops, 0, sizeof ops);
  ops.init = op_init;
  ops.destroy = op_destroy;
  ops.lookup = op_lookup;
  ops.forget = op_forget;
  ops.forget_multi = op_forget_multi;
  ops.getattr = op_getattr;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.readdirplus = op_readdirplus;
  ops.releasedir = op_releasedir;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.flush = op_flush;
  ops.fsync = op_fsync;
  ops.fallocate = op_fallocate;
  ops.copy_file_range = op_copy_file_range;
  ops.lseek = op_lseek;
  ops.release = op_release;
  ops.fsyncdir = op_fsyncdir;
  ops.readlink = op_readlink;
  ops.create = op_create;
  ops.mkdir = op_mkdir;
  ops.mknod = op_mknod;
  ops.symlink = op_symlink;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.rename = op_rename;
  ops.link = op_link;
  ops.setattr = op_setattr;
  ops.statfs = op_statfs;
  ops.access = op_access;
  ops.getxattr = op_getxattr;
  ops.listxattr = op_listxattr;
  ops.setxattr = op_setxattr;
  ops.removexattr = op_removexattr;
}

Session::~Session() { destroy(); }

int Session::mount(Bridge& bridge, const MountOptions& opts, std::string& error) {
  std::vector<std::string> argv_s{"mergerfs"};
  if (opts.fuse_debug) argv_s.push_back("-d");
  std::string joined;
  for (const auto& o : opts.fuse_opts) {
    if (!joined.empty()) joined.push_back(',');
    joined += o;
  }
  if (!joined.empty()) {
    argv_s.push_back("-o");
    argv_s.push_back(joined);
  }
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  static fuse_lowlevel_ops ops;
  fill_ops(ops);
  se_ = fuse_session_new(&args, &ops, sizeof ops, &bridge);
  fuse_opt_free_args(&args);
  if (!se_) {
    error = "could not create the FUSE session (options: " + joined + ")";
    return -EINVAL;
  }
  if (fuse_session_mount(se_, opts.mountpoint.c_str()) != 0) {
    error = "could not mount on " + opts.mountpoint;
    fuse_session_destroy(se_);
    se_ = nullptr;
    return -EIO;
  }
  mounted_ = true;
  max_threads_ = opts.max_threads;
  return 0;
}

int Session::loop() {
  fuse_loop_config* lc = fuse_loop_cfg_create();
  fuse_loop_cfg_set_clone_fd(lc, 1);
  fuse_loop_cfg_set_max_threads(lc, max_threads_);
  int r = fuse_session_loop_mt(se_, lc);
  fuse_loop_cfg_destroy(lc);
  return r;
}

void Session::exit() {
  if (se_) fuse_session_exit(se_);
}

bool Session::exited() const { return se_ && fuse_session_exited(se_); }

void Session::unmount() {
  if (se_ && mounted_) {
    fuse_session_unmount(se_);
    mounted_ = false;
  }
}

void Session::destroy() {
  if (!se_) return;
  unmount();
  fuse_session_destroy(se_);
  se_ = nullptr;
}

}  // namespace mfs::bridge
