// readahead=KiB: set on the pool's own backing device (the FUSE connection's bdi) and on each
// branch's device, once after the mount, as mergerfs does from its init thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mfs::bridge {

// Best effort: a device without a bdi entry (tmpfs) is skipped. Logs what it changed.
void apply_readahead(const std::string& mountpoint, const std::vector<std::string>& branches,
                     uint64_t kib);

}  // namespace mfs::bridge
