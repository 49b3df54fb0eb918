// Conformance cases of the syscalls that change a node's attributes: chmod, chown, truncate,
// ftruncate, utimensat.
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

}  // namespace gen
}  // namespace mfs::test::conformance
