// The coordinator's own figures for the stats dump: counters and rolling latency windows.
// Plain data, no CAF: the coordinator updates them, actors/stats/stats_render.cpp renders them.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace mfs::stats {

// A rolling window of the last latencies (ns), for p50/p99/max in the stats dump.
class LatencyWindow {
 public:
  void add(int64_t ns) {
    v_[next_] = ns;
    next_ = (next_ + 1) % v_.size();
    n_ = std::min(n_ + 1, v_.size());
  }
  // q in [0, 1]; 0 when empty.
  int64_t quantile(double q) const {
    if (!n_) return 0;
    std::array<int64_t, kSize> s{};
    std::copy(v_.begin(), v_.begin() + static_cast<long>(n_), s.begin());
    std::sort(s.begin(), s.begin() + static_cast<long>(n_));
    size_t i = static_cast<size_t>(q * static_cast<double>(n_ - 1) + 0.5);
    return s[std::min(i, n_ - 1)];
  }

 private:
  static constexpr size_t kSize = 128;
  std::array<int64_t, kSize> v_{};
  size_t n_ = 0;
  size_t next_ = 0;
};

struct CoordinatorFigures {
  uint64_t seq = 0;      // render number; the summary and every detail of a render share it
  uint64_t handled = 0;  // coordinator messages handled (writes, ticks, stats answers)
  uint64_t writes = 0;   // control-file writes (sets and commands)
  uint64_t write_errors = 0;
  std::map<int, uint64_t> write_errno;                  // refused writes by errno number
  uint64_t writes_past_deadline = 0;  // config writes answered EIO by branch-deadline
  uint64_t late_results_dropped = 0;  // their blocking half, back after that
  std::map<std::string, LatencyWindow> answer_latency;  // by branch path: stats request -> answer
  LatencyWindow tick_lag;                               // how late the 1 s tick ran
  int64_t last_gather_ns = 0;                           // duration of the last gather

  void note_write_error(int err) {  // err: -errno
    ++write_errors;
    ++write_errno[-err];
  }
};

}  // namespace mfs::stats
