// Pure result aggregators for fan-out operations (§4.4/§4.5/§9) and the policy error precedence.
#pragma once
#include <cerrno>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace mfs::policy {

// Errors are -errno. Precedence EROFS > ENOSPC > (any other) > ENOENT; 0 means "no error yet" and loses to
// anything. Equal ranks keep `a`, so feeding results in order keeps the first of a rank.
int merge_errno(int a, int b);

// unlink, mkdir/mknod/symlink fan-out: 0 if any branch succeeded, else the first error.
class ErrAny {
 public:
  explicit ErrAny(int none = -ENOENT) : none_(none) {}
  void add(int err);  // 0 or -errno
  int result() const { return seen_ ? err_ : none_; }

 private:
  int none_;
  int err_ = 0;
  bool seen_ = false;
};

// rmdir fan-out: ENOTEMPTY/EEXIST from any branch sticks (successes elsewhere are not rolled
// back), else any success gives 0, else the first error.
class RmdirErr {
 public:
  explicit RmdirErr(int none = -ENOENT) : none_(none) {}
  void add(int err);
  int result() const { return seen_ ? err_ : none_; }

 private:
  int none_;
  int err_ = 0;
  bool seen_ = false;
  bool sticky_ = false;
};

// chmod/chown/utimens/truncate/setxattr/removexattr (§4.5): results are (branch, 0 or -errno)
// pairs.
// No errors -> 0; no successes -> the first error; mixed -> the result on the branch the
// related search policy picks, or ENOENT if that branch was not acted on (or search found none).
int resolve_mixed(const std::vector<std::pair<size_t, int>>& results, std::optional<size_t> search_branch);

}  // namespace mfs::policy
