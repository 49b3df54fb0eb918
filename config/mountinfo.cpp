// /proc/self/mountinfo: fields split on spaces, paths decoded.
#include "config/mountinfo.hpp"

#include <fstream>
#include <sstream>
#include <vector>

namespace mfs::config {
namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t start = line.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) break;
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(start, end - start));
    pos = end;
  }
  return out;
}

}  // namespace

std::string unescape_mountinfo(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && is_octal(s[i + 1]) && is_octal(s[i + 2]) &&
        is_octal(s[i + 3])) {
      out.push_back(static_cast<char>(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
std::optional<MountInfoEntry> parse_mountinfo_line(std::string_view line) {
  const std::vector<std::string_view> f = split_fields(line);
  if (f.size() < 5) return std::nullopt;
  MountInfoEntry e;
  e.device = std::string(f[2]);
  e.root = unescape_mountinfo(f[3]);
  e.mountpoint = unescape_mountinfo(f[4]);
  for (size_t i = 5; i < f.size(); ++i) {
    if (f[i] != "-") continue;
    if (i + 1 < f.size()) e.fstype = std::string(f[i + 1]);
    if (i + 2 < f.size()) e.source = unescape_mountinfo(f[i + 2]);
    break;
  }
  return e;
}

std::string top_mount_device(std::string_view mountinfo, std::string_view mountpoint) {
  std::string dev;
  for (size_t pos = 0; pos < mountinfo.size();) {
    size_t end = mountinfo.find('\n', pos);
    if (end == std::string_view::npos) end = mountinfo.size();
    const auto e = parse_mountinfo_line(mountinfo.substr(pos, end - pos));
    if (e && e->mountpoint == mountpoint) dev = e->device;
    pos = end + 1;
  }
  return dev;
}

std::string read_mountinfo() {
  std::ifstream f("/proc/self/mountinfo");
  std::ostringstream text;
  text << f.rdbuf();
  return text.str();
}

}  // namespace mfs::config
