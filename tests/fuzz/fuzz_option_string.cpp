// libFuzzer target: the -o option-string parser (config::apply_option_string) on a default
// Config. Any input must parse to errors/notices, never crash, and leave a config that dumps.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (mfs::fuzz::expands_too_much(std::string_view(reinterpret_cast<const char*>(data), size))) return -1;
  mfs::config::Config cfg;
  mfs::config::ParseOutcome out;
  mfs::config::apply_option_string(cfg, std::string_view(reinterpret_cast<const char*>(data), size), out);
  for (const auto& e : out.errors) (void)mfs::config::format_error(e);
  (void)mfs::config::dump(cfg);
  (void)mfs::config::effective_fsname(cfg);
  return 0;
}
