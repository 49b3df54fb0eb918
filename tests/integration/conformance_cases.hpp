// The conformance table: pjdfstest-style cases generated from set-ups x callers x arguments.
// Each case is a set-up (nodes below a fresh case directory), a caller (root or an unprivileged
// user), a umask, and one syscall run with the case directory as cwd and relative paths, so a
// path near PATH_MAX has the same length on the plain directory and in the pool.
//
// Deviation tags: only the classes DESIGN.md lists under "Where mergerfs is not POSIX".
#pragma once
#include <utility>
#include <vector>

#include "tests/integration/conformance_case.hpp"
#include "tests/integration/conformance_cases_attr.hpp"
#include "tests/integration/conformance_cases_create.hpp"
#include "tests/integration/conformance_cases_remove.hpp"
#include "tests/integration/conformance_gen.hpp"

namespace mfs::test::conformance {
namespace gen {

inline std::vector<Case> all_cases() {
  Table t;
  chmod_cases(t);
  chown_cases(t);
  link_cases(t);
  mkdir_cases(t);
  mkfifo_cases(t);
  mknod_cases(t);
  open_cases(t);
  rename_cases(t);
  rmdir_cases(t);
  symlink_cases(t);
  truncate_cases(t);
  ftruncate_cases(t);
  unlink_cases(t);
  utimensat_cases(t);
  return std::move(t.cases);
}

}  // namespace gen

using gen::all_cases;

}  // namespace mfs::test::conformance
