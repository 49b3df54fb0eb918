// libFuzzer target: branch instructions (config::apply_branch_instruction). Any input must give
// 0 or -errno; on an error the result and the notices are untouched (the parser is atomic), and
// a successful result serializes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/branch_spec.hpp"
#include "tests/fuzz/fuzz_input.hpp"

using mfs::config::BranchSpec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (mfs::fuzz::expands_too_much(std::string_view(reinterpret_cast<const char*>(data), size))) return -1;
  const std::vector<BranchSpec> current = {{"/nonexistent/a", mfs::BranchMode::RW, std::nullopt},
                                           {"/nonexistent/b", mfs::BranchMode::RO, 1024}};
  const std::vector<BranchSpec> sentinel = {{"/sentinel", mfs::BranchMode::NC, 1}};
  std::vector<BranchSpec> out = sentinel;
  std::string error;
  std::vector<std::string> notices = {"sentinel"};
  int r = mfs::config::apply_branch_instruction(
      current, std::string_view(reinterpret_cast<const char*>(data), size), out, error, notices, 0);
  if (r > 0) std::abort();
  if (r < 0 && (out != sentinel || notices != std::vector<std::string>{"sentinel"})) std::abort();
  if (r == 0) (void)mfs::config::serialize_branches(out);
  return 0;
}
