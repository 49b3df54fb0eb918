// Shared by the fuzz targets: which inputs are worth running.
#pragma once
#include <algorithm>
#include <string_view>

namespace mfs::fuzz {

// Branch paths are glob(3) patterns expanded against the real filesystem (as mergerfs does):
// "/*/*/*/*" walks the whole machine and brace groups multiply, which is libc doing what it
// was asked, not a parser bug. Inputs with more than two wildcards or four brace groups are
// skipped so every run stays fast and does not depend on the host's tree.
inline bool expands_too_much(std::string_view in) {
  auto n = [&](char c) { return std::count(in.begin(), in.end(), c); };
  return n('*') + n('?') + n('[') > 2 || n('{') > 4;
}

}  // namespace mfs::fuzz
