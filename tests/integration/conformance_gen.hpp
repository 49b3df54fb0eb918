// The building blocks of the conformance table: set-up node builders, the Table cases are
// added to, and the generators every syscall's cases share (path resolution cases, who may
// create or remove a name).
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

#include "tests/integration/conformance_case.hpp"

namespace mfs::test::conformance {
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

}  // namespace gen
}  // namespace mfs::test::conformance
