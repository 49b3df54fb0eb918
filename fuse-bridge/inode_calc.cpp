// A 64-bit hash (wyhash-style mixing) and the seven inodecalc modes.
#include "fuse-bridge/inode_calc.hpp"

#include <cstring>

namespace mfs::bridge {
namespace {

uint64_t mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

uint64_t fold32(uint64_t h) {
  h ^= h >> 32;
  h *= 0x9E3779B9ULL;
  return h & 0xffffffffULL;
}

constexpr uint64_t kP0 = 0xa0761d6478bd642fULL;
constexpr uint64_t kP1 = 0xe7037ed1a0b428dbULL;

}  // namespace

uint64_t hash64(std::string_view data, uint64_t seed) {
  uint64_t h = seed ^ kP0 ^ data.size();
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, data.data() + i, 8);
    h = mix(h ^ w, kP1);
  }
  uint64_t tail = 0;
  if (i < data.size()) std::memcpy(&tail, data.data() + i, data.size() - i);
  h = mix(h ^ tail, kP1 ^ data.size());
  return mix(h, kP0);
}

uint64_t calc_ino(InodeMode mode, std::string_view branch_path, std::string_view fusepath,
                  ino_t branch_ino, bool is_dir) {
  auto devino = [&] {
    uint64_t ino = branch_ino;
    return hash64(std::string_view(reinterpret_cast<const char*>(&ino), sizeof ino),
                  hash64(branch_path));
  };
  switch (mode) {
    case InodeMode::passthrough: return branch_ino;
    case InodeMode::path_hash: return hash64(fusepath);
    case InodeMode::path_hash32: return fold32(hash64(fusepath));
    case InodeMode::devino_hash: return devino();
    case InodeMode::devino_hash32: return fold32(devino());
    case InodeMode::hybrid_hash: return is_dir ? hash64(fusepath) : devino();
    case InodeMode::hybrid_hash32: return fold32(is_dir ? hash64(fusepath) : devino());
  }
  return branch_ino;
}

}  // namespace mfs::bridge
