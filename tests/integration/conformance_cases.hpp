// The conformance table: pjdfstest-style cases generated from set-ups x callers x arguments.
// Each case is a set-up (nodes below a fresh case directory), a caller (root or an unprivileged
// user), a umask, and one syscall run with the case directory as cwd and relative paths, so a
// path near PATH_MAX has the same length on the plain directory and in the pool.
//
// Deviation tags: only the classes DESIGN.md lists under "Where mergerfs is not POSIX".
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

namespace gen {

using Setup = std::vector<Obj>;
using PathFn = std::function<long(const std::string& path, const Caller& c)>;

inline Obj D(std::string rel, mode_t mode = 0755, long uid = 0, long gid = 0) {
  return Obj{'d', std::move(rel), mode, uid, gid, "", false};
}
inline Obj F(std::string rel, mode_t mode = 0644, long uid = 0, long gid = 0,
             std::string data = "hello") {
  return Obj{'f', std::move(rel), mode, uid, gid, std::move(data), false};
}
inline Obj L(std::string rel, std::string target, long uid = 0, long gid = 0) {
  return Obj{'l', std::move(rel), 0777, uid, gid, std::move(target), false};
}
inline Obj P(std::string rel, mode_t mode = 0644, long uid = 0, long gid = 0) {
  return Obj{'p', std::move(rel), mode, uid, gid, "", false};
}
inline Obj C(std::string rel, mode_t mode = 0644) {
  return Obj{'c', std::move(rel), mode, 0, 0, "", false};
}
inline Obj H(std::string rel, std::string existing) {
  return Obj{'h', std::move(rel), 0, 0, 0, std::move(existing), false};
}
inline Obj old(Obj o) {
  o.old_times = true;
  return o;
}
inline Setup cat(Setup a, const Setup& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::string oct(mode_t m) {
  char b[16];
  std::snprintf(b, sizeof b, "%04o", static_cast<unsigned>(m));
  return b;
}
inline std::string who(long id) {
  if (id == 0) return "root";
  if (id == kCallerId) return "caller";
  if (id == kOtherId) return "other";
  if (id == kKeep) return "-1";
  return std::to_string(id);
}
// "open" returns an fd: 0 on success so both sides compare equal.
inline long opened(int fd) {
  return fd < 0 ? -1 : 0;
}

inline const std::string N255(NAME_MAX, 'n');
inline const std::string N256(NAME_MAX + 1, 'o');

// Directories making `rel` (ending in `leaf`) exactly `total` characters long.
struct Deep {
  Setup dirs;
  std::string rel;
};
inline Deep deep_path(size_t total, const std::string& leaf) {
  Deep d;
  std::string cur;
  size_t remaining = total - leaf.size();
  int i = 0;
  while (remaining > 0) {
    size_t n = remaining - 1;
    if (n > 250) n = remaining - 251 >= 2 ? 250 : 249;
    cur += (cur.empty() ? "" : "/") + std::string(n, static_cast<char>('a' + i++ % 26));
    d.dirs.push_back(D(cur));
    remaining -= n + 1;
  }
  d.rel = cur + "/" + leaf;
  return d;
}
// The case directory is "/X0000" in the pool: a relative path of this length makes a pool path
// (fusepath) of PATH_MAX-1 characters, the longest a branch syscall takes in one piece.
constexpr size_t kCaseDirPrefix = 7;

class Table {
 public:
  Case& add(const std::string& sys, const std::string& name, Setup setup, const Caller& c,
            std::function<long(const Caller&)> fn) {
    cases.push_back(
        Case{sys, name + " [" + c.name + "]", std::move(setup), c, 022, std::move(fn), ""});
    return cases.back();
  }
  Case& addp(const std::string& sys, const std::string& name, Setup setup, const Caller& c,
             const std::string& path, const PathFn& fn) {
    return add(sys, name, std::move(setup), c,
               [fn, path](const Caller& who) { return fn(path, who); });
  }
  std::vector<Case> cases;
};

inline Setup target(char kind, const std::string& rel) {
  switch (kind) {
    case 'f':
      return {F(rel)};
    case 'd':
      return {D(rel)};
    case 'l':
      return {F("tgt"), L(rel, "tgt")};
    default:
      return {};
  }
}

// Path resolution cases shared by every path-based syscall. `need`: the node the syscall acts on
// ('f' file, 'd' dir, 'n' a new name); `extra` is set up first (e.g. a rename source).
inline void path_cases(Table& t, const std::string& sys, char need, const PathFn& fn,
                       const Setup& extra = {}) {
  auto add = [&](const std::string& name, const Setup& s, const std::string& path,
                 const Caller& c = kRoot) -> Case& {
    return t.addp(sys, "path: " + name, cat(extra, s), c, path, fn);
  };
  add("name of NAME_MAX chars", target(need, N255), N255);
  add("name of NAME_MAX+1 chars", {}, N256);
  add("component of NAME_MAX+1 chars", {}, N256 + "/t");
  add("name of NAME_MAX chars below a NAME_MAX dir",
      cat({D(N255)}, target(need, N255 + "/" + N255)), N255 + "/" + N255);
  add("missing component", {}, "nx/t");
  add("regular file as component", {F("f")}, "f/t");
  add("fifo as component", {P("q")}, "q/t");
  add("symlink loop as component", {L("lp", "lp")}, "lp/t");
  add("dangling symlink as component", {L("dl", "nowhere")}, "dl/t");
  add("symlink to a directory as component", cat({D("d"), L("ld", "d")}, target(need, "d/t")),
      "ld/t");
  add("dot-dot component", cat({D("d")}, target(need, "t")), "d/../t");
  add("dot component", cat({D("d")}, target(need, "d/t")), "d/./t");
  add("doubled slashes", cat({D("d")}, target(need, "d/t")), "d//t");
  add("empty path", target(need, "t"), "");
  Deep fit = deep_path(PATH_MAX - 1 - kCaseDirPrefix, "t");
  add("path of PATH_MAX-1 chars counted from the pool root", cat(fit.dirs, target(need, fit.rel)),
      fit.rel);
  Deep max = deep_path(PATH_MAX - 1, "t");
  add("path of PATH_MAX-1 chars from the cwd", cat(max.dirs, target(need, max.rel)), max.rel)
      .deviation = kPathMax;
  std::string over;
  while (over.size() + 2 < PATH_MAX) over += "./";
  over += "tt";  // PATH_MAX characters: too long before any lookup
  add("path of PATH_MAX chars", target(need, "tt"), over);
  add("no search permission on the parent", cat({D("p", 0666)}, target(need, "p/t")), "p/t",
      kNobody);
  add("search permission only for the owner",
      cat({D("p", 0700, kOtherId, kOtherId)}, target(need, "p/t")), "p/t", kNobody);
  add("search permission through the group", cat({D("p", 0070, 0, 65533)}, target(need, "p/t")),
      "p/t", kNobodyG);
  add("no search permission two levels up",
      cat({D("p", 0700), D("p/q", 0777)}, target(need, "p/q/t")), "p/q/t", kU65533);
  add("trailing slash", target(need, "t"), "t/");
}

// Who may create a name in a directory: mode x owner x caller.
inline const mode_t kDirModes[] = {0755, 0777, 0555, 0333, 0666, 0700, 0300, 01777};
inline const Caller* const kUsers[] = {&kNobody, &kU65533};

inline void create_matrix(Table& t, const std::string& sys, const PathFn& fn,
                          const Setup& extra = {}) {
  for (const Caller* c : kUsers)
    for (long owner : {0L, kCallerId})
      for (mode_t m : kDirModes)
        t.addp(sys, "perm: new name in a " + oct(m) + " dir owned by " + who(owner),
               cat(extra, {D("p", m, owner, owner)}), *c, "p/t", fn);
}

// Who may remove a name from a directory: mode x dir owner x node owner x caller.
inline void remove_matrix(Table& t, const std::string& sys, char kind, const PathFn& fn,
                          const Setup& extra = {}) {
  for (const Caller* c : kUsers)
    for (long downer : {0L, kCallerId})
      for (long towner : {kCallerId, kOtherId})
        for (mode_t m : kDirModes) {
          Obj node = kind == 'd' ? D("p/t", 0755, towner, towner) : F("p/t", 0644, towner, towner);
          t.addp(sys,
                 "perm: " + std::string(kind == 'd' ? "dir" : "file") + " owned by " + who(towner) +
                     " in a " + oct(m) + " dir owned by " + who(downer),
                 cat(extra, {D("p", m, downer, downer), node}), *c, "p/t", fn);
        }
}

// ---------------------------------------------------------------------------------------------

inline void chmod_cases(Table& t) {
  const std::string s = "chmod";
  PathFn to0600 = [](const std::string& p, const Caller&) { return ::chmod(p.c_str(), 0600); };
  path_cases(t, s, 'f', to0600);
  for (mode_t m : {0000, 0600, 0777, 04755, 02755, 06777, 01644, 07777, 0100644})
    t.add(s, "file 0644 to " + oct(m), {F("t")}, kRoot,
          [m](const Caller&) { return ::chmod("t", m); });
  for (mode_t m : {0000, 0700, 01777, 02755, 07777})
    t.add(s, "dir 0755 to " + oct(m), {D("t"), F("t/x")}, kRoot,
          [m](const Caller&) { return ::chmod("t", m); });
  t.add(s, "through a symlink changes the target", {F("f"), L("t", "f")}, kRoot,
        [](const Caller&) { return ::chmod("t", 0600); });
  t.add(s, "dangling symlink", {L("t", "nowhere")}, kRoot,
        [](const Caller&) { return ::chmod("t", 0600); });
  t.add(s, "fchmodat AT_SYMLINK_NOFOLLOW on a symlink", {F("f"), L("t", "f")}, kRoot,
        [](const Caller&) { return ::fchmodat(AT_FDCWD, "t", 0600, AT_SYMLINK_NOFOLLOW); });
  t.add(s, "fchmodat AT_SYMLINK_NOFOLLOW on a file", {F("t")}, kRoot,
        [](const Caller&) { return ::fchmodat(AT_FDCWD, "t", 0600, AT_SYMLINK_NOFOLLOW); });
  t.add(s, "fifo", {P("t")}, kRoot, [](const Caller&) { return ::chmod("t", 0600); });
  t.add(s, "char device", {C("t")}, kRoot, [](const Caller&) { return ::chmod("t", 0600); });
  t.add(s, "another name of a hard link", {F("a"), H("t", "a")}, kRoot,
        [](const Caller&) { return ::chmod("t", 0600); });
  t.add(s, "file in a 0000 dir", {D("d", 0), F("d/t")}, kRoot,
        [](const Caller&) { return ::chmod("d/t", 0600); });
  t.add(s, "keeps explicit timestamps", {old(F("t"))}, kRoot,
        [](const Caller&) { return ::chmod("t", 0600); });
  // Permission: only the owner (or root) changes the mode; S_ISGID is dropped for a non-member.
  for (const Caller* c : kUsers)
    for (long owner : {0L, kCallerId, kOtherId})
      for (mode_t m : {0600, 0777, 04755, 02755, 01755, 0000})
        t.add(s, "perm: file owned by " + who(owner) + " (group root) to " + oct(m),
              {F("t", 0644, owner, 0)}, *c, [m](const Caller&) { return ::chmod("t", m); });
  t.add(s, "perm: S_ISGID kept in the owner's own group", {F("t", 0644, kCallerId, kCallerId)},
        kNobody, [](const Caller&) { return ::chmod("t", 02755); });
  t.add(s, "perm: S_ISGID kept for a supplementary group", {F("t", 0644, kCallerId, 65533)},
        kNobodyG, [](const Caller&) { return ::chmod("t", 02755); });
  t.add(s, "perm: dir owned by the caller to 02775", {D("t", 0755, kCallerId, 0)}, kNobody,
        [](const Caller&) { return ::chmod("t", 02775); });
  t.add(s, "perm: dir owned by the caller to 01777", {D("t", 0755, kCallerId, kCallerId)}, kNobody,
        [](const Caller&) { return ::chmod("t", 01777); });
  t.add(s, "perm: owner in a 0000 dir it cannot search",
        {D("p", 0), F("p/t", 0644, kCallerId, kCallerId)}, kNobody,
        [](const Caller&) { return ::chmod("p/t", 0600); });
  t.add(s, "perm: owner of a symlink's target", {F("f", 0644, kCallerId, kCallerId), L("t", "f")},
        kNobody, [](const Caller&) { return ::chmod("t", 0600); });
}

inline void chown_cases(Table& t) {
  const std::string s = "chown";
  path_cases(t, s, 'f',
             [](const std::string& p, const Caller&) { return ::chown(p.c_str(), 65534, 65534); });
  const std::pair<long, long> root_args[] = {{65534, 65534}, {65533, kKeep}, {kKeep, 65533},
                                             {kKeep, kKeep}, {0, 0},         {65533, 0}};
  for (auto [u, g] : root_args)
    t.add(s, "file to " + who(u) + ":" + who(g), {F("t", 0644, 65534, 65534)}, kRoot,
          [u = u, g = g](const Caller&) {
            return ::chown("t", static_cast<uid_t>(u), static_cast<gid_t>(g));
          });
  for (mode_t m : {06755, 06745, 04700, 02755, 02745})
    for (auto [u, g] : {std::pair<long, long>{65534, kKeep}, {kKeep, kKeep}, {kKeep, 65533}})
      t.add(s, oct(m) + " file to " + who(u) + ":" + who(g) + " by root", {F("t", m)}, kRoot,
            [u = u, g = g](const Caller&) {
              return ::chown("t", static_cast<uid_t>(u), static_cast<gid_t>(g));
            });
  t.add(s, "02755 dir keeps its bits", {D("t", 02755)}, kRoot,
        [](const Caller&) { return ::chown("t", 65534, 65534); });
  t.add(s, "dir", {D("t"), F("t/x")}, kRoot,
        [](const Caller&) { return ::chown("t", 65533, 65533); });
  t.add(s, "through a symlink changes the target", {F("f"), L("t", "f")}, kRoot,
        [](const Caller&) { return ::chown("t", 65534, 65534); });
  t.add(s, "lchown changes the symlink", {F("f"), L("t", "f")}, kRoot,
        [](const Caller&) { return ::lchown("t", 65534, 65534); });
  t.add(s, "fchownat AT_SYMLINK_NOFOLLOW", {F("f"), L("t", "f")}, kRoot,
        [](const Caller&) { return ::fchownat(AT_FDCWD, "t", 65534, 65534, AT_SYMLINK_NOFOLLOW); });
  t.add(s, "dangling symlink", {L("t", "nowhere")}, kRoot,
        [](const Caller&) { return ::chown("t", 65534, 65534); });
  t.add(s, "lchown of a dangling symlink", {L("t", "nowhere")}, kRoot,
        [](const Caller&) { return ::lchown("t", 65534, 65534); });
  t.add(s, "fifo", {P("t")}, kRoot, [](const Caller&) { return ::chown("t", 65534, 65534); });
  t.add(s, "another name of a hard link", {F("a"), H("t", "a")}, kRoot,
        [](const Caller&) { return ::chown("t", 65534, 65534); });
  t.add(s, "keeps explicit timestamps", {old(F("t"))}, kRoot,
        [](const Caller&) { return ::chown("t", 65534, 65534); });
  // Permission: only root changes the owner; the owner may change the group to one of its own.
  const std::pair<long, long> user_args[] = {
      {kKeep, kKeep},     {kCallerId, kKeep}, {kOtherId, kKeep}, {0, kKeep},
      {kKeep, kCallerId}, {kKeep, 65533},     {kKeep, 0},        {kCallerId, kCallerId}};
  for (const Caller* c : {&kNobody, &kNobodyG})
    for (long owner : {0L, kCallerId, kOtherId})
      for (auto [u, g] : user_args)
        t.add(s, "perm: file owned by " + who(owner) + " to " + who(u) + ":" + who(g),
              {F("t", 0644, owner, owner)}, *c, [u = u, g = g](const Caller& who) {
                return ::chown("t", u == kKeep ? static_cast<uid_t>(-1) : uid_for(u, who),
                               g == kKeep ? static_cast<gid_t>(-1) : gid_for(g, who));
              });
  t.add(s, "perm: owner changing the group of a 06755 file", {F("t", 06755, kCallerId, kCallerId)},
        kNobodyG, [](const Caller&) { return ::chown("t", static_cast<uid_t>(-1), 65533); });
  t.add(s, "perm: lchown of the caller's symlink", {F("f"), L("t", "f", kCallerId, kCallerId)},
        kNobodyG, [](const Caller&) { return ::lchown("t", static_cast<uid_t>(-1), 65533); });
}

inline void link_cases(Table& t) {
  const std::string s = "link";
  path_cases(t, s + "(src)", 'f',
             [](const std::string& p, const Caller&) { return ::link(p.c_str(), "dst"); });
  path_cases(t, s + "(dst)", 'n',
             [](const std::string& p, const Caller&) { return ::link("src", p.c_str()); },
             {F("src")});
  auto L2 = [](const char* a, const char* b) {
    return [a, b](const Caller&) { return static_cast<long>(::link(a, b)); };
  };
  t.add(s, "file to a new name", {F("a")}, kRoot, L2("a", "b"));
  t.add(s, "third name", {F("a"), H("b", "a")}, kRoot, L2("b", "c"));
  t.add(s, "into a subdirectory", {F("a"), D("d")}, kRoot, L2("a", "d/b"));
  t.add(s, "out of a subdirectory", {D("d"), F("d/a")}, kRoot, L2("d/a", "b"));
  t.add(s, "between two subdirectories", {D("d"), D("e"), F("d/a")}, kRoot, L2("d/a", "e/b"));
  t.add(s, "symlink itself (not followed)", {F("f"), L("a", "f")}, kRoot, L2("a", "b"));
  t.add(s, "linkat AT_SYMLINK_FOLLOW links the target", {F("f"), L("a", "f")}, kRoot,
        [](const Caller&) { return ::linkat(AT_FDCWD, "a", AT_FDCWD, "b", AT_SYMLINK_FOLLOW); });
  t.add(s, "dangling symlink", {L("a", "nowhere")}, kRoot, L2("a", "b"));
  t.add(s, "directory", {D("a")}, kRoot, L2("a", "b"));
  t.add(s, "fifo", {P("a")}, kRoot, L2("a", "b"));
  t.add(s, "char device", {C("a")}, kRoot, L2("a", "b"));
  t.add(s, "onto an existing file", {F("a"), F("b")}, kRoot, L2("a", "b"));
  t.add(s, "onto an existing dir", {F("a"), D("b")}, kRoot, L2("a", "b"));
  t.add(s, "onto an existing symlink", {F("a"), L("b", "a")}, kRoot, L2("a", "b"));
  t.add(s, "onto a dangling symlink", {F("a"), L("b", "nowhere")}, kRoot, L2("a", "b"));
  t.add(s, "onto itself", {F("a")}, kRoot, L2("a", "a"));
  t.add(s, "onto another name of the same file", {F("a"), H("b", "a")}, kRoot, L2("a", "b"));
  t.add(s, "missing source", {}, kRoot, L2("a", "b"));
  t.add(s, "source with a trailing slash", {F("a")}, kRoot, L2("a/", "b"));
  t.add(s, "new name with a trailing slash", {F("a")}, kRoot, L2("a", "b/"));
  t.add(s, "source 0000 by root", {F("a", 0)}, kRoot, L2("a", "b"));
  t.add(s, "keeps explicit timestamps", {old(F("a"))}, kRoot, L2("a", "b"));
  // protected_hardlinks: a user links only files it owns or may read and write.
  const std::pair<mode_t, long> files[] = {{0600, 0},       {0644, 0},         {0666, 0},
                                           {04777, 0},      {0644, kCallerId}, {0000, kCallerId},
                                           {0666, kOtherId}};
  for (auto [m, owner] : files)
    t.add(s, "perm: " + oct(m) + " file owned by " + who(owner) + " into a 0777 dir",
          {F("a", m, owner, owner), D("w", 0777)}, kNobody, L2("a", "w/b"));
  t.add(s, "perm: into a sticky dir", {F("a", 0644, kCallerId, kCallerId), D("w", 01777)}, kNobody,
        L2("a", "w/b"));
  t.add(s, "perm: source in a dir without search permission",
        {D("d", 0600), F("d/a", 0666), D("w", 0777)}, kNobody, L2("d/a", "w/b"));
  create_matrix(t, s, [](const std::string& p, const Caller&) { return ::link("src", p.c_str()); },
                {F("src", 0644, kCallerId, kCallerId)});
}

inline void mkdir_cases(Table& t) {
  const std::string s = "mkdir";
  path_cases(t, s, 'n',
             [](const std::string& p, const Caller&) { return ::mkdir(p.c_str(), 0755); });
  for (mode_t m : {0755, 0700, 0777, 0000, 01777, 02755, 04755, 07777, 0170755})
    t.add(s, "mode " + oct(m), {}, kRoot, [m](const Caller&) { return ::mkdir("t", m); });
  for (mode_t um : {0000, 0077, 0777, 0027}) {
    t.add(s, "mode 0777 with umask " + oct(um), {}, kRoot, [](const Caller&) {
       return ::mkdir("t", 0777);
     }).umask = um;
    t.add(s, "mode 07777 with umask " + oct(um), {}, kRoot, [](const Caller&) {
       return ::mkdir("t", 07777);
     }).umask = um;
  }
  const std::pair<std::string, Setup> existing[] = {{"file", {F("t")}},
                                                    {"dir", {D("t")}},
                                                    {"symlink", {F("f"), L("t", "f")}},
                                                    {"dangling symlink", {L("t", "nowhere")}},
                                                    {"fifo", {P("t")}},
                                                    {"symlink to a dir", {D("d"), L("t", "d")}}};
  for (const auto& [what, setup] : existing)
    t.add(s, "existing " + what, setup, kRoot, [](const Caller&) { return ::mkdir("t", 0755); });
  t.add(s, "dot", {}, kRoot, [](const Caller&) { return ::mkdir(".", 0755); });
  t.add(s, "dot-dot", {D("d")}, kRoot, [](const Caller&) { return ::mkdir("d/..", 0755); });
  t.add(s, "nested in a new dir", {D("d")}, kRoot,
        [](const Caller&) { return ::mkdir("d/t", 0700); });
  t.add(s, "in a 02755 dir of group 65533 (inherits group and S_ISGID)", {D("d", 02755, 0, 65533)},
        kRoot, [](const Caller&) { return ::mkdir("d/t", 0755); });
  t.add(s, "in a 02777 dir of group 65533 by a non-member", {D("d", 02777, 0, 65533)}, kNobody,
        [](const Caller&) { return ::mkdir("d/t", 0755); });
  t.add(s, "in a 02777 dir by a member asking for S_ISGID", {D("d", 02777, 0, 65533)}, kNobodyG,
        [](const Caller&) { return ::mkdir("d/t", 02755); });
  t.add(s, "in a dir with explicit timestamps (mtime changes)", {old(D("d"))}, kRoot,
        [](const Caller&) { return ::mkdir("d/t", 0755); });
  t.add(s, "by a user, umask 0", {D("d", 0777)}, kNobody, [](const Caller&) {
     return ::mkdir("d/t", 0777);
   }).umask = 0;
  t.add(s, "by a user, mode 07777", {D("d", 0777)}, kNobody,
        [](const Caller&) { return ::mkdir("d/t", 07777); });
  create_matrix(t, s, [](const std::string& p, const Caller&) { return ::mkdir(p.c_str(), 0755); });
}

inline void mkfifo_cases(Table& t) {
  const std::string s = "mkfifo";
  path_cases(t, s, 'n',
             [](const std::string& p, const Caller&) { return ::mkfifo(p.c_str(), 0644); });
  for (mode_t m : {0644, 0600, 0777, 0000, 04755, 02755, 01777, 07777})
    t.add(s, "mode " + oct(m), {}, kRoot, [m](const Caller&) { return ::mkfifo("t", m); });
  for (mode_t um : {0000, 0077, 0777})
    t.add(s, "mode 0666 with umask " + oct(um), {}, kRoot, [](const Caller&) {
       return ::mkfifo("t", 0666);
     }).umask = um;
  const std::pair<std::string, Setup> existing[] = {{"file", {F("t")}},
                                                    {"dir", {D("t")}},
                                                    {"fifo", {P("t")}},
                                                    {"dangling symlink", {L("t", "nowhere")}}};
  for (const auto& [what, setup] : existing)
    t.add(s, "existing " + what, setup, kRoot, [](const Caller&) { return ::mkfifo("t", 0644); });
  t.add(s, "in a 02777 dir of group 65533 by a non-member asking for S_ISGID",
        {D("d", 02777, 0, 65533)}, kNobody, [](const Caller&) { return ::mkfifo("d/t", 02755); });
  t.add(s, "in a 02777 dir of group 65533 by a member asking for S_ISGID",
        {D("d", 02777, 0, 65533)}, kNobodyG, [](const Caller&) { return ::mkfifo("d/t", 02755); });
  t.add(s, "by a user asking for S_ISUID", {D("d", 0777)}, kNobody,
        [](const Caller&) { return ::mkfifo("d/t", 04755); });
  create_matrix(t, s,
                [](const std::string& p, const Caller&) { return ::mkfifo(p.c_str(), 0644); });
}

inline void mknod_cases(Table& t) {
  const std::string s = "mknod";
  path_cases(t, s, 'n', [](const std::string& p, const Caller&) {
    return ::mknod(p.c_str(), S_IFIFO | 0644, 0);
  });
  struct Kind {
    std::string what;
    mode_t mode;
    dev_t dev;
  };
  const Kind kinds[] = {{"fifo", S_IFIFO | 0644, 0},
                        {"regular file", S_IFREG | 0640, 0},
                        {"no type (regular file)", 0600, 0},
                        {"char device 1:3", S_IFCHR | 0644, ::makedev(1, 3)},
                        {"char device 1:5 mode 0666", S_IFCHR | 0666, ::makedev(1, 5)},
                        {"char device with a large number", S_IFCHR | 0600, ::makedev(300, 70000)},
                        {"block device 7:0", S_IFBLK | 0640, ::makedev(7, 0)},
                        {"socket", S_IFSOCK | 0755, 0},
                        {"directory", S_IFDIR | 0755, 0},
                        {"invalid type", 0170000 | 0644, 0},
                        {"fifo 07777", S_IFIFO | 07777, 0}};
  for (const auto& k : kinds)
    t.add(s, k.what, {}, kRoot,
          [m = k.mode, d = k.dev](const Caller&) { return ::mknod("t", m, d); });
  for (const auto& k : {kinds[0], kinds[1], kinds[3], kinds[6], kinds[7]})
    t.add(s, "perm: " + k.what + " by a user", {D("d", 0777)}, kNobody,
          [m = k.mode, d = k.dev](const Caller&) { return ::mknod("d/t", m, d); });
  t.add(s, "fifo with umask 077", {}, kRoot, [](const Caller&) {
     return ::mknod("t", S_IFIFO | 0666, 0);
   }).umask = 077;
  t.add(s, "char device with umask 0", {}, kRoot, [](const Caller&) {
     return ::mknod("t", S_IFCHR | 0666, ::makedev(1, 3));
   }).umask = 0;
  t.add(s, "existing file", {F("t")}, kRoot,
        [](const Caller&) { return ::mknod("t", S_IFIFO | 0644, 0); });
  t.add(s, "existing dangling symlink", {L("t", "nowhere")}, kRoot,
        [](const Caller&) { return ::mknod("t", S_IFCHR | 0644, ::makedev(1, 3)); });
  t.add(s, "in a 02777 dir of group 65533 by a member", {D("d", 02777, 0, 65533)}, kNobodyG,
        [](const Caller&) { return ::mknod("d/t", S_IFREG | 02755, 0); });
  for (long owner : {0L, kCallerId})
    for (mode_t m : kDirModes)
      t.addp(s, "perm: new fifo in a " + oct(m) + " dir owned by " + who(owner),
             {D("p", m, owner, owner)}, kNobody, "p/t", [](const std::string& p, const Caller&) {
               return ::mknod(p.c_str(), S_IFIFO | 0644, 0);
             });
}

inline void open_cases(Table& t) {
  const std::string s = "open";
  path_cases(t, s, 'f', [](const std::string& p, const Caller&) {
    return opened(::open(p.c_str(), O_RDONLY));
  });
  path_cases(t, s + "(O_CREAT)", 'n', [](const std::string& p, const Caller&) {
    return opened(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644));
  });
  auto O = [](const char* p, int flags, mode_t m = 0644) {
    return [p, flags, m](const Caller&) { return opened(::open(p, flags, m)); };
  };
  for (mode_t m : {0644, 0600, 0777, 0000, 04755, 02755, 01644, 07777})
    t.add(s, "O_CREAT mode " + oct(m), {}, kRoot, O("t", O_WRONLY | O_CREAT, m));
  for (mode_t um : {0000, 0077, 0777})
    t.add(s, "O_CREAT 0666 with umask " + oct(um), {}, kRoot, O("t", O_RDWR | O_CREAT, 0666))
        .umask = um;
  t.add(s, "O_CREAT|O_EXCL on a file", {F("t")}, kRoot, O("t", O_WRONLY | O_CREAT | O_EXCL));
  t.add(s, "O_CREAT|O_EXCL on a symlink", {F("f"), L("t", "f")}, kRoot,
        O("t", O_WRONLY | O_CREAT | O_EXCL));
  t.add(s, "O_CREAT|O_EXCL on a dangling symlink", {L("t", "nowhere")}, kRoot,
        O("t", O_WRONLY | O_CREAT | O_EXCL));
  t.add(s, "O_CREAT|O_EXCL on a dir", {D("t")}, kRoot, O("t", O_WRONLY | O_CREAT | O_EXCL));
  t.add(s, "O_CREAT on an existing file keeps it", {F("t", 0600)}, kRoot,
        O("t", O_WRONLY | O_CREAT, 0777));
  t.add(s, "O_CREAT|O_TRUNC on an existing file", {F("t")}, kRoot,
        O("t", O_WRONLY | O_CREAT | O_TRUNC));
  t.add(s, "O_CREAT through a dangling symlink creates the target", {L("t", "made")}, kRoot,
        O("t", O_WRONLY | O_CREAT, 0640));
  t.add(s, "O_CREAT through a dangling symlink into a missing dir", {L("t", "nx/made")}, kRoot,
        O("t", O_WRONLY | O_CREAT, 0640));
  t.add(s, "O_CREAT on a dir", {D("t")}, kRoot, O("t", O_RDONLY | O_CREAT));
  t.add(s, "O_CREAT|O_DIRECTORY", {}, kRoot, O("t", O_RDONLY | O_CREAT | O_DIRECTORY));
  t.add(s, "O_CREAT|O_NOFOLLOW on a symlink", {F("f"), L("t", "f")}, kRoot,
        O("t", O_WRONLY | O_CREAT | O_NOFOLLOW));
  t.add(s, "O_RDONLY on a dir", {D("t")}, kRoot, O("t", O_RDONLY));
  t.add(s, "O_WRONLY on a dir", {D("t")}, kRoot, O("t", O_WRONLY));
  t.add(s, "O_RDWR on a dir", {D("t")}, kRoot, O("t", O_RDWR));
  t.add(s, "O_DIRECTORY on a file", {F("t")}, kRoot, O("t", O_RDONLY | O_DIRECTORY));
  t.add(s, "O_DIRECTORY on a symlink to a dir", {D("d"), L("t", "d")}, kRoot,
        O("t", O_RDONLY | O_DIRECTORY));
  t.add(s, "O_NOFOLLOW on a symlink", {F("f"), L("t", "f")}, kRoot, O("t", O_RDONLY | O_NOFOLLOW));
  t.add(s, "O_NOFOLLOW|O_PATH on a symlink", {F("f"), L("t", "f")}, kRoot,
        O("t", O_PATH | O_NOFOLLOW));
  t.add(s, "O_PATH on a file", {F("t", 0)}, kRoot, O("t", O_PATH));
  t.add(s, "O_TRUNC with O_WRONLY", {old(F("t"))}, kRoot, O("t", O_WRONLY | O_TRUNC));
  t.add(s, "O_TRUNC with O_RDONLY", {F("t")}, kRoot, O("t", O_RDONLY | O_TRUNC));
  t.add(s, "O_TRUNC through a symlink", {F("f"), L("t", "f")}, kRoot, O("t", O_RDWR | O_TRUNC));
  t.add(s, "O_TRUNC on an empty file keeps its timestamps", {old(F("t", 0644, 0, 0, ""))}, kRoot,
        O("t", O_WRONLY | O_TRUNC));
  t.add(s, "O_TRUNC on another name of a hard link", {F("a"), H("t", "a")}, kRoot,
        O("t", O_WRONLY | O_TRUNC));
  t.add(s, "fifo O_RDONLY|O_NONBLOCK", {P("t")}, kRoot, O("t", O_RDONLY | O_NONBLOCK));
  t.add(s, "fifo O_WRONLY|O_NONBLOCK without a reader", {P("t")}, kRoot,
        O("t", O_WRONLY | O_NONBLOCK));
  t.add(s, "char device", {C("t")}, kRoot, O("t", O_RDONLY));
  t.add(s, "O_APPEND|O_CREAT", {}, kRoot, O("t", O_WRONLY | O_APPEND | O_CREAT));
  t.add(s, "O_CREAT in a 02777 dir of group 65533 by a non-member", {D("d", 02777, 0, 65533)},
        kNobody, O("d/t", O_WRONLY | O_CREAT, 02755));
  t.add(s, "O_CREAT in a 02777 dir of group 65533 by a member", {D("d", 02777, 0, 65533)}, kNobodyG,
        O("d/t", O_WRONLY | O_CREAT, 02755));
  t.add(s, "O_NOATIME by root on a user's file", {F("t", 0644, 65534, 65534)}, kRoot,
        O("t", O_RDONLY | O_NOATIME));
  t.add(s, "O_NOATIME by the owner", {F("t", 0644, kCallerId, kCallerId)}, kNobody,
        O("t", O_RDONLY | O_NOATIME));
  t.add(s, "O_NOATIME by a non-owner", {F("t", 0644)}, kNobody, O("t", O_RDONLY | O_NOATIME));
  t.add(s, "O_TRUNC by a non-owner of a 04666 file", {F("t", 04666)}, kNobody,
        O("t", O_WRONLY | O_TRUNC));
  t.add(s, "O_TRUNC by a non-owner of a 02676 file", {F("t", 02676)}, kNobody,
        O("t", O_WRONLY | O_TRUNC));
  t.add(s, "O_TRUNC by the owner of a 04766 file", {F("t", 04766, kCallerId, kCallerId)}, kNobody,
        O("t", O_WRONLY | O_TRUNC));
  t.add(s, "perm: O_CREAT on an existing file the caller cannot write", {F("t", 0644)}, kNobody,
        O("t", O_WRONLY | O_CREAT));
  t.add(s, "perm: O_CREAT|O_EXCL as a user in a 0777 dir", {D("d", 0777)}, kNobody,
        O("d/t", O_WRONLY | O_CREAT | O_EXCL, 0600));
  // Permission: access mode against the file's mode bits, as owner and as someone else.
  for (long owner : {kCallerId, kOtherId})
    for (mode_t m : {0000, 0400, 0200, 0600, 0644, 0666, 0040, 0004})
      for (int acc : {O_RDONLY, O_WRONLY, O_RDWR})
        t.add(s,
              "perm: " +
                  std::string(acc == O_RDONLY   ? "O_RDONLY"
                              : acc == O_WRONLY ? "O_WRONLY"
                                                : "O_RDWR") +
                  " on a " + oct(m) + " file owned by " + who(owner),
              {F("t", m, owner, owner)}, kNobody, O("t", acc));
  for (mode_t m : {0040, 0060, 0604})
    t.add(s, "perm: O_RDWR on a " + oct(m) + " file of a supplementary group",
          {F("t", m, 0, 65533)}, kNobodyG, O("t", O_RDWR));
  create_matrix(t, s + "(O_CREAT)", [](const std::string& p, const Caller&) {
    return opened(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0640));
  });
}

inline void rename_cases(Table& t) {
  const std::string s = "rename";
  path_cases(t, s + "(src)", 'f',
             [](const std::string& p, const Caller&) { return ::rename(p.c_str(), "dst"); });
  path_cases(t, s + "(dst)", 'n',
             [](const std::string& p, const Caller&) { return ::rename("src", p.c_str()); },
             {F("src")});
  auto R = [](const char* a, const char* b) {
    return [a, b](const Caller&) { return static_cast<long>(::rename(a, b)); };
  };
  auto R2 = [](const char* a, const char* b, unsigned flags) {
    return [a, b, flags](const Caller&) {
      return static_cast<long>(::renameat2(AT_FDCWD, a, AT_FDCWD, b, flags));
    };
  };
  t.add(s, "file to a new name", {F("a")}, kRoot, R("a", "b"));
  t.add(s, "file over a file", {F("a", 0600), F("b", 0644, 0, 0, "other content")}, kRoot,
        R("a", "b"));
  t.add(s, "file over a dir", {F("a"), D("b")}, kRoot, R("a", "b"));
  t.add(s, "file over an empty dir", {F("a"), D("b")}, kRoot, R("a", "b"));
  t.add(s, "file over a symlink", {F("a"), F("f"), L("b", "f")}, kRoot, R("a", "b"));
  t.add(s, "file over a dangling symlink", {F("a"), L("b", "nowhere")}, kRoot, R("a", "b"));
  t.add(s, "file over a fifo", {F("a"), P("b")}, kRoot, R("a", "b"));
  t.add(s, "file over another name of itself", {F("a"), H("b", "a")}, kRoot, R("a", "b"));
  t.add(s, "file over another hard-linked file",
        {F("a"), F("b", 0600, 0, 0, "linked"), H("c", "b")}, kRoot, R("a", "b"));
  t.add(s, "file onto itself", {F("a")}, kRoot, R("a", "a"));
  t.add(s, "file keeps its timestamps", {old(F("a"))}, kRoot, R("a", "b"));
  t.add(s, "empty dir to a new name", {D("a")}, kRoot, R("a", "b"));
  t.add(s, "dir with contents to a new name", {D("a"), F("a/x"), D("a/y"), F("a/y/z")}, kRoot,
        R("a", "b"));
  t.add(s, "dir over an empty dir", {D("a"), F("a/x"), D("b")}, kRoot, R("a", "b"));
  t.add(s, "dir over a non-empty dir", {D("a"), D("b"), F("b/x")}, kRoot, R("a", "b"));
  t.add(s, "dir over a file", {D("a"), F("b")}, kRoot, R("a", "b"));
  t.add(s, "dir over a symlink to a dir", {D("a"), D("d"), L("b", "d")}, kRoot, R("a", "b"));
  t.add(s, "dir into its own subdir", {D("a"), D("a/s")}, kRoot, R("a", "a/s/b"));
  t.add(s, "dir onto itself", {D("a")}, kRoot, R("a", "a"));
  t.add(s, "dir onto its parent", {D("a"), D("a/b")}, kRoot, R("a/b", "a"));
  t.add(s, "dir keeps its mode and owner", {D("a", 0700, 65534, 65533), F("a/x")}, kRoot,
        R("a", "b"));
  t.add(s, "symlink moves the link", {F("f"), L("a", "f")}, kRoot, R("a", "b"));
  t.add(s, "dangling symlink", {L("a", "nowhere")}, kRoot, R("a", "b"));
  t.add(s, "fifo", {P("a")}, kRoot, R("a", "b"));
  t.add(s, "into a subdir", {F("a"), D("d")}, kRoot, R("a", "d/a"));
  t.add(s, "out of a subdir", {D("d"), F("d/a")}, kRoot, R("d/a", "a"));
  t.add(s, "between subdirs", {D("d"), D("e"), F("d/a")}, kRoot, R("d/a", "e/b"));
  t.add(s, "dir between subdirs", {D("d"), D("e"), D("d/a"), F("d/a/x")}, kRoot, R("d/a", "e/a"));
  t.add(s, "missing source", {}, kRoot, R("a", "b"));
  t.add(s, "into a missing dir", {F("a")}, kRoot, R("a", "nx/b"));
  t.add(s, "into a file as dir", {F("a"), F("f")}, kRoot, R("a", "f/b"));
  t.add(s, "dot as source", {D("d")}, kRoot, R("d/.", "b"));
  t.add(s, "dot-dot as source", {D("d"), D("d/e")}, kRoot, R("d/e/..", "b"));
  t.add(s, "dot as destination", {D("d"), D("a")}, kRoot, R("a", "d/."));
  t.add(s, "file to a name with a trailing slash", {F("a")}, kRoot, R("a", "b/"));
  t.add(s, "file with a trailing slash", {F("a")}, kRoot, R("a/", "b"));
  t.add(s, "dir with trailing slashes", {D("a")}, kRoot, R("a/", "b/"));
  t.add(s, "dir to a name with a trailing slash", {D("a")}, kRoot, R("a", "b/"));
  t.add(s, "RENAME_NOREPLACE to a new name", {F("a")}, kRoot, R2("a", "b", RENAME_NOREPLACE));
  t.add(s, "RENAME_NOREPLACE over a file", {F("a"), F("b")}, kRoot, R2("a", "b", RENAME_NOREPLACE));
  t.add(s, "RENAME_NOREPLACE over a dir", {D("a"), D("b")}, kRoot, R2("a", "b", RENAME_NOREPLACE));
  t.add(s, "RENAME_NOREPLACE over a dangling symlink", {F("a"), L("b", "nowhere")}, kRoot,
        R2("a", "b", RENAME_NOREPLACE));
  t.add(s, "RENAME_NOREPLACE of a missing source", {}, kRoot, R2("a", "b", RENAME_NOREPLACE));
  // Permission: the source and destination directories need write+search; sticky dirs; a
  // directory moved to another parent needs write permission on itself (for "..").
  for (const Caller* c : kUsers)
    for (long downer : {0L, kCallerId})
      for (long towner : {kCallerId, kOtherId})
        for (mode_t m : kDirModes)
          t.add(s,
                "perm: file owned by " + who(towner) + " out of a " + oct(m) + " dir owned by " +
                    who(downer),
                {D("p", m, downer, downer), F("p/t", 0644, towner, towner), D("w", 0777)}, *c,
                R("p/t", "w/t"));
  for (const Caller* c : kUsers)
    for (long downer : {0L, kCallerId})
      for (mode_t m : kDirModes)
        t.add(s, "perm: own file into a " + oct(m) + " dir owned by " + who(downer),
              {D("w", 0777), F("w/s", 0644, kCallerId, kCallerId), D("p", m, downer, downer)}, *c,
              R("w/s", "p/t"));
  for (long downer : {0L, kCallerId})
    for (long towner : {kCallerId, kOtherId})
      t.add(
          s,
          "perm: over a file owned by " + who(towner) + " in a sticky dir owned by " + who(downer),
          {D("w", 0777), F("w/s", 0644, kCallerId, kCallerId), D("p", 01777, downer, downer),
           F("p/t", 0644, towner, towner)},
          kNobody, R("w/s", "p/t"));
  for (long owner : {kCallerId, kOtherId}) {
    t.add(s, "perm: 0755 dir owned by " + who(owner) + " to another parent",
          {D("w", 0777), D("w/d", 0755, owner, owner), D("v", 0777)}, kNobody, R("w/d", "v/d"));
    t.add(s, "perm: 0755 dir owned by " + who(owner) + " within its parent",
          {D("w", 0777), D("w/d", 0755, owner, owner)}, kNobody, R("w/d", "w/e"));
    t.add(s, "perm: 0555 dir owned by " + who(owner) + " to another parent",
          {D("w", 0777), D("w/d", 0555, owner, owner), D("v", 0777)}, kNobody, R("w/d", "v/d"));
  }
  t.add(s, "perm: over a dir the caller cannot write",
        {D("w", 0777), D("w/a", 0777, kCallerId, kCallerId), D("w/b", 0555, kOtherId, kOtherId)},
        kNobody, R("w/a", "w/b"));
  t.add(s, "perm: RENAME_NOREPLACE in a 0555 dir",
        {D("p", 0555), F("p/a", 0666, kCallerId, kCallerId)}, kNobody,
        R2("p/a", "p/b", RENAME_NOREPLACE));
}

inline void rmdir_cases(Table& t) {
  const std::string s = "rmdir";
  path_cases(t, s, 'd', [](const std::string& p, const Caller&) { return ::rmdir(p.c_str()); });
  auto R = [](const char* p) {
    return [p](const Caller&) { return static_cast<long>(::rmdir(p)); };
  };
  t.add(s, "empty dir", {D("t")}, kRoot, R("t"));
  t.add(s, "dir holding a file", {D("t"), F("t/x")}, kRoot, R("t"));
  t.add(s, "dir holding an empty dir", {D("t"), D("t/x")}, kRoot, R("t"));
  t.add(s, "dir holding a symlink", {D("t"), L("t/x", "nowhere")}, kRoot, R("t"));
  t.add(s, "dir holding a fifo", {D("t"), P("t/x")}, kRoot, R("t"));
  t.add(s, "nested empty dir", {D("d"), D("d/t")}, kRoot, R("d/t"));
  t.add(s, "0000 empty dir", {D("t", 0)}, kRoot, R("t"));
  t.add(s, "01777 empty dir owned by a user", {D("t", 01777, 65534, 65534)}, kRoot, R("t"));
  t.add(s, "file", {F("t")}, kRoot, R("t"));
  t.add(s, "symlink to a dir", {D("d"), L("t", "d")}, kRoot, R("t"));
  t.add(s, "symlink to a dir with a trailing slash", {D("d"), L("t", "d")}, kRoot, R("t/"));
  t.add(s, "fifo", {P("t")}, kRoot, R("t"));
  t.add(s, "missing", {}, kRoot, R("t"));
  t.add(s, "dot", {}, kRoot, R("."));
  t.add(s, "dir/dot", {D("d")}, kRoot, R("d/."));
  t.add(s, "dir/dot-dot", {D("d"), D("d/e")}, kRoot, R("d/e/.."));
  t.add(s, "trailing slashes", {D("t")}, kRoot, R("t//"));
  t.add(s, "parent mtime changes", {old(D("d")), D("d/t")}, kRoot, R("d/t"));
  remove_matrix(t, s, 'd', [](const std::string& p, const Caller&) { return ::rmdir(p.c_str()); });
}

inline void symlink_cases(Table& t) {
  const std::string s = "symlink";
  path_cases(t, s, 'n',
             [](const std::string& p, const Caller&) { return ::symlink("target", p.c_str()); });
  auto S = [](std::string target, const char* p) {
    return [target, p](const Caller&) { return static_cast<long>(::symlink(target.c_str(), p)); };
  };
  t.add(s, "relative target", {}, kRoot, S("some/where", "t"));
  t.add(s, "absolute target", {}, kRoot, S("/some/where/absolute", "t"));
  t.add(s, "target with dot-dots", {}, kRoot, S("../../up", "t"));
  t.add(s, "target of an existing file", {F("f")}, kRoot, S("f", "t"));
  t.add(s, "empty target", {}, kRoot, S("", "t"));
  t.add(s, "target of NAME_MAX chars", {}, kRoot, S(N255, "t"));
  t.add(s, "target of 1024 chars", {}, kRoot, S(std::string(1024, 'x'), "t"));
  t.add(s, "target of PATH_MAX-1 chars", {}, kRoot, S(std::string(PATH_MAX - 1, 'y'), "t"));
  t.add(s, "target of PATH_MAX chars", {}, kRoot, S(std::string(PATH_MAX, 'z'), "t"));
  t.add(s, "target with spaces and newline", {}, kRoot, S("a b\nc", "t"));
  const std::pair<std::string, Setup> existing[] = {
      {"file", {F("t")}}, {"dir", {D("t")}}, {"symlink", {L("t", "x")}}, {"fifo", {P("t")}}};
  for (const auto& [what, setup] : existing)
    t.add(s, "over an existing " + what, setup, kRoot, S("x", "t"));
  t.add(s, "into a dir", {D("d")}, kRoot, S("../x", "d/t"));
  t.add(s, "in a 02777 dir of group 65533 by a user", {D("d", 02777, 0, 65533)}, kNobody,
        S("x", "d/t"));
  t.add(s, "umask does not apply", {}, kRoot, S("x", "t")).umask = 0777;
  t.add(s, "parent mtime changes", {old(D("d"))}, kRoot, S("x", "d/t"));
  create_matrix(t, s,
                [](const std::string& p, const Caller&) { return ::symlink("target", p.c_str()); });
}

inline void truncate_cases(Table& t) {
  const std::string s = "truncate";
  path_cases(t, s, 'f',
             [](const std::string& p, const Caller&) { return ::truncate(p.c_str(), 2); });
  auto T = [](const char* p, off_t len) {
    return [p, len](const Caller&) { return static_cast<long>(::truncate(p, len)); };
  };
  for (off_t len : {off_t{0}, off_t{3}, off_t{5}, off_t{100}, off_t{4096}, off_t{1} << 20,
                    off_t{1} << 40, off_t{-1}})
    t.add(s, "file to " + std::to_string(len), {old(F("t"))}, kRoot, T("t", len));
  t.add(s, "dir", {D("t")}, kRoot, T("t", 0));
  t.add(s, "symlink truncates the target", {F("f"), L("t", "f")}, kRoot, T("t", 1));
  t.add(s, "dangling symlink", {L("t", "nowhere")}, kRoot, T("t", 1));
  t.add(s, "fifo", {P("t")}, kRoot, T("t", 0));
  t.add(s, "char device", {C("t")}, kRoot, T("t", 0));
  t.add(s, "another name of a hard link", {F("a"), H("t", "a")}, kRoot, T("t", 1));
  t.add(s, "0000 file by root", {F("t", 0)}, kRoot, T("t", 1));
  t.add(s, "06755 file by root keeps its bits", {F("t", 06755)}, kRoot, T("t", 1));
  for (long owner : {0L, kCallerId, kOtherId})
    for (mode_t m : {0644, 0666, 0444, 0222, 04766, 02776, 02766, 06777})
      for (off_t len : {off_t{0}, off_t{100}})
        t.add(s, "perm: " + oct(m) + " file owned by " + who(owner) + " to " + std::to_string(len),
              {F("t", m, owner, owner)}, kNobody, T("t", len));
}

inline void ftruncate_cases(Table& t) {
  const std::string s = "ftruncate";
  auto FT = [](const char* p, int flags, off_t len) {
    return [p, flags, len](const Caller&) -> long {
      int fd = ::open(p, flags);
      if (fd < 0) return -100;  // open failed: errno is open's
      return ::ftruncate(fd, len);
    };
  };
  for (off_t len :
       {off_t{0}, off_t{3}, off_t{5}, off_t{100}, off_t{1} << 20, off_t{1} << 40, off_t{-1}})
    t.add(s, "file to " + std::to_string(len), {old(F("t"))}, kRoot, FT("t", O_RDWR, len));
  t.add(s, "O_WRONLY fd", {F("t")}, kRoot, FT("t", O_WRONLY, 1));
  t.add(s, "O_RDONLY fd", {F("t")}, kRoot, FT("t", O_RDONLY, 1));
  t.add(s, "O_APPEND fd", {F("t")}, kRoot, FT("t", O_WRONLY | O_APPEND, 1));
  t.add(s, "O_PATH fd", {F("t")}, kRoot, FT("t", O_PATH, 1));
  t.add(s, "dir fd", {D("t")}, kRoot, FT("t", O_RDONLY | O_DIRECTORY, 0));
  t.add(s, "fifo fd", {P("t")}, kRoot, FT("t", O_RDWR | O_NONBLOCK, 0));
  t.add(s, "through a symlink", {F("f"), L("t", "f")}, kRoot, FT("t", O_RDWR, 2));
  t.add(s, "another name of a hard link", {F("a"), H("t", "a")}, kRoot, FT("t", O_RDWR, 2));
  t.add(s, "file unlinked while open", {F("t"), F("u")}, kRoot, [](const Caller&) -> long {
    int fd = ::open("t", O_RDWR);
    if (fd < 0 || ::unlink("t") < 0) return -100;
    return ::ftruncate(fd, 1);
  });
  t.add(s, "file renamed while open", {F("t")}, kRoot, [](const Caller&) -> long {
    int fd = ::open("t", O_RDWR);
    if (fd < 0 || ::rename("t", "u") < 0) return -100;
    return ::ftruncate(fd, 1);
  });
  t.add(s, "perm: file made 0444 after open", {F("t", 0644, kCallerId, kCallerId)}, kNobody,
        [](const Caller&) -> long {
          int fd = ::open("t", O_RDWR);
          if (fd < 0 || ::chmod("t", 0444) < 0) return -100;
          return ::ftruncate(fd, 1);
        });
  for (long owner : {kCallerId, kOtherId})
    for (mode_t m : {0666, 04766, 02776, 06777, 0644})
      t.add(s, "perm: " + oct(m) + " file owned by " + who(owner), {F("t", m, owner, owner)},
            kNobody, FT("t", O_WRONLY, 1));
}

inline void unlink_cases(Table& t) {
  const std::string s = "unlink";
  path_cases(t, s, 'f', [](const std::string& p, const Caller&) { return ::unlink(p.c_str()); });
  auto U = [](const char* p) {
    return [p](const Caller&) { return static_cast<long>(::unlink(p)); };
  };
  t.add(s, "file", {F("t")}, kRoot, U("t"));
  t.add(s, "0000 file", {F("t", 0)}, kRoot, U("t"));
  t.add(s, "dir", {D("t")}, kRoot, U("t"));
  t.add(s, "symlink (not its target)", {F("f"), L("t", "f")}, kRoot, U("t"));
  t.add(s, "symlink to a dir", {D("d"), L("t", "d")}, kRoot, U("t"));
  t.add(s, "dangling symlink", {L("t", "nowhere")}, kRoot, U("t"));
  t.add(s, "fifo", {P("t")}, kRoot, U("t"));
  t.add(s, "char device", {C("t")}, kRoot, U("t"));
  t.add(s, "one name of a hard link", {F("a", 0640, 65534, 65534), H("t", "a")}, kRoot, U("t"));
  t.add(s, "one name of three", {F("a"), H("b", "a"), H("t", "a")}, kRoot, U("t"));
  t.add(s, "missing", {}, kRoot, U("t"));
  t.add(s, "file with a trailing slash", {F("t")}, kRoot, U("t/"));
  t.add(s, "dir with a trailing slash", {D("t")}, kRoot, U("t/"));
  t.add(s, "dot", {}, kRoot, U("."));
  t.add(s, "file in a 0000 dir by root", {D("d", 0), F("d/t")}, kRoot, U("d/t"));
  t.add(s, "parent mtime changes", {old(D("d")), F("d/t")}, kRoot, U("d/t"));
  t.add(s, "file open elsewhere", {F("t")}, kRoot, [](const Caller&) -> long {
    int fd = ::open("t", O_RDONLY);
    if (fd < 0) return -100;
    return ::unlink("t");
  });
  remove_matrix(t, s, 'f', [](const std::string& p, const Caller&) { return ::unlink(p.c_str()); });
  t.add(s, "perm: sticky dir owned by the caller, file owned by other",
        {D("p", 01777, kCallerId, kCallerId), F("p/t", 0644, kOtherId, kOtherId)}, kNobody,
        U("p/t"));
  t.add(s, "perm: symlink owned by other in a sticky dir",
        {D("p", 01777), L("p/t", "x", kOtherId, kOtherId)}, kNobody, U("p/t"));
}

inline void utimensat_cases(Table& t) {
  const std::string s = "utimensat";
  path_cases(t, s, 'f', [](const std::string& p, const Caller&) {
    timespec ts[2] = {{2000000000, 5}, {2000000001, 6}};
    return ::utimensat(AT_FDCWD, p.c_str(), ts, 0);
  });
  struct Times {
    std::string what;
    bool null;
    timespec a, m;
  };
  const long kNow = UTIME_NOW, kOmit = UTIME_OMIT;
  const Times times[] = {{"NULL", true, {}, {}},
                         {"NOW,NOW", false, {0, kNow}, {0, kNow}},
                         {"explicit", false, {1200000000, 123456789}, {1300000000, 987654321}},
                         {"OMIT,OMIT", false, {0, kOmit}, {0, kOmit}},
                         {"NOW,OMIT", false, {0, kNow}, {0, kOmit}},
                         {"OMIT,explicit", false, {0, kOmit}, {1300000000, 1}}};
  auto U = [](const char* p, const Times& tm, int flags) {
    return [p, tm, flags](const Caller&) {
      timespec ts[2] = {tm.a, tm.m};
      return static_cast<long>(::utimensat(AT_FDCWD, p, tm.null ? nullptr : ts, flags));
    };
  };
  for (const auto& tm : times) {
    t.add(s, "file " + tm.what, {old(F("t"))}, kRoot, U("t", tm, 0));
    t.add(s, "dir " + tm.what, {old(D("t"))}, kRoot, U("t", tm, 0));
    t.add(s, "symlink followed " + tm.what, {old(F("f")), old(L("t", "f"))}, kRoot, U("t", tm, 0));
    t.add(s, "symlink AT_SYMLINK_NOFOLLOW " + tm.what, {old(F("f")), old(L("t", "f"))}, kRoot,
          U("t", tm, AT_SYMLINK_NOFOLLOW));
  }
  const Times odd[] = {{"nsec 999999999", false, {1, 999999999}, {2, 999999999}},
                       {"nsec 1000000000", false, {1, 1000000000}, {2, 0}},
                       {"negative nsec", false, {1, -1}, {2, 0}},
                       {"before 1970", false, {-1000000, 5}, {-2, 6}},
                       {"year 2500", false, {16725225600, 7}, {16725225601, 8}},
                       {"zero", false, {0, 0}, {0, 0}}};
  for (const auto& tm : odd) t.add(s, "file " + tm.what, {old(F("t"))}, kRoot, U("t", tm, 0));
  t.add(s, "fifo explicit", {old(P("t"))}, kRoot, U("t", times[2], 0));
  t.add(s, "char device explicit", {old(C("t"))}, kRoot, U("t", times[2], 0));
  t.add(s, "dangling symlink followed", {L("t", "nowhere")}, kRoot, U("t", times[2], 0));
  t.add(s, "dangling symlink AT_SYMLINK_NOFOLLOW", {old(L("t", "nowhere"))}, kRoot,
        U("t", times[2], AT_SYMLINK_NOFOLLOW));
  t.add(s, "invalid flags", {old(F("t"))}, kRoot, U("t", times[2], 0x4000000));
  t.add(s, "another name of a hard link", {old(F("a")), H("t", "a")}, kRoot, U("t", times[2], 0));
  // Permission: explicit times need ownership; NOW needs ownership or write permission.
  for (long owner : {0L, kCallerId, kOtherId})
    for (mode_t m : {0644, 0666})
      for (const auto& tm : times)
        t.add(s, "perm: " + tm.what + " on a " + oct(m) + " file owned by " + who(owner),
              {old(F("t", m, owner, owner))}, kNobody, U("t", tm, 0));
  t.add(s, "perm: NOW on a 0660 file of a supplementary group", {old(F("t", 0660, 0, 65533))},
        kNobodyG, U("t", times[1], 0));
}

inline std::vector<Case> all_cases() {
  Table t;
  chmod_cases(t);
  chown_cases(t);
  link_cases(t);
  mkdir_cases(t);
  mkfifo_cases(t);
  mknod_cases(t);
  open_cases(t);
  rename_cases(t);
  rmdir_cases(t);
  symlink_cases(t);
  truncate_cases(t);
  ftruncate_cases(t);
  unlink_cases(t);
  utimensat_cases(t);
  return std::move(t.cases);
}

}  // namespace gen

using gen::all_cases;

}  // namespace mfs::test::conformance
