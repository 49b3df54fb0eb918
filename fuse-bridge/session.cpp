// Session set-up and the multi-threaded loop. INIT negotiates the capabilities here.
#include "fuse-bridge/session.hpp"

#include <signal.h>
#include <syslog.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "config/config.hpp"
#include "config/mountinfo.hpp"
#include "fuse-bridge/bridge.hpp"
#include "fuse-bridge/ops.hpp"
#include "fuse-bridge/op_entry.hpp"
#include "fuse-bridge/request_trace.hpp"

namespace mfs::bridge {

// "INIT caps=a,b,... max_write=N": what the daemon asked the kernel for, in the debug trace.
std::string init_summary(const fuse_conn_info& conn) {
  static const std::pair<unsigned, const char*> kCaps[] = {
      {FUSE_CAP_ASYNC_READ, "async_read"},         {FUSE_CAP_POSIX_ACL, "posix_acl"},
      {FUSE_CAP_EXPORT_SUPPORT, "export_support"}, {FUSE_CAP_CACHE_SYMLINKS, "cache_symlinks"},
      {FUSE_CAP_WRITEBACK_CACHE, "writeback_cache"}, {FUSE_CAP_READDIRPLUS, "readdirplus"},
      {FUSE_CAP_SPLICE_WRITE, "splice_write"},     {FUSE_CAP_SPLICE_MOVE, "splice_move"},
      {FUSE_CAP_DONT_MASK, "dont_mask"},
      {FUSE_CAP_PARALLEL_DIROPS, "parallel_dirops"}, {FUSE_CAP_AUTO_INVAL_DATA, "auto_inval_data"},           {FUSE_CAP_HANDLE_KILLPRIV, "handle_killpriv"}};
  std::string caps;
  for (const auto& [bit, name] : kCaps)
    if (conn.want & bit) caps += (caps.empty() ? "" : ",") + std::string(name);
  return "INIT caps=" + caps + " max_write=" + std::to_string(conn.max_write);
}

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
  // Lookups and creates in one directory run at once, so a request stuck on a late branch
  // holds only its own name (libfuse sets it by default; asked for here so it never depends on
  // that default). Logged: without it, one stuck lookup serialises its whole directory.
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  syslog(LOG_INFO, "parallel directory operations %s",
         conn->want & FUSE_CAP_PARALLEL_DIROPS ? "on" : "off (the kernel lacks them)");
  // fuse-msg-size (pages): libfuse 3.14 derives max_pages from max_write and its buffers hold
  // 256 pages, so that is the ceiling here.
  long page = ::sysconf(_SC_PAGESIZE);
  conn->max_write = static_cast<unsigned>(std::min<uint32_t>(cfg.fuse_msg_size, 256) * page);
  if (cfg.debug) trace_line(*b, init_summary(*conn));
}

void op_destroy(void*) {}

// Request names in the debug trace.
constexpr char k_lookup[] = "LOOKUP";
constexpr char k_forget[] = "FORGET";
constexpr char k_forget_multi[] = "FORGET_MULTI";
constexpr char k_getattr[] = "GETATTR";
constexpr char k_opendir[] = "OPENDIR";
constexpr char k_readdir[] = "READDIR";
constexpr char k_readdirplus[] = "READDIRPLUS";
constexpr char k_releasedir[] = "RELEASEDIR";
constexpr char k_open[] = "OPEN";
constexpr char k_read[] = "READ";
constexpr char k_write[] = "WRITE";
constexpr char k_flush[] = "FLUSH";
constexpr char k_fsync[] = "FSYNC";
constexpr char k_fallocate[] = "FALLOCATE";
constexpr char k_copy_file_range[] = "COPY_FILE_RANGE";
constexpr char k_lseek[] = "LSEEK";
constexpr char k_release[] = "RELEASE";
constexpr char k_fsyncdir[] = "FSYNCDIR";
constexpr char k_readlink[] = "READLINK";
constexpr char k_create[] = "CREATE";
constexpr char k_mkdir[] = "MKDIR";
constexpr char k_mknod[] = "MKNOD";
constexpr char k_symlink[] = "SYMLINK";
constexpr char k_unlink[] = "UNLINK";
constexpr char k_rmdir[] = "RMDIR";
constexpr char k_rename[] = "RENAME";
constexpr char k_link[] = "LINK";
constexpr char k_setattr[] = "SETATTR";
constexpr char k_statfs[] = "STATFS";
constexpr char k_access[] = "ACCESS";
constexpr char k_getxattr[] = "GETXATTR";
constexpr char k_listxattr[] = "LISTXATTR";
constexpr char k_setxattr[] = "SETXATTR";
constexpr char k_removexattr[] = "REMOVEXATTR";

void fill_ops(fuse_lowlevel_ops& ops) {
  std::memset(&ops, 0, sizeof ops);
  ops.init = op_init;
  ops.destroy = op_destroy;
  ops.lookup = Entry<op_lookup, k_lookup, OnDeadline::rerun>::call;
  ops.forget = Entry<op_forget, k_forget, OnDeadline::wait>::call;
  ops.forget_multi = Entry<op_forget_multi, k_forget_multi, OnDeadline::wait>::call;
  ops.getattr = Entry<op_getattr, k_getattr, OnDeadline::rerun>::call;
  ops.opendir = Entry<op_opendir, k_opendir, OnDeadline::wait>::call;
  ops.readdir = Entry<op_readdir, k_readdir, OnDeadline::rerun>::call;
  ops.readdirplus = Entry<op_readdirplus, k_readdirplus, OnDeadline::rerun>::call;
  ops.releasedir = Entry<op_releasedir, k_releasedir, OnDeadline::wait>::call;
  ops.open = Entry<op_open, k_open, OnDeadline::eio>::call;
  ops.read = Entry<op_read, k_read, OnDeadline::eio>::call;
  ops.write = Entry<op_write, k_write, OnDeadline::eio, 0>::call;
  ops.flush = Entry<op_flush, k_flush, OnDeadline::eio>::call;
  ops.fsync = Entry<op_fsync, k_fsync, OnDeadline::eio>::call;
  ops.fallocate = Entry<op_fallocate, k_fallocate, OnDeadline::eio>::call;
  ops.copy_file_range = Entry<op_copy_file_range, k_copy_file_range, OnDeadline::eio>::call;
  ops.lseek = Entry<op_lseek, k_lseek, OnDeadline::eio>::call;
  ops.release = Entry<op_release, k_release, OnDeadline::wait>::call;
  ops.fsyncdir = Entry<op_fsyncdir, k_fsyncdir, OnDeadline::wait>::call;
  ops.readlink = Entry<op_readlink, k_readlink, OnDeadline::rerun>::call;
  ops.create = Entry<op_create, k_create, OnDeadline::eio>::call;
  ops.mkdir = Entry<op_mkdir, k_mkdir, OnDeadline::eio>::call;
  ops.mknod = Entry<op_mknod, k_mknod, OnDeadline::eio>::call;
  ops.symlink = Entry<op_symlink, k_symlink, OnDeadline::eio>::call;
  ops.unlink = Entry<op_unlink, k_unlink, OnDeadline::eio>::call;
  ops.rmdir = Entry<op_rmdir, k_rmdir, OnDeadline::eio>::call;
  ops.rename = Entry<op_rename, k_rename, OnDeadline::eio>::call;
  ops.link = Entry<op_link, k_link, OnDeadline::eio>::call;
  ops.setattr = Entry<op_setattr, k_setattr, OnDeadline::eio>::call;
  ops.statfs = Entry<op_statfs, k_statfs, OnDeadline::rerun>::call;
  ops.access = Entry<op_access, k_access, OnDeadline::rerun>::call;
  ops.getxattr = Entry<op_getxattr, k_getxattr, OnDeadline::rerun>::call;
  ops.listxattr = Entry<op_listxattr, k_listxattr, OnDeadline::rerun>::call;
  ops.setxattr = Entry<op_setxattr, k_setxattr, OnDeadline::eio, 1>::call;
  ops.removexattr = Entry<op_removexattr, k_removexattr, OnDeadline::eio>::call;
}

namespace {

// "major:minor" of the top-most (last listed) mount on `mountpoint`, or "" if none.
std::string top_mount_dev(const std::string& mountpoint) {
  return config::top_mount_device(config::read_mountinfo(), mountpoint);
}

}  // namespace

Session::~Session() { destroy(); }

int Session::mount(Bridge& bridge, const MountOptions& opts, std::string& error) {
  std::vector<std::string> argv_s{"mergerfs"};
  // -d is not passed on: debug=true (which -d sets) traces through request_trace, to log.file.
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
  mountpoint_ = opts.mountpoint;
  mount_dev_ = top_mount_dev(opts.mountpoint);
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
  std::lock_guard lk(se_mu_);
  if (se_) fuse_session_exit(se_);
}

void Session::exit_from_signal() {
  if (fuse_session* se = se_.load()) fuse_session_exit(se);
}

bool Session::exited() const {
  std::lock_guard lk(se_mu_);
  return !se_ || fuse_session_exited(se_);
}

bool Session::owns_mountpoint() const {
  return mounted_ && !mount_dev_.empty() && top_mount_dev(mountpoint_) == mount_dev_;
}

void Session::unmount() {
  if (se_ && mounted_) {
    // libfuse would lazily unmount whatever is on the path now: after a live upgrade that is
    // the new instance. Closing the session is enough for a mount that is no longer ours.
    const std::string top = top_mount_dev(mountpoint_);
    if (!mount_dev_.empty() && top == mount_dev_) fuse_session_unmount(se_);
    else if (!top.empty())
      syslog(LOG_NOTICE, "%s is now another mount (a newer instance?); leaving it", mountpoint_.c_str());
    mounted_ = false;
  }
}

void Session::destroy() {
  if (!se_) return;
  unmount();
  fuse_session* se;
  {
    std::lock_guard lk(se_mu_);
    se = se_.exchange(nullptr);
  }
  fuse_session_destroy(se);
}

}  // namespace mfs::bridge
