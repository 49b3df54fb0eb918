// How an open reaches a branch: flags adjusted for the config, the handle object, and the
// page-cache mode the kernel is told (cache.files, FEATURES.md §4.12).
#pragma once
#include "fuse-bridge/bridge.hpp"

namespace mfs {
namespace config {
struct Config;
}
namespace bridge {

// Flags for the branch's open(): O_CREAT/O_EXCL/O_NOCTTY handled by the caller; with
// cache.writeback the kernel may read a write-only file, so O_WRONLY becomes O_RDWR and
// O_APPEND is dropped (the kernel supplies offsets).
int branch_open_flags(const config::Config& cfg, int flags);
// Wraps `fd` in a handle and sets fi's cache flags.
std::unique_ptr<FileHandle> new_file_handle(fuse_req_t req, int fd, const BranchSlot& br,
                                            const config::Config& cfg, fuse_file_info* fi);

}  // namespace bridge
}  // namespace mfs
