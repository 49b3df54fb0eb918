// POSIX conformance run (pjdfstest-style). Every case comes from a table (conformance_cases.hpp)
// of set-ups x callers x arguments. It runs once in a fresh directory of a plain tmpfs and twice
// inside one 3-branch pool of tmpfs branches:
//   through - the set-up is made through the pool (the create policy places it);
//   spread  - the set-up is made on the branches behind the pool's back: every directory on all
//             three branches, every other node on one of them (rotating); these cases run with
//             cache.branch-entry=0 (out-of-band changes show at once, not within the TTL).
// Compared: return value and errno of the syscall, and the resulting tree of the case directory
// (type, mode, owner, size, link count, symlink target, device, content digest, and timestamps
// that are not "now"). Directory link counts, sizes and (but for utimensat) timestamps are not
// compared: a directory held by several branches shows one copy's (FEATURES.md §4.7); cases
// where only a directory's timestamps differ are listed as a note. A difference fails the test
// unless the case is tagged with one of the deviation classes DESIGN.md allows ("Where mergerfs
// is not POSIX"); a tagged case that matches counts as passed and is listed.
//
// The run prints each failing case (syscall outcome on both sides, the lines of the trees that
// differ, where the pool placed each node), per-syscall counts, per-class deviation counts and
// the closing line "N passed, M failed (D allowed deviations)": N + M + D cases in all, M the
// differences not covered by a deviation class.
#include <dirent.h>
#include <sys/xattr.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/conformance_cases.hpp"
#include "tests/integration/pool_fixture.hpp"

namespace mfs::test::conformance {
namespace {

// ---------------------------------------------------------------------------------------------
// Building a set-up below a directory fd, never following symlinks, with no PATH_MAX limit.

// The directory holding `rel` (an O_PATH fd the caller closes) and the last name, or -errno.
int parent_fd(int base, const std::string& rel, std::string& leaf) {
  auto slash = rel.rfind('/');
  leaf = slash == std::string::npos ? rel : rel.substr(slash + 1);
  int cur = ::fcntl(base, F_DUPFD_CLOEXEC, 0);
  if (cur < 0 || slash == std::string::npos) return cur < 0 ? -errno : cur;
  std::string dir = rel.substr(0, slash);
  size_t pos = 0;
  while (pos <= dir.size()) {
    size_t next = dir.find('/', pos);
    if (next == std::string::npos) next = dir.size();
    std::string comp = dir.substr(pos, next - pos);
    int fd = ::openat(cur, comp.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    ::close(cur);
    if (fd < 0) return -e;
    cur = fd;
    pos = next + 1;
  }
  return cur;
}

std::string errstr(int e) {
  return e ? std::strerror(e) : "0";
}

// Creates one node below `base` with a neutral mode; attributes come later.
std::string create_node(int base, const Obj& o, int src_base) {
  std::string leaf;
  int p = parent_fd(base, o.rel, leaf);
  if (p < 0) return "parent of " + short_path(o.rel) + ": " + errstr(-p);
  int r = 0;
  switch (o.kind) {
    case 'd':
      r = ::mkdirat(p, leaf.c_str(), 0755);
      break;
    case 'f': {
      int fd = ::openat(p, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) {
        r = -1;
        break;
      }
      if (::write(fd, o.data.data(), o.data.size()) != static_cast<ssize_t>(o.data.size())) r = -1;
      ::close(fd);
      break;
    }
    case 'l':
      r = ::symlinkat(o.data.c_str(), p, leaf.c_str());
      break;
    case 'p':
      r = ::mkfifoat(p, leaf.c_str(), 0644);
      break;
    case 'c':
      r = ::mknodat(p, leaf.c_str(), S_IFCHR | 0644, ::makedev(1, 3));
      break;
    case 'h': {
      std::string sleaf;
      int sp = parent_fd(src_base, o.data, sleaf);
      if (sp < 0) {
        r = -1;
        errno = -sp;
        break;
      }
      r = ::linkat(sp, sleaf.c_str(), p, leaf.c_str(), 0);
      int e = errno;
      ::close(sp);
      errno = e;
      break;
    }
    default:
      r = -1;
      errno = EINVAL;
  }
  int e = errno;
  ::close(p);
  if (r < 0) return std::string("create ") + o.kind + " " + short_path(o.rel) + ": " + errstr(e);
  return "";
}

std::string apply_attrs(int base, const Obj& o, const Caller& c) {
  if (o.kind == 'h') return "";
  std::string leaf;
  int p = parent_fd(base, o.rel, leaf);
  if (p < 0) return "parent of " + short_path(o.rel) + ": " + errstr(-p);
  std::string err;
  if (::fchownat(p, leaf.c_str(), uid_for(o.uid, c), gid_for(o.gid, c), AT_SYMLINK_NOFOLLOW) < 0)
    err = "chown " + short_path(o.rel) + ": " + errstr(errno);
  else if (o.kind != 'l' && ::fchmodat(p, leaf.c_str(), o.mode, 0) < 0)
    err = "chmod " + short_path(o.rel) + ": " + errstr(errno);
  ::close(p);
  return err;
}

std::string apply_times(int base, const Obj& o) {
  if (!o.old_times) return "";
  std::string leaf;
  int p = parent_fd(base, o.rel, leaf);
  if (p < 0) return "parent of " + short_path(o.rel) + ": " + errstr(-p);
  timespec ts[2] = {kOldAtime, kOldMtime};
  std::string err;
  if (::utimensat(p, leaf.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0)
    err = "utimensat " + short_path(o.rel) + ": " + errstr(errno);
  ::close(p);
  return err;
}

// Materialises a set-up. `bases` holds one directory fd (plain, or the pool) or one per branch
// (spread: directories on every branch, each other node on one, hard links with their source).
std::string build(const std::vector<int>& bases, const std::vector<Obj>& setup, const Caller& c) {
  std::map<std::string, size_t> where;  // rel -> branch index (spread)
  size_t next = 1;                      // the first non-directory lands on branch 1
  std::vector<std::vector<size_t>> placed(setup.size());
  for (size_t i = 0; i < setup.size(); ++i) {
    const Obj& o = setup[i];
    if (bases.size() == 1 || o.kind == 'd') {
      for (size_t b = 0; b < bases.size(); ++b) placed[i].push_back(b);
    } else if (o.kind == 'h') {
      auto it = where.find(o.data);
      placed[i].push_back(it == where.end() ? 0 : it->second);
    } else {
      placed[i].push_back(next++ % bases.size());
    }
    if (!placed[i].empty()) where[o.rel] = placed[i].front();
    for (size_t b : placed[i])
      if (auto e = create_node(bases[b], o, bases[b]); !e.empty()) return e;
  }
  for (size_t i = setup.size(); i-- > 0;)
    for (size_t b : placed[i])
      if (auto e = apply_attrs(bases[b], setup[i], c); !e.empty()) return e;
  for (size_t i = setup.size(); i-- > 0;)
    for (size_t b : placed[i])
      if (auto e = apply_times(bases[b], setup[i]); !e.empty()) return e;
  return "";
}

// ---------------------------------------------------------------------------------------------
// The syscall, in a child process: cwd = the case directory, the caller's credentials and umask.

Outcome run_call(const Case& c, int cwd) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return {-1, errno};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    ::alarm(20);  // a hung request must not hang the run
    Outcome o{kSetupFailed, EPERM};
    const Caller& who = c.caller;
    if (::fchdir(cwd) == 0 && ::setgroups(who.groups.size(), who.groups.data()) == 0 &&
        ::setresgid(who.gid, who.gid, who.gid) == 0 &&
        ::setresuid(who.uid, who.uid, who.uid) == 0) {
      ::umask(c.umask);
      errno = 0;
      long r = c.call(who);
      o = Outcome{r, r < 0 ? errno : 0};
    } else {
      o.err = errno;
    }
    (void)!::write(p[1], &o, sizeof o);
    ::_exit(0);
  }
  ::close(p[1]);
  Outcome o{kSetupFailed, ETIMEDOUT};
  if (::read(p[0], &o, sizeof o) != static_cast<ssize_t>(sizeof o)) o = {kSetupFailed, ETIMEDOUT};
  ::close(p[0]);
  int st;
  ::waitpid(pid, &st, 0);
  return o;
}

// ---------------------------------------------------------------------------------------------
// The resulting tree, read through directory fds (no PATH_MAX limit on the reader's side).

struct Entry {
  std::string rel;
  int err = 0;
  struct stat st {};
  std::string extra;  // symlink target or content digest
};

std::string digest(int dfd, const std::string& name) {
  int fd = ::openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOATIME | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "open:" + errstr(errno);
  uint64_t h = 1469598103934665603ULL;  // FNV-1a over the first 64 KiB
  std::vector<char> buf(65536);
  ssize_t n = ::read(fd, buf.data(), buf.size());
  int e = errno;
  ::close(fd);
  if (n < 0) return "read:" + errstr(e);
  for (ssize_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
  char out[40];
  std::snprintf(out, sizeof out, "%zd:%016llx", n, static_cast<unsigned long long>(h));
  return out;
}

void walk(int dfd, const std::string& prefix, std::vector<Entry>& out) {
  int lfd = ::openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = lfd < 0 ? nullptr : ::fdopendir(lfd);
  if (!d) {
    out.push_back({prefix + "<readdir>", errno, {}, ""});
    if (lfd >= 0) ::close(lfd);
    return;
  }
  std::vector<std::string> names;
  errno = 0;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  if (errno) out.push_back({prefix + "<readdir>", errno, {}, ""});
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    Entry e;
    e.rel = prefix + n;
    if (::fstatat(dfd, n.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) < 0) {
      e.err = errno;
      out.push_back(e);
      continue;
    }
    if (S_ISLNK(e.st.st_mode)) {
      std::vector<char> t(PATH_MAX + 2);
      ssize_t k = ::readlinkat(dfd, n.c_str(), t.data(), t.size());
      e.extra =
          k < 0 ? "?" + errstr(errno) : short_path(std::string(t.data(), static_cast<size_t>(k)));
    } else if (S_ISREG(e.st.st_mode)) {
      e.extra = digest(dfd, n);
    }
    out.push_back(e);
    if (S_ISDIR(e.st.st_mode)) {
      int sub = ::openat(dfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        out.push_back({e.rel + "/<open>", errno, {}, ""});
        continue;
      }
      walk(sub, e.rel + "/", out);
      ::close(sub);
    }
  }
}

std::vector<Entry> snapshot(int casefd) {
  std::vector<Entry> out;
  Entry root;
  root.rel = ".";
  if (::fstat(casefd, &root.st) < 0) root.err = errno;
  out.push_back(root);
  walk(casefd, "", out);
  return out;
}

std::string show_time(const timespec& t, time_t now) {
  if (t.tv_sec > now - 600 && t.tv_sec < now + 600) return "now";
  return std::to_string(t.tv_sec) + "." + std::to_string(t.tv_nsec);
}

// Directory timestamps are shown only when asked: a pool directory that exists on several
// branches shows one copy's times (FEATURES.md §4.7), like its link count and size.
std::vector<std::string> format(const std::vector<Entry>& es, bool dir_times) {
  std::vector<std::string> lines;
  std::map<std::pair<dev_t, ino_t>, std::string> first;
  time_t now = ::time(nullptr);
  for (const Entry& e : es) {
    std::string l = short_path(e.rel);
    if (e.err) {
      lines.push_back(l + " error:" + errstr(e.err));
      continue;
    }
    const struct stat& st = e.st;
    char buf[96];
    std::snprintf(buf, sizeof buf, " mode=%04o uid=%u gid=%u",
                  static_cast<unsigned>(st.st_mode & 07777), static_cast<unsigned>(st.st_uid),
                  static_cast<unsigned>(st.st_gid));
    const bool dir = S_ISDIR(st.st_mode);
    if (dir)
      l += " dir";
    else if (S_ISREG(st.st_mode))
      l += " file";
    else if (S_ISLNK(st.st_mode))
      l += " symlink";
    else if (S_ISFIFO(st.st_mode))
      l += " fifo";
    else if (S_ISSOCK(st.st_mode))
      l += " socket";
    else if (S_ISCHR(st.st_mode))
      l += " chr";
    else if (S_ISBLK(st.st_mode))
      l += " blk";
    else
      l += " type?";
    l += buf;
    if (!dir) {
      l += " nlink=" + std::to_string(st.st_nlink) + " size=" + std::to_string(st.st_size);
      if (st.st_nlink > 1) {
        auto key = std::make_pair(st.st_dev, st.st_ino);
        auto it = first.find(key);
        if (it != first.end())
          l += " =" + it->second;
        else
          first.emplace(key, short_path(e.rel));
      }
    }
    if (!e.extra.empty()) l += (S_ISLNK(st.st_mode) ? " -> " : " data=") + e.extra;
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
      l += " rdev=" + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    if (!dir || dir_times)
      l += " atime=" + show_time(st.st_atim, now) + " mtime=" + show_time(st.st_mtim, now);
    lines.push_back(l);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------

struct Result {
  std::string setup_err;
  Outcome out;
  std::vector<std::string> tree;        // compared
  std::vector<std::string> tree_times;  // with directory timestamps (reported, not compared)
};

enum class Where { plain, through, spread };
const char* name_of(Where w) {
  return w == Where::plain ? "plain" : w == Where::through ? "through" : "spread";
}

class Runner {
 public:
  Runner() {
    // The same mount flags as the pool (libfuse mounts nosuid,nodev): this compares filesystem
    // semantics, not the administrator's mount options.
    struct statvfs sv {};
    unsigned long flags = 0;
    if (::statvfs(pool_.mnt().c_str(), &sv) == 0) {
      if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
      if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
      if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    }
    if (::mount("tmpfs", plain_.path().c_str(), "tmpfs", flags, "size=1g,mode=0755") < 0)
      ADD_FAILURE() << "tmpfs for the plain directory: " << std::strerror(errno);
    else
      plain_mounted_ = true;
  }
  ~Runner() {
    if (plain_mounted_) ::umount2(plain_.path().c_str(), MNT_DETACH);
  }
  Pool& pool() { return pool_; }

  // Spread set-ups are made behind the pool's back, and the pool promises to see out-of-band
  // changes within cache.branch-entry: spread cases run with that cache off.
  void set_branch_entry_cache(bool on) {
    if (on == cache_on_) return;
    std::string ctl = pool_.mnt() + "/.mergerfs";
    const char* v = on ? "1" : "0";
    if (::setxattr(ctl.c_str(), "user.mergerfs.cache.branch-entry", v, 1, 0) != 0)
      ADD_FAILURE() << "cannot set cache.branch-entry: " << std::strerror(errno);
    cache_on_ = on;
  }

  Result run(const Case& c, size_t index, Where w) {
    Result r;
    char name[16];
    std::snprintf(name, sizeof name, "%c%04zu",
                  w == Where::plain     ? 'p'
                  : w == Where::through ? 't'
                                        : 's',
                  index);
    std::vector<int> bases;
    auto fail = [&](const std::string& what) {
      r.setup_err = what;
      r.out = {kSetupFailed, 0};
      for (int fd : bases) ::close(fd);
      return r;
    };
    // The case directory, then the set-up below it.
    std::vector<std::string> roots;
    if (w == Where::plain)
      roots.push_back(plain_.path());
    else if (w == Where::through)
      roots.push_back(pool_.mnt());
    else
      for (int b = 0; b < 3; ++b) roots.push_back(pool_.branch(b));
    for (const auto& root : roots) {
      std::string dir = root + "/" + name;
      if (::mkdir(dir.c_str(), 0755) < 0) return fail("mkdir " + dir + ": " + errstr(errno));
      int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return fail("open " + dir + ": " + errstr(errno));
      bases.push_back(fd);
    }
    std::string err = build(bases, c.setup, c.caller);
    for (int fd : bases) ::close(fd);
    bases.clear();
    if (!err.empty()) r.setup_err = err;
    std::string casedir = (w == Where::plain ? plain_.path() : pool_.mnt()) + "/" + name;
    int cfd = ::open(casedir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cfd < 0) return fail("open " + casedir + ": " + errstr(errno));
    if (r.setup_err.empty())
      r.out = run_call(c, cfd);
    else
      r.out = {kSetupFailed, 0};
    auto entries = snapshot(cfd);
    r.tree = format(entries, c.sys == "utimensat");
    r.tree_times = format(entries, true);
    ::close(cfd);
    return r;
  }

  // The case's tree on each branch (for the report of a failing case).
  std::string placement(size_t index, Where w) {
    std::string out;
    char name[16];
    std::snprintf(name, sizeof name, "%c%04zu", w == Where::through ? 't' : 's', index);
    for (int b = 0; b < 3; ++b) {
      std::string dir = pool_.branch(b) + "/" + name;
      int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) continue;
      std::vector<Entry> es;
      walk(fd, "", es);
      ::close(fd);
      std::string names;
      for (size_t k = 0; k < es.size() && k < 12; ++k) names += " " + short_path(es[k].rel);
      if (es.size() > 12) names += " ... (" + std::to_string(es.size()) + " in all)";
      out +=
          "      branch " + std::to_string(b) + ":" + (names.empty() ? " (empty)" : names) + "\n";
    }
    return out;
  }

 private:
  TempDir plain_;
  bool plain_mounted_ = false;
  bool cache_on_ = true;
  Pool pool_{
      {.branches = 3, .tmpfs_mb = 8192}};  // > minfreespace (4G); tmpfs only uses what it holds
};

std::string show(const Outcome& o) {
  if (o.ret == kSetupFailed) return o.err ? "call failed: " + errstr(o.err) : "not run";
  return "ret=" + std::to_string(o.ret) +
         " errno=" + (o.err ? std::string(strerrorname_np(o.err)) : "0");
}

std::string show_setup(const std::vector<Obj>& s) {
  std::string out;
  size_t deep = 0;  // chains of long directory names print as one item
  for (const Obj& o : s) {
    if (o.kind == 'd' && o.rel.size() > 240 && o.rel.find('/') != std::string::npos &&
        o.mode == 0755) {
      ++deep;
      continue;
    }
    if (deep) {
      out += std::string(out.empty() ? "" : "; ") + "(" + std::to_string(deep) + " nested dirs)";
      deep = 0;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, " %04o %ld:%ld", static_cast<unsigned>(o.mode), o.uid, o.gid);
    out += std::string(out.empty() ? "" : "; ") + o.kind + " " + short_path(o.rel);
    if (o.kind == 'l' || o.kind == 'h')
      out += " -> " + short_path(o.data);
    else
      out += buf;
  }
  if (deep)
    out += std::string(out.empty() ? "" : "; ") + "(" + std::to_string(deep) + " nested dirs)";
  return out.empty() ? "(nothing)" : out;
}

// Lines only in a, and lines only in b, in order.
std::string tree_diff(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::multiset<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  std::string out;
  for (const auto& l : a)
    if (!sb.count(l)) out += "      - plain " + l + "\n";
  for (const auto& l : b)
    if (!sa.count(l)) out += "      + pool  " + l + "\n";
  return out;
}

struct Tally {
  int passed = 0, failed = 0, deviations = 0;
};

TEST(Conformance, PlainTmpfsAndPoolAgree) {
  auto started = std::chrono::steady_clock::now();
  std::vector<Case> cases = all_cases();
  Runner runner;
  ASSERT_TRUE(is_mounted(runner.pool().mnt()));

  std::map<std::string, Tally> by_sys;
  std::map<std::string, int> by_class;
  std::vector<std::string> tagged_but_passing;
  std::vector<std::string> dir_times;  // passed, but a directory's timestamps differ
  Tally total;
  int printed = 0;
  const bool list_all = std::getenv("MFS_CONFORMANCE_LIST") != nullptr;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    Result plain = runner.run(c, i, Where::plain);
    if (!plain.setup_err.empty()) {
      // A set-up that fails on a plain tmpfs is a bug in the table, not in the pool.
      ADD_FAILURE() << c.sys << ": " << c.name
                    << ": set-up fails on the plain directory: " << plain.setup_err;
    }
    if (list_all)  // MFS_CONFORMANCE_LIST=1: every case with the reference answer
      std::printf("case %zu %s: %s -> %s\n", i, c.sys.c_str(), c.name.c_str(), show(plain.out).c_str());
    for (Where w : {Where::through, Where::spread}) {
      runner.set_branch_entry_cache(w == Where::through);
      Result pool = runner.run(c, i, w);
      bool same =
          plain.setup_err == pool.setup_err && plain.out == pool.out && plain.tree == pool.tree;
      Tally& t = by_sys[c.sys];
      if (same) {
        ++t.passed;
        ++total.passed;
        if (plain.tree_times != pool.tree_times)
          dir_times.push_back(c.sys + ": " + c.name + " (" + name_of(w) + ")");
        if (!c.deviation.empty())
          tagged_but_passing.push_back(c.sys + ": " + c.name + " (" + name_of(w) + ")");
        continue;
      }
      std::string label = c.deviation.empty() ? "FAIL" : "DEVIATION(" + c.deviation + ")";
      if (c.deviation.empty()) {
        ++t.failed;
        ++total.failed;
      } else {
        ++t.deviations;
        ++total.deviations;
        ++by_class[c.deviation];
      }
      if (printed++ < 400) {
        // Failures in full; an allowed deviation in one line per side.
        std::string msg = label + " " + c.sys + ": " + c.name + " (" + name_of(w) + ", case " +
                          std::to_string(i) + ")\n";
        if (c.deviation.empty()) msg += "    set-up: " + show_setup(c.setup) + "\n";
        msg += "    plain: " + show(plain.out) +
               (plain.setup_err.empty() ? "" : " [set-up: " + plain.setup_err + "]") + "\n" +
               "    pool:  " + show(pool.out) +
               (pool.setup_err.empty() ? "" : " [set-up: " + pool.setup_err + "]") + "\n";
        if (c.deviation.empty())
          msg += tree_diff(plain.tree, pool.tree) + "    placement:\n" + runner.placement(i, w);
        std::printf("%s", msg.c_str());
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "\nconformance: %zu case definitions, each on a plain tmpfs and in the pool twice "
      "(set-up through the pool, and spread over the branches): %d cases, %.1f s\n",
      cases.size(), total.passed + total.failed + total.deviations, secs);
  for (const auto& [sys, t] : by_sys)
    std::printf("  %-14s %4d passed, %3d failed, %3d allowed deviations\n", sys.c_str(), t.passed,
                t.failed, t.deviations);
  std::printf("allowed deviations (DESIGN.md classes):");
  if (by_class.empty()) std::printf(" none");
  for (const auto& [cls, n] : by_class) std::printf(" %s %d;", cls.c_str(), n);
  std::printf("\n");
  if (!dir_times.empty()) {
    std::printf(
        "note: %zu passing cases differ in a directory's timestamps (a directory on several "
        "branches shows one copy's times, FEATURES.md 4.7; not compared):\n",
        dir_times.size());
    for (const auto& s : dir_times) std::printf("  %s\n", s.c_str());
  }
  for (const auto& s : tagged_but_passing)
    std::printf("note: tagged as a deviation but matched: %s\n", s.c_str());
  std::printf("%d passed, %d failed (%d allowed deviations)\n", total.passed, total.failed,
              total.deviations);
  std::fflush(stdout);
  EXPECT_GE(total.passed + total.failed + total.deviations, 500);
  EXPECT_EQ(total.failed, 0)
      << "conformance cases differ from a plain tmpfs (see the report above)";
}

}  // namespace
}  // namespace mfs::test::conformance
