// libFuzzer target: what a setxattr on MOUNT/.mergerfs runs (config::set_runtime, called by the
// coordinator with the key after "user.mergerfs." and the raw value). The input is
// KEY '\0' VALUE. A refused change (-errno) leaves the config exactly as it was; an accepted
// one leaves a config that still dumps.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (mfs::fuzz::expands_too_much(std::string_view(reinterpret_cast<const char*>(data), size))) return -1;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view key = in.substr(0, nul);
  std::string_view value = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);

  static const mfs::config::Config base = [] {
    mfs::config::Config c;
    c.branches = {{"/nonexistent/a", mfs::BranchMode::RW, std::nullopt},
                  {"/nonexistent/b", mfs::BranchMode::RO, 1024}};
    c.mountpoint = "/nonexistent/mnt";
    return c;
  }();
  static const std::vector<std::string> base_dump = mfs::config::dump(base);

  mfs::config::Config cfg = base;
  std::vector<std::string> notices;
  int r = mfs::config::set_runtime(cfg, key, value, notices);
  if (r > 0) std::abort();
  std::vector<std::string> after = mfs::config::dump(cfg);
  if (r < 0 && after != base_dump) std::abort();
  if (r == 0) (void)mfs::config::get_value(cfg, key);
  return 0;
}
