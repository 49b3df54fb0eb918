// The move journal: one record (move_record.hpp) per source branch, replaced atomically, and
// the start-up recovery that reads it.
#include "actors/migration/move_journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "actors/branch/branch_fs.hpp"
#include "actors/migration/file_mover.hpp"
#include "messages/staging.hpp"

namespace mfs {
namespace {

const std::string kJournal = std::string(kStagingPath) + "/journal";
const std::string kJournalTmp = std::string(kStagingPath) + "/journal.tmp";

int fsync_staging(int root_fd) {
  int d = fs::open_dir(root_fd, kStagingPath);
  if (d < 0) return d;
  int r = ::fsync(d) < 0 ? -errno : 0;
  ::close(d);
  return r;
}

bool in_staging(const std::string& fusepath) {
  return fusepath.rfind(std::string(kStagingPath) + "/", 0) == 0 &&
         fusepath.find("/..") == std::string::npos;
}

bool same_content_version(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// Finishes or rolls back the one move `rec` describes; appends what it did to `log`.
void recover_one(int src_root, const MoveRecord& rec,
                 const std::vector<std::pair<std::string, int>>& branches,
                 std::vector<std::string>& log) {
  int dst_root = -1;
  bool dst_listed = false;
  for (const auto& [p, fd] : branches)
    if (p == rec.dst) {
      dst_root = fd;
      dst_listed = true;
    }
  std::string what = rec.path + " (" + rec.src + " -> " + rec.dst + ", " + rec.phase + ")";
  if (dst_root < 0) {
    log.push_back("recovery: target branch of " + what +
                  (dst_listed ? " is not open; journal kept for the next start"
                              : " is not in the pool; journal kept"));
    return;
  }
  struct stat st {};
  if (in_staging(rec.staged) && fs::lstat(dst_root, rec.staged, st) == 0) {
    // Never renamed into place: the source is whole where it was.
    fs::unlink(dst_root, rec.staged);
    log.push_back("recovery: rolled back " + what + ": removed the staged copy");
  } else if (rec.staged_ino && fs::lstat(dst_root, rec.path, st) == 0 && S_ISREG(st.st_mode) &&
             st.st_ino == rec.staged_ino) {
    // Our copy is in place. The source is removed only if it is still the file we copied.
    struct stat src {};
    if (fs::lstat(src_root, rec.path, src) == 0 && src.st_ino == rec.src_ino) {
      if (src.st_nlink == 1 && same_content_version(src, st)) {
        fs::unlink(src_root, rec.path);
        log.push_back("recovery: finished " + what + ": removed the source");
      } else {
        fs::unlink(dst_root, rec.path);
        log.push_back("recovery: rolled back " + what + ": the source changed, removed the copy");
      }
    } else {
      log.push_back("recovery: " + what + " was complete");
    }
  } else {
    log.push_back("recovery: nothing of " + what + " left to undo");
  }
  journal_clear(src_root);
}

// Removes the temp files left in a branch's staging folder (moves and journals only live there).
void sweep_staging(int root_fd, std::vector<std::string>& log, const std::string& branch,
                   const std::atomic<bool>* abandoned) {
  int d = fs::open_dir(root_fd, kStagingPath);
  if (d < 0) return;
  DIR* dir = ::fdopendir(d);
  if (!dir) {
    ::close(d);
    return;
  }
  std::vector<std::string> names;
  while (auto* e = ::readdir(dir)) {
    std::string n = e->d_name;
    if (n != "." && n != ".." && n != "journal") names.push_back(n);
  }
  ::closedir(dir);
  for (const auto& n : names) {
    if (abandoned && abandoned->load()) return;
    std::string p = std::string(kStagingPath) + "/" + n;
    struct stat st {};
    if (fs::lstat(root_fd, p, st) == 0 && !S_ISDIR(st.st_mode) && fs::unlink(root_fd, p) == 0)
      log.push_back("recovery: removed leftover " + branch + p);
  }
  fs::release_staging(root_fd);
}

}  // namespace

int journal_write(int src_root, const MoveRecord& rec) {
  if (int r = fs::ensure_staging(src_root); r < 0) return r;
  std::string text = encode_record(rec);
  int fd = fs::open(src_root, kJournalTmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return fd;
  int r = 0;
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) r = -EIO;
  if (r == 0 && ::fsync(fd) < 0) r = -errno;
  ::close(fd);
  if (r == 0) r = fs::rename(src_root, kJournalTmp, kJournal);
  if (r == 0) r = fsync_staging(src_root);
  return r;
}

bool journal_read(int src_root, MoveRecord& rec) {
  int fd = fs::open(src_root, kJournal, O_RDONLY);
  if (fd < 0) return false;
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return decode_record(text, rec);
}

int journal_clear(int src_root) {
  int r = fs::unlink(src_root, kJournal);
  if (r < 0 && r != -ENOENT) return r;
  fsync_staging(src_root);
  return 0;
}


std::vector<std::string> recover_moves(const std::vector<std::pair<std::string, int>>& branches,
                                       const std::atomic<bool>* abandoned) {
  std::vector<std::string> log;
  auto go_on = [&] { return !abandoned || !abandoned->load(); };
  // Journals first: a record may point at a staged copy on another branch.
  for (const auto& [path, fd] : branches) {
    MoveRecord rec;
    if (go_on() && fd >= 0 && journal_read(fd, rec) && go_on()) recover_one(fd, rec, branches, log);
  }
  for (const auto& [path, fd] : branches)
    if (go_on() && fd >= 0) sweep_staging(fd, log, path, abandoned);
  return log;
}

}  // namespace mfs
