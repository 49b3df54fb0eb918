// The `func.readdir` value: seq, cosr[:N[:M]] or cor[:N[:M]].
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mfs::config {

struct ReaddirMode {
  enum class Kind : uint8_t { seq, cosr, cor };
  Kind kind = Kind::seq;
  uint32_t threads = 0;      // N; 0 means min(hw threads, 8)
  uint32_t queue_depth = 0;  // M; 0 means 2
  bool operator==(const ReaddirMode& o) const {
    return kind == o.kind && threads == o.threads && queue_depth == o.queue_depth;
  }
  bool operator!=(const ReaddirMode& o) const { return !(*this == o); }
};

// Digits only for N and M (mergerfs's regex rejects a negative N despite its docs).
std::optional<ReaddirMode> parse_readdir_mode(std::string_view s);
// The shortest spelling that parses back to `m`: "seq", "cosr", "cor:4", "cosr:0:2".
std::string to_string(const ReaddirMode& m);

}  // namespace mfs::config
