// Conformance cases of the syscalls that make a name: link, mkdir, mkfifo, mknod, open (with
// O_CREAT and without), symlink.
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

}  // namespace gen
}  // namespace mfs::test::conformance
