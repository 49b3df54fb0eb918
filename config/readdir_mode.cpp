// The `func.readdir` value: seq, cosr[:N[:M]] or cor[:N[:M]].
#include "config/readdir_mode.hpp"

#include <limits>

#include "config/size_parse.hpp"

namespace mfs::config {
namespace {

bool parse_count(std::string_view s, uint32_t& out) {
  uint64_t v = 0;
  if (parse_uint64(s, v) != 0 || v > std::numeric_limits<uint32_t>::max()) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

std::optional<ReaddirMode> parse_readdir_mode(std::string_view s) {
  ReaddirMode m;
  if (s == "seq") return m;
  const size_t colon = s.find(':');
  const std::string_view kind = s.substr(0, colon);
  if (kind == "cosr") m.kind = ReaddirMode::Kind::cosr;
  else if (kind == "cor") m.kind = ReaddirMode::Kind::cor;
  else return std::nullopt;
  if (colon == std::string_view::npos) return m;
  std::string_view rest = s.substr(colon + 1);
  const size_t colon2 = rest.find(':');
  if (!parse_count(rest.substr(0, colon2), m.threads)) return std::nullopt;
  if (colon2 != std::string_view::npos && !parse_count(rest.substr(colon2 + 1), m.queue_depth))
    return std::nullopt;
  return m;
}

std::string to_string(const ReaddirMode& m) {
  if (m.kind == ReaddirMode::Kind::seq) return "seq";
  std::string s = m.kind == ReaddirMode::Kind::cosr ? "cosr" : "cor";
  if (m.threads != 0 || m.queue_depth != 0) s += ":" + std::to_string(m.threads);
  if (m.queue_depth != 0) s += ":" + std::to_string(m.queue_depth);
  return s;
}

}  // namespace mfs::config
