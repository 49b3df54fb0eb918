// st_ino / d_ino as mergerfs derives them (inodecalc): stable across remounts, equal in
// readdir and getattr.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <string_view>

namespace mfs::bridge {

enum class InodeMode : uint8_t {
  passthrough, path_hash, path_hash32, devino_hash, devino_hash32, hybrid_hash, hybrid_hash32
};

uint64_t hash64(std::string_view data, uint64_t seed = 0);
// `is_dir` picks the path hash in hybrid modes.
uint64_t calc_ino(InodeMode mode, std::string_view branch_path, std::string_view fusepath,
                  ino_t branch_ino, bool is_dir);

}  // namespace mfs::bridge
