// What a conformance case is: the DESIGN.md deviation tags, the callers, a set-up node, the
// case itself (set-up, caller, umask, one syscall) and how a path is printed in a report.
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mfs::test::conformance {

// DESIGN.md deviation classes (the only allowed exceptions).
inline const std::string kPathMax = "path-max";                 // paths near PATH_MAX fail
inline const std::string kHardlinkStale = "hardlink-stale";     // another name shows stale attrs
inline const std::string kDirInodeRename = "dir-inode-rename";  // dir inode changes on rename
inline const std::string kLongName = "long-name-errno";         // ENOENT, not ENAMETOOLONG
inline const std::string kSuidWrite = "suid-not-cleared";       // S_ISUID kept on non-owner write

struct Caller {
  std::string name;
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;  // supplementary
};
inline const Caller kRoot{"root", 0, 0, {}};
inline const Caller kNobody{"nobody", 65534, 65534, {}};
inline const Caller kU65533{"u65533", 65533, 65533, {}};
inline const Caller kNobodyG{"nobody+g65533", 65534, 65534, {65533}};

// Owner placeholders resolved against the caller of the case.
constexpr long kCallerId = -2;  // the caller's uid / gid
constexpr long kOtherId = -3;   // the other unprivileged user's (nobody <-> 65533)
constexpr long kKeep = -1;      // chown: unchanged

inline const Caller& other_of(const Caller& c) {
  return c.uid == kNobody.uid ? kU65533 : kNobody;
}
inline uid_t uid_for(long v, const Caller& c) {
  if (v == kCallerId) return c.uid;
  if (v == kOtherId) return other_of(c).uid;
  return static_cast<uid_t>(v);
}
inline gid_t gid_for(long v, const Caller& c) {
  if (v == kCallerId) return c.gid;
  if (v == kOtherId) return other_of(c).gid;
  return static_cast<gid_t>(v);
}

// One node of a set-up: 'd' dir, 'f' file, 'l' symlink (data = target), 'p' fifo, 'c' char
// device 1:3, 'h' hard link (data = existing name).
struct Obj {
  char kind = 'f';
  std::string rel;
  mode_t mode = 0644;
  long uid = 0, gid = 0;
  std::string data;
  bool old_times = false;  // atime/mtime set to kOldAtime/kOldMtime at the end of the set-up
};
inline const timespec kOldAtime{1000000000, 111111111};
inline const timespec kOldMtime{1100000000, 222222222};

constexpr long kSetupFailed = -9999;

struct Case {
  std::string sys;
  std::string name;
  std::vector<Obj> setup;
  Caller caller;
  mode_t umask = 022;
  std::function<long(const Caller&)> call;  // cwd = the case directory
  std::string deviation;                    // DESIGN.md class, or empty
};

inline std::string short_path(const std::string& p) {
  // Long names print as their first characters and length: "aaaa...(255)".
  std::string out, comp;
  auto flush = [&] {
    if (comp.size() > 24)
      out += comp.substr(0, 4) + "...(" + std::to_string(comp.size()) + ")";
    else
      out += comp;
    comp.clear();
  };
  for (char ch : p) {
    if (ch == '/') {
      flush();
      out.push_back('/');
    } else {
      comp.push_back(ch);
    }
  }
  flush();
  if (out.size() > 200)
    out = out.substr(0, 90) + "...<" + std::to_string(p.size()) + " chars>..." +
          out.substr(out.size() - 90);
  return out;
}

}  // namespace mfs::test::conformance
