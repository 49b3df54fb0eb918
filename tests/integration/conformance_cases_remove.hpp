// Conformance cases of the syscalls that take a name away or move it: rename, rmdir, unlink.
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

#include "tests/integration/conformance_gen.hpp"

namespace mfs::test::conformance {
namespace gen {

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

}  // namespace gen
}  // namespace mfs::test::conformance
