// The option model: the typed Config, the option table that describes every key, and the
// entry points that parse (-o strings, config files, control-file xattrs) and serialize it.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/branch_spec.hpp"
#include "config/option_enums.hpp"
#include "config/readdir_mode.hpp"
#include "policy/policy_id.hpp"

namespace mfs::config {

struct MoveOnEnospc {
  bool enabled = true;
  policy::PolicyId policy = policy::PolicyId::pfrd;
};

using FuncPolicies = std::array<policy::PolicyId, policy::kFuncCount>;
FuncPolicies default_func_policies();  // default_policy(category_of(f)) for every f

// Every key of FEATURES §1.2 with mergerfs 2.42's defaults, plus this project's additions.
struct Config {
  std::vector<BranchSpec> branches;
  std::string mountpoint;
  uint64_t minfreespace = 4294967295ull;
  MoveOnEnospc moveonenospc;
  InodeCalc inodecalc = InodeCalc::hybrid_hash;
  FuncPolicies func = default_func_policies();
  ReaddirMode func_readdir;  // parsed once, when the option is set
  bool ignorepponrename = false;
  LinkExdev link_exdev = LinkExdev::passthrough;
  RenameExdev rename_exdev = RenameExdev::passthrough;
  bool link_cow = false;
  bool symlinkify = false;
  int64_t symlinkify_timeout = 3600;
  FollowSymlinks follow_symlinks = FollowSymlinks::never;
  NfsOpenHack nfsopenhack = NfsOpenHack::off;
  StatfsMode statfs = StatfsMode::base;
  StatfsIgnore statfs_ignore = StatfsIgnore::none;
  XattrMode xattr = XattrMode::passthrough;
  bool security_capability = true;
  bool posix_acl = false;
  bool never_forget_nodes = false;
  bool export_support = true;
  bool kernel_permissions_check = true;
  bool allow_idmap = true;
  bool handle_killpriv = true;
  bool handle_killpriv_v2 = true;
  bool lazy_umount_mountpoint = false;
  uint64_t branches_mount_timeout = 0;  // seconds
  bool branches_mount_timeout_fail = false;
  bool nullrw = false;
  bool dropcacheonclose = false;
  bool direct_io_allow_mmap = true;
  bool async_read = true;
  uint32_t fuse_msg_size = 256;  // pages, 1..65535
  uint64_t readahead = 0;        // KiB
  FlushOnClose flush_on_close = FlushOnClose::opened_for_write;
  bool parallel_direct_writes = true;
  PassthroughIo passthrough_io = PassthroughIo::off;
  int passthrough_max_stack_depth = 1;
  bool proxy_ioprio = false;
  int scheduling_priority = -10;
  int read_thread_count = 0;
  int process_thread_count = -1;
  uint32_t process_thread_queue_depth = 2;
  PinThreads pin_threads = PinThreads::unset;
  CacheFiles cache_files = CacheFiles::off;
  std::vector<std::string> cache_files_process_names = {"rtorrent", "qbittorrent-nox"};  // comm names
  double cache_attr = 1;            // seconds
  double cache_entry = 1;           // seconds
  double cache_negative_entry = 0;  // seconds
  uint64_t cache_statfs = 0;        // seconds
  bool cache_symlinks = false;
  bool cache_readdir = false;
  bool cache_writeback = false;
  double cache_branch_entry = 1;  // seconds; TTL of the per-branch existence/stat cache, 0 = off
  double branch_deadline = 5;     // seconds before a branch syscall marks the branch slow, 0 = never
  // Rebalance (cmd.rebalance): spread of percent used to reach, and which files may move.
  double rebalance_threshold = 2;     // percentage points between fullest and emptiest branch
  std::string rebalance_include;      // fnmatch patterns on the pool path, '|'-joined; empty = all
  std::string rebalance_exclude;      // fnmatch patterns, '|'-joined
  uint64_t rebalance_min_size = 0;    // bytes
  uint64_t rebalance_max_size = 0;    // bytes, 0 = no bound
  std::string fsname;             // empty: default_fsname(branches)
  bool debug = false;
  std::string log_file;  // empty: stderr
  std::optional<uint32_t> uid, gid, umask;
};

enum class ValueType : uint8_t {
  boolean, size, pagesize, integer, seconds, choice, policy, text, path, branches,
  info,       // get only (version, pid)
  noop,       // accepted and ignored
  directive,  // config=PATH: acts at parse time, holds no value
};

// Outcome details of one setter call beyond its return code.
struct SetReport {
  std::vector<std::string> notices;
  std::string error;  // one-line detail when the setter fails, may be empty
};

struct OptionDef {
  using Setter = std::function<int(Config&, std::string_view value, SetReport&)>;
  using Getter = std::function<std::string(const Config&)>;

  std::string name;                  // canonical key; a trailing '*' matches any suffix (no-ops)
  std::vector<std::string> aliases;  // hidden alternative names
  ValueType type = ValueType::text;
  std::string values;         // human description of accepted values
  std::string default_value;  // exactly what get returns on a default Config (empty if dynamic)
  bool read_only = false;     // fixed once mounted: runtime set gives EROFS
  bool hidden = false;        // not listed by listxattr, get/set still work
  std::string effect;         // one line: what the key does in this implementation
  std::string example;        // a valid non-default value, in the form get returns it
  std::string replacement;    // no-ops: the option that replaced it, if any
  Setter set;                 // empty for info and noop keys
  Getter get;                 // empty for keys without a value (noop, directive)

  bool matches(std::string_view normalized_key) const;
};

const std::vector<OptionDef>& option_table();
std::string normalize_key(std::string_view key);        // trim, '_' -> '-'
const OptionDef* find_option(std::string_view key);     // normalises, then name/alias/pattern

struct OptionError {
  std::string reason;  // "invalid value", "no value set", "read-only option", ...
  std::string text;    // the offending token, possibly with a detail in parentheses
};
// "mergerfs: ERROR - <reason> - <text>"
std::string format_error(const OptionError& e);

struct ParseOutcome {
  std::vector<OptionError> errors;
  std::vector<std::string> notices;
  std::vector<std::string> passthrough;  // tokens for libfuse/the kernel, in libfuse spelling
};

// Parses a comma-separated -o string ('\,' escapes a comma). Later options win.
void apply_option_string(Config& cfg, std::string_view opts, ParseOutcome& out);
// One "key=value" or "key" token; `config=PATH` recurses up to depth 5.
void apply_option(Config& cfg, std::string_view token, ParseOutcome& out, int depth = 0);
inline constexpr int kMaxConfigDepth = 5;

// Control-file set: 0, -ENODATA (unknown key; Linux ENOATTR), -EROFS (read-only key) or
// -EINVAL/-EOVERFLOW/-ENOENT (bad value; cfg unchanged). `branches` takes instructions.
int set_runtime(Config& cfg, std::string_view key, std::string_view value,
                std::vector<std::string>& notices);
// Value for getxattr; nullopt for an unknown key or one that holds no value.
std::optional<std::string> get_value(const Config& cfg, std::string_view key);
std::vector<std::string> displayed_keys(const Config& cfg);  // non-hidden keys, table order
std::vector<std::string> dump(const Config& cfg);            // "key=value" per displayed key

// Branch paths with their longest common prefix removed, joined by ':'. A single branch
// keeps its whole path.
std::string default_fsname(const std::vector<BranchSpec>& branches);
// What fsname= the daemon should pass: the configured one or the default.
std::string effective_fsname(const Config& cfg);

// Mount-time checks: branches present, mountpoint set, no branch equal to, inside or
// containing the mountpoint. 0 or -EINVAL with a one-line `error`.
int validate_for_mount(const Config& cfg, std::string& error);
// Mount-time adjustments mergerfs makes (passthrough forces cache.files and writeback) and
// warnings (uid/gid/umask unsupported). Appends a notice per change.
void apply_mount_fixups(Config& cfg, std::vector<std::string>& notices);

}  // namespace mfs::config
