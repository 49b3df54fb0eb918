// The option table: one row per key, with its value type, default, access and binding.
#include <unistd.h>

#include <cerrno>
#include <string>

#include "config/config.hpp"
#include "config/option_bindings.hpp"
#include "config/readdir_mode.hpp"
#include "config/strings.hpp"

#ifndef MERGERFS_VERSION
#define MERGERFS_VERSION "unknown"
#endif

namespace mfs::config {
namespace {

using binding::Binding;
using policy::Category;
using policy::Func;
using policy::PolicyId;

enum Flags : unsigned { kRW = 0, kRO = 1, kHidden = 2 };

OptionDef row(std::string name, ValueType type, std::string values, std::string def,
              unsigned flags, std::string effect, std::string example, Binding b) {
  OptionDef d;
  d.name = std::move(name);
  d.type = type;
  d.values = std::move(values);
  d.default_value = std::move(def);
  d.read_only = (flags & kRO) != 0;
  d.hidden = (flags & kHidden) != 0;
  d.effect = std::move(effect);
  d.example = std::move(example);
  d.set = std::move(b.set);
  d.get = std::move(b.get);
  return d;
}

OptionDef with_aliases(OptionDef d, std::vector<std::string> aliases) {
  d.aliases = std::move(aliases);
  return d;
}

std::string policy_choices() {
  std::string s;
  for (size_t i = 0; i < policy::kPolicyCount; ++i) {
    if (!s.empty()) s += '|';
    s += to_string(static_cast<PolicyId>(i));
  }
  return s;
}

Binding branches_binding() {
  return {[](Config& c, std::string_view v, SetReport& r) {
            // The deadline in force when the branches are parsed: a branch-deadline given
            // after them on the command line does not apply to them.
            return apply_branch_instruction(c.branches, v, c.branches, r.error, r.notices,
                                            c.branch_deadline);
          },
          [](const Config& c) { return serialize_branches(c.branches); }};
}

Binding moveonenospc_binding() {
  return {[](Config& c, std::string_view v, SetReport&) {
            if (const std::optional<bool> b = parse_bool(v)) {
              c.moveonenospc = *b ? MoveOnEnospc{true, PolicyId::pfrd}
                                  : MoveOnEnospc{false, c.moveonenospc.policy};
              return 0;
            }
            const std::optional<PolicyId> p = policy::parse_policy(v);
            if (!p) return -EINVAL;
            c.moveonenospc = MoveOnEnospc{true, *p};
            return 0;
          },
          [](const Config& c) {
            return c.moveonenospc.enabled ? std::string(to_string(c.moveonenospc.policy))
                                          : std::string("false");
          }};
}

Binding func_binding(Func fn) {
  const auto i = static_cast<size_t>(fn);
  return {[i](Config& c, std::string_view v, SetReport&) {
            const std::optional<PolicyId> p = policy::parse_policy(v);
            if (!p) return -EINVAL;
            c.func[i] = *p;
            return 0;
          },
          [i](const Config& c) { return std::string(to_string(c.func[i])); }};
}

// Reading a category back lists the distinct policies of its functions, in function order.
Binding category_binding(Category cat) {
  return {[cat](Config& c, std::string_view v, SetReport&) {
            const std::optional<PolicyId> p = policy::parse_policy(v);
            if (!p) return -EINVAL;
            for (size_t i = 0; i < policy::kFuncCount; ++i)
              if (policy::category_of(static_cast<Func>(i)) == cat) c.func[i] = *p;
            return 0;
          },
          [cat](const Config& c) {
            std::string s;
            std::vector<PolicyId> seen;
            for (size_t i = 0; i < policy::kFuncCount; ++i) {
              if (policy::category_of(static_cast<Func>(i)) != cat) continue;
              bool dup = false;
              for (PolicyId p : seen) dup = dup || p == c.func[i];
              if (dup) continue;
              seen.push_back(c.func[i]);
              if (!s.empty()) s += ',';
              s += to_string(c.func[i]);
            }
            return s;
          }};
}

Binding readdir_binding() {
  return {[](Config& c, std::string_view v, SetReport&) {
            const std::optional<ReaddirMode> m = parse_readdir_mode(v);
            if (!m) return -EINVAL;
            c.func_readdir = *m;
            return 0;
          },
          [](const Config& c) { return to_string(c.func_readdir); }};
}

// '|'-joined names, kept as a list; an empty value is an empty list.
Binding name_list_binding(std::vector<std::string> Config::*f) {
  return {[f](Config& c, std::string_view v, SetReport&) {
            c.*f = v.empty() ? std::vector<std::string>{} : split_list(v, '|');
            return 0;
          },
          [f](const Config& c) { return join_list(c.*f, '|'); }};
}

// The noforget family: a bare key means true, and old integer forms count as true when non-zero.
Binding never_forget_binding() {
  return {[](Config& c, std::string_view v, SetReport&) {
            if (v.empty()) {
              c.never_forget_nodes = true;
              return 0;
            }
            if (const std::optional<bool> b = parse_bool(v)) {
              c.never_forget_nodes = *b;
              return 0;
            }
            int64_t n = 0;
            if (parse_int64(v, n) != 0) return -EINVAL;
            c.never_forget_nodes = n != 0;
            return 0;
          },
          [](const Config& c) { return std::string(c.never_forget_nodes ? "true" : "false"); }};
}

// A bare number is a page count; a number with a unit suffix is bytes rounded up to pages.
Binding fuse_msg_size_binding() {
  return {[](Config& c, std::string_view v, SetReport&) {
            uint64_t pages = 0;
            if (int rv = parse_uint64(v, pages); rv == -EOVERFLOW) {
              pages = UINT64_MAX;
            } else if (rv != 0) {
              uint64_t bytes = 0;
              if (int srv = parse_size(v, bytes); srv != 0) return srv;
              const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
              pages = bytes / page + (bytes % page != 0);
            }
            if (pages < 1) pages = 1;
            if (pages > 65535) pages = 65535;
            c.fuse_msg_size = static_cast<uint32_t>(pages);
            return 0;
          },
          [](const Config& c) { return std::to_string(c.fuse_msg_size); }};
}

// mergerfs ignores a bad pin-threads value with a warning instead of failing the mount.
Binding pin_threads_binding() {
  return {[](Config& c, std::string_view v, SetReport& r) {
            if (v.empty()) {
              c.pin_threads = PinThreads::unset;
              return 0;
            }
            if (const std::optional<PinThreads> p = parse_enum<PinThreads>(v)) {
              c.pin_threads = *p;
              return 0;
            }
            r.notices.push_back("pin-threads: invalid value '" + std::string(v) + "' ignored");
            return 0;
          },
          [](const Config& c) { return std::string(enum_name(c.pin_threads)); }};
}

Binding fsname_binding() {
  return {[](Config& c, std::string_view v, SetReport&) {
            c.fsname = std::string(v);
            return 0;
          },
          [](const Config& c) { return effective_fsname(c); }};
}

Binding srcmounts_binding() {
  return {[](Config&, std::string_view, SetReport&) { return 0; },
          [](const Config& c) { return join_branch_paths(c.branches); }};
}

// A percentage, 0..100, written like seconds ("2", "0.5").
Binding percent(double Config::*f) {
  return {[f](Config& c, std::string_view v, SetReport&) {
            double x = 0;
            if (int rv = parse_seconds(v, x); rv != 0) return rv;
            if (x < 0 || x > 100) return -EINVAL;
            c.*f = x;
            return 0;
          },
          [f](const Config& c) { return format_seconds(c.*f); }};
}

Binding info_binding(std::function<std::string()> value) {
  return {nullptr, [value = std::move(value)](const Config&) { return value(); }};
}

OptionDef noop(std::string name, std::string replacement) {
  std::string effect = "No-op, accepted for old fstabs.";
  if (!replacement.empty()) effect += " Use " + replacement + ".";
  OptionDef d = row(std::move(name), ValueType::noop, "anything", "", kHidden, std::move(effect),
                    "", {});
  d.replacement = std::move(replacement);
  return d;
}

std::vector<OptionDef> build_table() {
  using binding::boolean;
  using binding::choice;
  using binding::integer;
  using binding::seconds;
  using binding::size;
  using binding::text;
  using binding::unsigned64;
  const std::string BOOL = "true|false";
  std::vector<OptionDef> t;

  t.push_back(row("branches", ValueType::branches, "GLOB[=RW|RO|NC[,SIZE]] joined by ':'", "", kRW,
                  "Pooled paths; at runtime takes instructions (=, +, +<, +>, -, -<, ->).",
                  "/nonexistent-mfs-example=NC,1G", branches_binding()));
  t.push_back(with_aliases(
      row("mountpoint", ValueType::path, "path", "", kRO, "Mount target.", "/mnt/pool",
          text(&Config::mountpoint, false)),
      {"mount"}));
  t.push_back(row("config", ValueType::directive, "path", "", kRO | kHidden,
                  "Reads more options from a file, one key=value per line; nests up to 5 deep.",
                  "", {}));
  t.push_back(row("minfreespace", ValueType::size, "SIZE", "4294967295", kRW,
                  "Default free-space floor per branch for create policies.", "1073741824",
                  size(&Config::minfreespace)));
  t.push_back(row("moveonenospc", ValueType::policy, "BOOL or policy", "pfrd", kRW,
                  "On ENOSPC/EDQUOT during write, move the file to a branch the policy picks "
                  "and retry; other requests keep flowing.",
                  "mfs", moveonenospc_binding()));
  t.push_back(row("inodecalc", ValueType::choice, enum_choices<InodeCalc>(), "hybrid-hash", kRW,
                  "How st_ino and d_ino are derived.", "path-hash", choice(&Config::inodecalc)));
  for (size_t i = 0; i < policy::kFuncCount; ++i) {
    const auto fn = static_cast<Func>(i);
    const std::string name(to_string(fn));
    t.push_back(row("func." + name, ValueType::policy, policy_choices(),
                    std::string(to_string(policy::default_policy(policy::category_of(fn)))), kRW,
                    "Policy that picks branches for " + name + ".", "rand", func_binding(fn)));
  }
  t.push_back(row("func.readdir", ValueType::text, "seq|cosr[:N[:M]]|cor[:N[:M]]", "seq", kRW,
                  "How directories are read: sequentially, or opened/read concurrently.",
                  "cosr:4:2", readdir_binding()));
  for (Category cat : {Category::action, Category::create, Category::search}) {
    const std::string name(to_string(cat));
    t.push_back(row("category." + name, ValueType::policy, policy_choices(),
                    std::string(to_string(policy::default_policy(cat))), kRW,
                    "Sets every " + name + " function; reads back the distinct policies in use.",
                    "rand", category_binding(cat)));
  }
  t.push_back(row("ignorepponrename", ValueType::boolean, BOOL, "false", kRW,
                  "rename/link always use the non-path-preserving algorithm.", "true",
                  boolean(&Config::ignorepponrename)));
  t.push_back(row("link-exdev", ValueType::choice, enum_choices<LinkExdev>(), "passthrough", kRW,
                  "Fallback when link returns EXDEV.", "rel-symlink", choice(&Config::link_exdev)));
  t.push_back(row("rename-exdev", ValueType::choice, enum_choices<RenameExdev>(), "passthrough",
                  kRW, "Fallback when rename returns EXDEV.", "abs-symlink",
                  choice(&Config::rename_exdev)));
  t.push_back(row("link-cow", ValueType::boolean, BOOL, "false", kRW,
                  "Opening a hard-linked file for write first breaks the link with a copy.",
                  "true", boolean(&Config::link_cow)));
  t.push_back(row("symlinkify", ValueType::boolean, BOOL, "false", kRW,
                  "Old read-only files are shown as symlinks to their branch path.", "true",
                  boolean(&Config::symlinkify)));
  t.push_back(row("symlinkify-timeout", ValueType::integer, "seconds (signed 64-bit)", "3600", kRW,
                  "Age after which symlinkify applies.", "60",
                  integer(&Config::symlinkify_timeout, INT64_MIN, INT64_MAX)));
  t.push_back(row("follow-symlinks", ValueType::choice, enum_choices<FollowSymlinks>(), "never",
                  kRW, "getattr reports a symlink target's attributes for these target types.",
                  "all", choice(&Config::follow_symlinks)));
  t.push_back(row("nfsopenhack", ValueType::choice, enum_choices<NfsOpenHack>(), "off", kRW,
                  "Retry an EACCES open-for-write of an empty read-only file with u+w,g+w.", "git",
                  choice(&Config::nfsopenhack)));
  t.push_back(row("statfs", ValueType::choice, enum_choices<StatfsMode>(), "base", kRW,
                  "statfs sums every branch root (base) or only branches holding the path (full).",
                  "full", choice(&Config::statfs)));
  t.push_back(row("statfs-ignore", ValueType::choice, enum_choices<StatfsIgnore>(), "none", kRW,
                  "Report zero free space for RO/NC branches (ro) or NC branches only (nc).", "ro",
                  choice(&Config::statfs_ignore)));
  t.push_back(row("xattr", ValueType::choice, enum_choices<XattrMode>(), "passthrough", kRW,
                  "noattr: xattr calls give ENOATTR; nosys: ENOSYS, which the kernel caches.",
                  "noattr", choice(&Config::xattr)));
  t.push_back(row("security-capability", ValueType::boolean, BOOL, "true", kRW,
                  "false: security.capability get/set returns ENOATTR without touching branches.",
                  "false", boolean(&Config::security_capability)));
  t.push_back(row("posix-acl", ValueType::boolean, BOOL, "false", kRO,
                  "Requests FUSE_CAP_POSIX_ACL.", "true", boolean(&Config::posix_acl)));
  t.push_back(with_aliases(
      row("never-forget-nodes", ValueType::boolean, "BOOL or integer; bare key means true", "false",
          kRO, "Keep FUSE nodes until unlink/rmdir/replace (needed for NFS export).", "true",
          never_forget_binding()),
      {"noforget", "remember", "remember-nodes"}));
  t.push_back(row("export-support", ValueType::boolean, BOOL, "true", kRO,
                  "Requests FUSE_CAP_EXPORT_SUPPORT.", "false", boolean(&Config::export_support)));
  t.push_back(row("kernel-permissions-check", ValueType::boolean, BOOL, "true", kRO,
                  "Adds the default_permissions mount option: the kernel checks permissions.",
                  "false", boolean(&Config::kernel_permissions_check)));
  t.push_back(row("allow-idmap", ValueType::boolean, BOOL, "true", kRO,
                  "Accepted for compatibility; has no effect: libfuse 3.14 has no FUSE_CAP_ALLOW_IDMAP, "
                  "so the pool cannot be mounted idmapped.", "false",
                  boolean(&Config::allow_idmap)));
  t.push_back(row("handle-killpriv", ValueType::boolean, BOOL, "true", kRO,
                  "Accepted for compatibility; has no effect: INIT always turns "
                  "FUSE_CAP_HANDLE_KILLPRIV off and the daemon clears set-user-ID/set-group-ID "
                  "bits itself on write and truncate by a non-owner.",
                  "false", boolean(&Config::handle_killpriv)));
  t.push_back(row("handle-killpriv-v2", ValueType::boolean, BOOL, "true", kRO,
                  "Accepted for compatibility; has no effect: libfuse 3.14 has no "
                  "FUSE_CAP_HANDLE_KILLPRIV_V2 (set-ID bits as for handle-killpriv).", "false",
                  boolean(&Config::handle_killpriv_v2)));
  t.push_back(row("lazy-umount-mountpoint", ValueType::boolean, BOOL, "false", kRW,
                  "Lazily unmount whatever is on the mountpoint before mounting (live upgrade).",
                  "true", boolean(&Config::lazy_umount_mountpoint)));
  t.push_back(row("branches-mount-timeout", ValueType::integer, "seconds", "0", kRO,
                  "At startup, wait up to this long for branches to look mounted.", "30",
                  unsigned64(&Config::branches_mount_timeout)));
  t.push_back(row("branches-mount-timeout-fail", ValueType::boolean, BOOL, "false", kRO,
                  "Exit if the branch wait times out.", "true",
                  boolean(&Config::branches_mount_timeout_fail)));
  t.push_back(row("nullrw", ValueType::boolean, BOOL, "false", kRO,
                  "read/write do nothing and return the requested size (benchmarking).", "true",
                  boolean(&Config::nullrw)));
  t.push_back(row("dropcacheonclose", ValueType::boolean, BOOL, "false", kRW,
                  "On release, posix_fadvise(DONTNEED) the underlying file.", "true",
                  boolean(&Config::dropcacheonclose)));
  t.push_back(row("direct-io-allow-mmap", ValueType::boolean, BOOL, "true", kRO,
                  "Accepted for compatibility; has no effect: libfuse 3.14 cannot request "
                  "FUSE_DIRECT_IO_ALLOW_MMAP. Shared mmap works anyway: cache.files=off opens "
                  "through the page cache, dropped at each open (as cache.files=partial).",
                  "false", boolean(&Config::direct_io_allow_mmap)));
  t.push_back(row("async-read", ValueType::boolean, BOOL, "true", kRO,
                  "Requests FUSE_CAP_ASYNC_READ.", "false", boolean(&Config::async_read)));
  t.push_back(row("fuse-msg-size", ValueType::pagesize, "pages, or SIZE rounded up to pages", "256",
                  kRO, "FUSE max_pages, clamped to 1..65535.", "1024", fuse_msg_size_binding()));
  t.push_back(row("readahead", ValueType::integer, "KiB", "0", kRW,
                  "Readahead set on the mount and on each branch's device after init; 0 = leave.",
                  "1024", unsigned64(&Config::readahead)));
  t.push_back(row("flush-on-close", ValueType::choice, enum_choices<FlushOnClose>(),
                  "opened-for-write", kRW, "When the kernel sends FLUSH on close (noflush otherwise).",
                  "always", choice(&Config::flush_on_close)));
  t.push_back(row("parallel-direct-writes", ValueType::boolean, BOOL, "true", kRW,
                  "Accepted for compatibility; has no effect: libfuse 3.14 cannot set "
                  "FOPEN_PARALLEL_DIRECT_WRITES (no such open flag), and pool files are never "
                  "opened direct-io.", "false",
                  boolean(&Config::parallel_direct_writes)));
  t.push_back(with_aliases(
      row("passthrough.io", ValueType::choice, enum_choices<PassthroughIo>(), "off", kRW,
          "FUSE passthrough by open access mode; libfuse 3.14 lacks it, so it stays off here.", "rw",
          choice(&Config::passthrough_io)),
      {"passthrough"}));
  t.push_back(row("passthrough.max-stack-depth", ValueType::integer, "1|2", "1", kRO,
                  "Accepted for compatibility; has no effect: passthrough.io stays off (libfuse 3.14).", "2",
                  integer(&Config::passthrough_max_stack_depth, 1, 2)));
  t.push_back(row("proxy-ioprio", ValueType::boolean, BOOL, "false", kRW,
                  "Accepted for compatibility; has no effect: read and write run at the daemon's "
                  "I/O priority, never the caller's.", "true",
                  boolean(&Config::proxy_ioprio)));
  t.push_back(row("scheduling-priority", ValueType::integer, "-20..19", "-10", kRO,
                  "setpriority() applied to every daemon thread.", "5",
                  integer(&Config::scheduling_priority, -20, 19)));
  t.push_back(with_aliases(
      row("read-thread-count", ValueType::integer, "integer", "0", kRO,
          "Most FUSE worker threads (libfuse max_threads, started on demand); 0 or less: 16 plus 8 per "
          "branch, so branches that hang (each holds at most 8) never take every worker.", "4",
          integer(&Config::read_thread_count, INT32_MIN, INT32_MAX)),
      {"threads"}));
  t.push_back(row("process-thread-count", ValueType::integer, "integer", "-1", kRO,
                  "Accepted for compatibility; has no effect: FUSE workers process their own requests "
                  "(branch actors replace the process pool).", "2",
                  integer(&Config::process_thread_count, INT32_MIN, INT32_MAX)));
  t.push_back(row("process-thread-queue-depth", ValueType::integer, "unsigned integer", "2", kRO,
                  "Accepted for compatibility; has no effect: there is no process-thread queue.", "8",
                  integer(&Config::process_thread_queue_depth, 0, UINT32_MAX)));
  t.push_back(row("pin-threads", ValueType::choice, enum_choices<PinThreads>(), "false", kRO,
                  "Accepted for compatibility; has no effect: no thread is pinned. An invalid value is "
                  "ignored with a warning.", "R1L",
                  pin_threads_binding()));
  t.push_back(row("cache.files", ValueType::choice, enum_choices<CacheFiles>(), "off", kRW,
                  "Page-cache mode of opened files.", "auto-full", choice(&Config::cache_files)));
  t.push_back(row("cache.files.process-names", ValueType::text, "names joined by '|'",
                  "rtorrent|qbittorrent-nox", kRW,
                  "Process names that get page caching in per-process mode.", "plex|jellyfin",
                  name_list_binding(&Config::cache_files_process_names)));
  t.push_back(row("cache.attr", ValueType::seconds, "seconds", "1", kRW,
                  "Kernel attribute cache TTL.", "0.5", seconds(&Config::cache_attr)));
  t.push_back(row("cache.entry", ValueType::seconds, "seconds", "1", kRW,
                  "Kernel dentry cache TTL.", "2", seconds(&Config::cache_entry)));
  t.push_back(row("cache.negative-entry", ValueType::seconds, "seconds", "0", kRW,
                  "Kernel negative dentry TTL (mergerfs code default 0; its cache.md says 1).", "1",
                  seconds(&Config::cache_negative_entry)));
  t.push_back(row("cache.statfs", ValueType::integer, "seconds", "0", kRW,
                  "TTL of the per-branch statvfs figures that create policies use.",
                  "10", unsigned64(&Config::cache_statfs)));
  t.push_back(row("cache.symlinks", ValueType::boolean, BOOL, "false", kRO,
                  "Requests FUSE_CAP_CACHE_SYMLINKS.", "true", boolean(&Config::cache_symlinks)));
  t.push_back(row("cache.readdir", ValueType::boolean, BOOL, "false", kRW,
                  "Sets keep_cache and cache_readdir on opendir.", "true",
                  boolean(&Config::cache_readdir)));
  t.push_back(row("cache.writeback", ValueType::boolean, BOOL, "false", kRO,
                  "Requests FUSE_CAP_WRITEBACK_CACHE.", "true", boolean(&Config::cache_writeback)));
  t.push_back(row("cache.branch-entry", ValueType::seconds, "seconds", "1", kRW,
                  "TTL of each branch's existence/stat cache, so searches skip branches known not "
                  "to hold a path; 0 = off. Not in mergerfs.",
                  "0.25", seconds(&Config::cache_branch_entry)));
  t.push_back(row("branch-deadline", ValueType::seconds, "seconds", "5", kRW,
                  "A branch syscall running past this marks the branch slow; 0 = never. Not in "
                  "mergerfs.",
                  "2.5", seconds(&Config::branch_deadline)));
  t.push_back(row("rebalance.threshold", ValueType::seconds, "percent (0-100)", "2", kRW,
                  "cmd.rebalance moves files until percent used of the fullest and emptiest "
                  "branch differ by at most this. Not in mergerfs.",
                  "5", percent(&Config::rebalance_threshold)));
  t.push_back(row("rebalance.include", ValueType::text, "patterns joined by '|'", "", kRW,
                  "Only pool paths matching one of these fnmatch patterns move (empty: all).",
                  "*.mkv|/media/*", text(&Config::rebalance_include, true)));
  t.push_back(row("rebalance.exclude", ValueType::text, "patterns joined by '|'", "", kRW,
                  "Pool paths matching one of these fnmatch patterns never move.", "*.part",
                  text(&Config::rebalance_exclude, true)));
  t.push_back(row("rebalance.min-size", ValueType::size, "SIZE", "0", kRW,
                  "Files smaller than this do not move.", "1048576",
                  size(&Config::rebalance_min_size)));
  t.push_back(row("rebalance.max-size", ValueType::size, "SIZE, 0 = no bound", "0", kRW,
                  "Files larger than this do not move.", "10737418240",
                  size(&Config::rebalance_max_size)));
  t.push_back(row("fsname", ValueType::text, "string", "", kRO,
                  "Name shown by mount and df; default: branch paths minus their common prefix.",
                  "pool", fsname_binding()));
  t.push_back(row("debug", ValueType::boolean, BOOL, "false", kRW,
                  "Trace FUSE messages to log.file.", "true", boolean(&Config::debug)));
  t.push_back(row("log.file", ValueType::path, "path, empty = stderr", "", kRW,
                  "Destination of the debug trace.", "/tmp/mergerfs-trace.log",
                  text(&Config::log_file, true)));
  t.push_back(row("version", ValueType::info, "", MERGERFS_VERSION, kRO,
                  "The daemon's version (read-only).", "",
                  info_binding([] { return std::string(MERGERFS_VERSION); })));
  t.push_back(row("pid", ValueType::info, "", "", kRO, "The daemon's process id (read-only).", "",
                  info_binding([] { return std::to_string(::getpid()); })));
  t.push_back(row("srcmounts", ValueType::text, "", "", kHidden,
                  "Legacy: reads as the branch paths joined by ':'; setting it does nothing.", "",
                  srcmounts_binding()));
  t.push_back(row("uid", ValueType::integer, "uid", "", kRO | kHidden,
                  "Unsupported libfuse override; accepted with a warning.", "1000",
                  binding::id(&Config::uid, false)));
  t.push_back(row("gid", ValueType::integer, "gid", "", kRO | kHidden,
                  "Unsupported libfuse override; accepted with a warning.", "1000",
                  binding::id(&Config::gid, false)));
  t.push_back(row("umask", ValueType::integer, "octal", "", kRO | kHidden,
                  "Unsupported libfuse override; accepted with a warning.", "022",
                  binding::id(&Config::umask, true)));

  t.push_back(noop("atomic-o-trunc", ""));
  t.push_back(noop("auto-cache", "cache.files=auto-full"));
  t.push_back(noop("big-writes", ""));
  t.push_back(noop("cache.open", ""));
  t.push_back(noop("defaults", ""));
  t.push_back(noop("direct-io", "cache.files=off"));
  t.push_back(noop("gid-cache.*", ""));
  t.push_back(noop("hard-remove", ""));
  t.push_back(noop("kernel-cache", "cache.files=full"));
  t.push_back(noop("negative-entry", "cache.negative-entry"));
  t.push_back(noop("no-splice-*", ""));
  t.push_back(noop("nonempty", ""));
  t.push_back(noop("splice-*", ""));
  t.push_back(noop("use-ino", "inodecalc"));
  return t;
}

}  // namespace

const std::vector<OptionDef>& option_table() {
  static const std::vector<OptionDef> table = build_table();
  return table;
}

}  // namespace mfs::config
