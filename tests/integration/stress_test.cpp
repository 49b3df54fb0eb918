// Stress with verification: fio writing and verifying crc32c through the pool, namespace storms
// from several processes followed by a check of every branch, and the daemon's descriptors and
// memory staying flat over a long-ish run. Bounded by operation counts, not by time.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/pool_fixture.hpp"

namespace mfs::test {
namespace {

// Runs fn(k) in `n` child processes; each writes a failure message to its own file (empty on
// success). Returns every child's message, "" for the ones that succeeded.
std::vector<std::string> in_processes(int n, const std::string& scratch,
                                      const std::function<std::string(int)>& fn) {
  std::vector<pid_t> pids;
  for (int k = 0; k < n; ++k) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string msg = fn(k);
      std::ofstream(scratch + "/result" + std::to_string(k)) << msg;
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  std::vector<std::string> out;
  for (int k = 0; k < n; ++k) {
    int st = 0;
    ::waitpid(pids[static_cast<size_t>(k)], &st, 0);
    std::string msg = read_file(scratch + "/result" + std::to_string(k));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) msg += " (child died, status " + std::to_string(st) + ")";
    out.push_back(msg);
  }
  return out;
}

std::vector<std::string> list_dir(const std::string& dir, int* err) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    *err = errno;
    return out;
  }
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  *err = 0;
  return out;
}

// Every regular file below `root`, relative path -> content.
void collect_files(const std::string& root, const std::string& rel, std::multimap<std::string, std::string>& out) {
  int err = 0;
  for (const auto& n : list_dir(rel.empty() ? root : root + "/" + rel, &err)) {
    std::string r = rel.empty() ? n : rel + "/" + n;
    struct stat st {};
    if (::lstat((root + "/" + r).c_str(), &st) < 0) continue;
    if (S_ISDIR(st.st_mode)) collect_files(root, r, out);
    else out.emplace(r, S_ISREG(st.st_mode) ? read_file(root + "/" + r) : std::string("<not a file>"));
  }
}

TEST(Stress, FioCrc32cVerifyThroughThePool) {
  Pool p({.branches = 4, .options = "category.create=rand,minfreespace=1M", .tmpfs_mb = 96});
  // Four random-write jobs and one sequential job in mixed block sizes, every block checksummed
  // with crc32c and read back; plus a job that verifies through mmap.
  std::string jobs = p.root() + "/verify.fio";
  write_file(jobs,
             "[global]\n"
             "directory=" + p.mnt() + "\n"
             "size=24m\nverify=crc32c\ndo_verify=1\nverify_fatal=1\nverify_dump=0\nverify_state_save=0\n"
             "ioengine=psync\nfsync=64\nrandrepeat=0\n"
             "[rand]\nrw=randwrite\nbsrange=4k-64k\nnumjobs=4\n"
             "[seq]\nrw=write\nbs=1m\n"
             "[mmap]\nrw=randwrite\nbs=16k\nioengine=mmap\nsize=8m\n");
  std::string out;
  int rc = run("fio --output-format=terse --terse-version=3 '" + jobs + "'", &out, 600);
  ASSERT_EQ(rc, 0) << out << p.log();
  // Terse v3: field 5 is the job's error code; one line per job.
  std::istringstream lines(out);
  int jobs_seen = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("3;", 0) != 0) continue;
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ';');) f.push_back(x);
    ASSERT_GT(f.size(), 5u);
    EXPECT_EQ(f[4], "0") << "job " << f[2] << " error: " << line;
    ++jobs_seen;
  }
  EXPECT_EQ(jobs_seen, 6) << out;
  // The files spread over the branches and nothing is left half-written: each is whole.
  std::multimap<std::string, std::string> files;
  int with_files = 0;
  for (int b = 0; b < 4; ++b) {
    std::multimap<std::string, std::string> one;
    collect_files(p.branch(b), "", one);
    with_files += one.empty() ? 0 : 1;
    files.insert(one.begin(), one.end());
  }
  EXPECT_EQ(files.size(), 6u);
  EXPECT_GE(with_files, 2);
  std::cout << "[ figures  ] fio: 6 jobs, " << (5 * 24 + 8) << " MiB written and crc32c-verified\n";
}

// Several processes create, rename, unlink and list in shared directories, each on its own
// names (so each knows what must exist), then every branch is checked: each expected file
// exactly once across the branches with its last content, and nothing else.
TEST(Stress, NamespaceStormLeavesEachFileOnceWithItsContent) {
  Pool p({.branches = 4, .options = "category.create=rand,cache.entry=0,cache.attr=0,cache.negative-entry=0"});
  const int kDirs = 4, kWorkers = 4, kRounds = 1500;
  for (int d = 0; d < kDirs; ++d) ASSERT_EQ(::mkdir(p.path("d" + std::to_string(d)).c_str(), 0755), 0);
  TempDir scratch;
  const std::string mnt = p.mnt();
  auto results = in_processes(kWorkers, scratch.path(), [&](int k) -> std::string {
    std::mt19937 rng(static_cast<unsigned>(k) * 7919u + 1);
    std::map<std::string, std::string> mine;  // relative path -> content
    std::ostringstream err;
    long ops = 0;
    auto dir_of = [&](unsigned r) { return "d" + std::to_string(r % kDirs); };
    for (int round = 0; round < kRounds && err.str().empty(); ++round) {
      unsigned op = rng() % 10;
      if (op < 4 || mine.empty()) {  // create
        std::string rel = dir_of(rng()) + "/w" + std::to_string(k) + "-" + std::to_string(round);
        std::string data = "worker " + std::to_string(k) + " round " + std::to_string(round) + "\n";
        int fd = ::open((mnt + "/" + rel).c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) { err << "create " << rel << ": " << std::strerror(errno); break; }
        if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()))
          err << "write " << rel << ": " << std::strerror(errno);
        ::close(fd);
        mine[rel] = data;
      } else if (op < 7) {  // rename, often into another directory
        auto it = mine.begin();
        std::advance(it, rng() % mine.size());
        std::string to = dir_of(rng()) + "/w" + std::to_string(k) + "-r" + std::to_string(round);
        if (::rename((mnt + "/" + it->first).c_str(), (mnt + "/" + to).c_str()) < 0) {
          err << "rename " << it->first << " -> " << to << ": " << std::strerror(errno);
          break;
        }
        mine[to] = it->second;
        mine.erase(it);
      } else if (op < 8) {  // unlink
        auto it = mine.begin();
        std::advance(it, rng() % mine.size());
        if (::unlink((mnt + "/" + it->first).c_str()) < 0) {
          err << "unlink " << it->first << ": " << std::strerror(errno);
          break;
        }
        mine.erase(it);
      } else {  // list: no duplicates, and every file of mine in that directory is there
        std::string d = dir_of(rng());
        int e = 0;
        auto names = list_dir(mnt + "/" + d, &e);
        if (e) { err << "readdir " << d << ": " << std::strerror(e); break; }
        std::set<std::string> uniq(names.begin(), names.end());
        if (uniq.size() != names.size()) err << "readdir " << d << " lists a name twice";
        for (const auto& [rel, data] : mine)
          if (rel.rfind(d + "/", 0) == 0 && !uniq.count(rel.substr(d.size() + 1)))
            err << "readdir " << d << " misses " << rel << "; ";
      }
      ++ops;
    }
    std::ofstream expected(scratch.path() + "/expected" + std::to_string(k));
    for (const auto& [rel, data] : mine) expected << rel << '\t' << data;
    std::ofstream(scratch.path() + "/ops" + std::to_string(k)) << ops;
    return err.str();
  });
  for (int k = 0; k < kWorkers; ++k) EXPECT_EQ(results[static_cast<size_t>(k)], "") << "worker " << k;

  std::map<std::string, std::string> want;
  long ops = 0;
  for (int k = 0; k < kWorkers; ++k) {
    std::istringstream in(read_file(scratch.path() + "/expected" + std::to_string(k)));
    for (std::string line; std::getline(in, line);) {
      auto tab = line.find('\t');
      want[line.substr(0, tab)] = line.substr(tab + 1) + "\n";
    }
    ops += std::stol("0" + read_file(scratch.path() + "/ops" + std::to_string(k)));
  }
  std::multimap<std::string, std::string> got;
  for (int b = 0; b < 4; ++b) collect_files(p.branch(b), "", got);
  std::ostringstream problems;
  for (const auto& [rel, data] : want) {
    auto n = got.count(rel);
    if (n != 1) problems << rel << " found " << n << " times\n";
    else if (got.find(rel)->second != data) problems << rel << " has the wrong content\n";
  }
  for (const auto& [rel, data] : got)
    if (!want.count(rel)) problems << "unexpected " << rel << "\n";
  EXPECT_EQ(problems.str(), "");
  // The pool shows the same set.
  std::multimap<std::string, std::string> through;
  collect_files(p.mnt(), "", through);
  EXPECT_EQ(through.size(), want.size());
  std::cout << "[ figures  ] namespace storm: " << kWorkers << " processes, " << ops << " operations, "
            << want.size() << " files checked on 4 branches\n";
}

// The daemon's open descriptors: all of them, and those on files under `under`.
struct Fds {
  size_t all = 0, under = 0;
};
Fds open_fds(pid_t pid, const std::string& under) {
  int err = 0;
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  Fds out;
  for (const auto& n : list_dir(dir, &err)) {
    ++out.all;
    char target[4096];
    ssize_t len = ::readlink((dir + "/" + n).c_str(), target, sizeof target);
    if (len > 0 && std::string(target, static_cast<size_t>(len)).rfind(under, 0) == 0) ++out.under;
  }
  return out;
}

long rss_kb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The same mixed workload run several times: after the first (warm-up) run, the daemon's open
// descriptors are back to the same count and its resident memory stays within a few MiB.
TEST(Stress, DaemonDescriptorsAndMemoryStayFlat) {
  Pool p({.branches = 3, .options = "category.create=rand,cache.entry=0,cache.attr=0"});
  TempDir scratch;
  const std::string mnt = p.mnt();
  ASSERT_EQ(::mkdir(p.path("work").c_str(), 0755), 0);
  auto workload = [&](int pass) {
    auto results = in_processes(3, scratch.path(), [&](int k) -> std::string {
      std::string data(8192 + k * 100, static_cast<char>('a' + k));
      std::vector<char> buf(65536);
      for (int i = 0; i < 400; ++i) {
        std::string f = mnt + "/work/p" + std::to_string(k) + "-" + std::to_string(i % 50);
        int fd = ::open(f.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return "open " + f + ": " + std::strerror(errno);
        if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) return "write failed";
        if (::pread(fd, buf.data(), buf.size(), 0) != static_cast<ssize_t>(data.size())) return "read failed";
        ::close(fd);
        struct stat st {};
        if (::stat(f.c_str(), &st) < 0) return "stat failed";
        if (i % 3 == 0 && ::unlink(f.c_str()) < 0) return "unlink failed";
        if (i % 10 == 0) {
          int e = 0;
          list_dir(mnt + "/work", &e);
          if (e) return "readdir failed";
          ::getxattr((mnt + "/.mergerfs").c_str(), "user.mergerfs.stats", buf.data(), buf.size());
        }
      }
      return "";
    });
    for (const auto& r : results) EXPECT_EQ(r, "") << "pass " << pass;
  };
  const pid_t pid = p.pid();
  const Fds idle = open_fds(pid, p.root());  // the branch roots, /dev/fuse, log, ...
  workload(0);
  // A released handle is closed when the last request using it ends (fuse-bridge/handle_table.hpp):
  // under churn RELEASE arrives asynchronously, after close(2) returned; none is held once idle.
  // Besides,
  // each FUSE worker thread (at most 16) keeps a /dev/fuse clone and a splice pipe pair.
  Fds now;
  auto settled = [&] {
    now = open_fds(pid, p.root());
    return now.under <= idle.under && now.all <= idle.all + 3 * 16;
  };
  EXPECT_TRUE(eventually(settled, std::chrono::seconds(5)))
      << "descriptors before: " << idle.all << " (" << idle.under << " in the pool's dirs); after the "
      << "warm-up: " << now.all << " (" << now.under << ")";
  const long rss0 = rss_kb(pid);
  const int kPasses = 8;
  for (int pass = 1; pass <= kPasses; ++pass) workload(pass);
  EXPECT_TRUE(eventually(settled, std::chrono::seconds(5)))
      << "descriptors before: " << idle.all << " (" << idle.under << " in the pool's dirs); after "
      << kPasses << " passes: " << now.all << " (" << now.under << ")";
  const long rss1 = rss_kb(pid);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // (Under a sanitizer the daemon's freed memory sits in quarantine: RSS grows by design.)
  EXPECT_LT(rss1 - rss0, 8 * 1024) << "RSS " << rss0 << " kB after the warm-up, " << rss1 << " kB after";
#endif
  std::cout << "[ figures  ] flat run: " << kPasses * 3 * 400 << " open/write/read/close cycles; fds "
            << idle.all << " idle before, " << now.all << " idle after (" << idle.under << " -> " << now.under
            << " on branch files), RSS " << rss0 << " -> " << rss1 << " kB\n";
}

}  // namespace
}  // namespace mfs::test
