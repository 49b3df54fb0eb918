// The `func.readdir` value: seq, cosr[:N[:M]] or cor[:N[:M]].
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace mfs::config {

struct ReaddirMode {
  enum class Kind : uint8_t { seq, cosr, cor };
  Kind kind = Kind::seq;
  uint32_t threads = 0;      // N; 0 means min(hw threads, 8)
  uint32_t queue_depth = 0;  // M; 0 means 2
};

// Digits only for N and M (mergerfs's regex rejects a negative N despite its docs).
std::optional<ReaddirMode> parse_readdir_mode(std::string_view s);

}  // namespace mfs::config
