// The clocks every layer reads: monotonic nanoseconds for ages and deadlines, wall-clock
// milliseconds for what is shown to people (stats, journals).
#pragma once
#include <chrono>
#include <cstdint>

namespace mfs {

// std::chrono::steady_clock in nanoseconds: for TTLs, ages, durations.
inline int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Milliseconds since the Unix epoch (std::chrono::system_clock): for timestamps people read.
inline int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mfs
