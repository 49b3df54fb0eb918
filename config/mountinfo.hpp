// /proc/self/mountinfo (proc(5)): one parser, which decodes the kernel's \ooo escapes, for
// every reader (the session's own mount, readahead, the tools).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mfs::config {

struct MountInfoEntry {
  std::string device;      // "major:minor"
  std::string root;        // the mounted directory inside its filesystem, decoded
  std::string mountpoint;  // decoded: "/mnt/my pool", not "/mnt/my\040pool"
  std::string fstype;      // after the " - " separator, e.g. "fuse.mergerfs"
  std::string source;      // decoded
};

// The kernel writes space, tab, newline and backslash in paths as \ooo (three octal digits).
std::string unescape_mountinfo(std::string_view s);
// One line; nullopt when it lacks the fields up to the mountpoint.
std::optional<MountInfoEntry> parse_mountinfo_line(std::string_view line);
// The device of the top-most (last listed) mount on `mountpoint` in `mountinfo` (the file's
// whole text), or "" if nothing is mounted there.
std::string top_mount_device(std::string_view mountinfo, std::string_view mountpoint);
// The text of /proc/self/mountinfo ("" if it cannot be read).
std::string read_mountinfo();

}  // namespace mfs::config
