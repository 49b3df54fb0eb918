// readahead=KiB: set on the pool's own backing device (the FUSE connection's bdi) and on each
// branch's device, once after the mount, as mergerfs does from its init thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mfs::bridge {

// Best effort: a device without a bdi entry (tmpfs) is skipped. Logs what it changed. Runs on
// its own detached thread once the mount answers: the kernel sets the pool's readahead from
// INIT's max_readahead when INIT is answered, which would undo an earlier setting.
void apply_readahead_after_init(const std::string& mountpoint,
                                const std::vector<std::string>& branches, uint64_t kib);

}  // namespace mfs::bridge
