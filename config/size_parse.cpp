// Scalar option values: booleans, integers, seconds and SIZE strings.
#include "config/size_parse.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <limits>

namespace mfs::config {

std::optional<bool> parse_bool(std::string_view s) {
  if (s == "true" || s == "t" || s == "1" || s == "on" || s == "yes") return true;
  if (s == "false" || s == "f" || s == "0" || s == "off" || s == "no") return false;
  return std::nullopt;
}

int parse_uint64(std::string_view s, uint64_t& out) {
  if (s.empty()) return -EINVAL;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -EINVAL;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return -EOVERFLOW;
    v = v * 10 + d;
  }
  out = v;
  return 0;
}

int parse_int64(std::string_view s, int64_t& out) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  uint64_t magnitude = 0;
  if (int rv = parse_uint64(s, magnitude); rv != 0) return rv;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (magnitude > limit) return -EOVERFLOW;
  out = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return 0;
}

int parse_size(std::string_view s, uint64_t& out) {
  if (s.empty()) return -EINVAL;
  unsigned shift = 0;
  switch (s.back()) {
    case 'b': case 'B': shift = 0; break;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: shift = 64; break;  // no suffix
  }
  if (shift != 64) s.remove_suffix(1);
  else shift = 0;
  uint64_t v = 0;
  if (int rv = parse_uint64(s, v); rv != 0) return rv;
  if (shift != 0 && v > (std::numeric_limits<uint64_t>::max() >> shift)) return -EOVERFLOW;
  out = v << shift;
  return 0;
}

std::string humanize_size(uint64_t bytes) {
  static constexpr struct { unsigned shift; char suffix; } kUnits[] = {
      {40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
  if (bytes != 0)
    for (const auto& u : kUnits) {
      const uint64_t unit = uint64_t{1} << u.shift;
      if (bytes % unit == 0) return std::to_string(bytes / unit) + u.suffix;
    }
  return std::to_string(bytes);
}

int parse_seconds(std::string_view s, double& out) {
  if (s.empty() || s.size() > 64) return -EINVAL;
  bool dot = false, digit = false;
  for (char c : s) {
    if (c == '.' && !dot) dot = true;
    else if (c >= '0' && c <= '9') digit = true;
    else return -EINVAL;
  }
  if (!digit) return -EINVAL;
  double v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || !std::isfinite(v)) return -EINVAL;
  out = v;
  return 0;
}

std::string format_seconds(double seconds) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, seconds, std::chars_format::fixed);
  if (res.ec != std::errc()) return std::to_string(seconds);
  return std::string(buf, res.ptr);
}

}  // namespace mfs::config
