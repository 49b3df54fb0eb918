// Requests answered by their deadline, for the stats dump: the FUSE bridge's watchdog counts,
// the coordinator's render reads. Process-wide: one daemon serves one pool.
#pragma once
#include <atomic>
#include <cstdint>

namespace mfs::msg {

struct RequestFigures {
  std::atomic<uint64_t> deadline_eio{0};    // answered EIO: the op needed a late branch
  std::atomic<uint64_t> deadline_rerun{0};  // run again without the late branch
};
RequestFigures& request_figures();

}  // namespace mfs::msg
