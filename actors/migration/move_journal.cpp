// The move journal: a small key=value text file per source branch, replaced atomically.
#include "actors/migration/move_journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "actors/branch/branch_fs.hpp"
#include "actors/migration/file_mover.hpp"
#include "messages/staging.hpp"

namespace mfs {
namespace {

const std::string kJournal = std::string(kStagingPath) + "/journal";
const std::string kJournalTmp = std::string(kStagingPath) + "/journal.tmp";

// Paths may hold any byte but '\0': '%' and '\n' are escaped so a record stays one line each.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\n') out += "%0a";
    else out.push_back(c);
  }
  return out;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

int fsync_staging(int root_fd) {
  int d = fs::open_dir(root_fd, kStagingPath);
  if (d < 0) return d;
  int r = ::fsync(d) < 0 ? -errno : 0;
  ::close(d);
  return r;
}

bool read_journal(int root_fd, MoveRecord& rec) {
  int fd = fs::open(root_fd, kJournal, O_RDONLY);
  if (fd < 0) return false;
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  std::map<std::string, std::string> kv;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    auto eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = unescape(line.substr(eq + 1));
  }
  rec.phase = kv["phase"];
  rec.src = kv["src"];
  rec.dst = kv["dst"];
  rec.path = kv["path"];
  rec.staged = kv["staged"];
  rec.src_ino = std::strtoull(kv["src_ino"].c_str(), nullptr, 10);
  rec.staged_ino = std::strtoull(kv["staged_ino"].c_str(), nullptr, 10);
  return !rec.path.empty() && !rec.dst.empty() && !rec.staged.empty();
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
  for (const auto& [p, fd] : branches)
    if (p == rec.dst) dst_root = fd;
  std::string what = rec.path + " (" + rec.src + " -> " + rec.dst + ", " + rec.phase + ")";
  if (dst_root < 0) {
    log.push_back("recovery: target branch of " + what + " is not in the pool; journal kept");
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
void sweep_staging(int root_fd, std::vector<std::string>& log, const std::string& branch) {
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
  std::string text = "phase=" + escape(rec.phase) + "\nsrc=" + escape(rec.src) +
                     "\ndst=" + escape(rec.dst) + "\npath=" + escape(rec.path) +
                     "\nstaged=" + escape(rec.staged) + "\nsrc_ino=" + std::to_string(rec.src_ino) +
                     "\nstaged_ino=" + std::to_string(rec.staged_ino) + "\n";
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

int journal_clear(int src_root) {
  int r = fs::unlink(src_root, kJournal);
  if (r < 0 && r != -ENOENT) return r;
  fsync_staging(src_root);
  return 0;
}


std::vector<std::string> recover_moves(const std::vector<std::pair<std::string, int>>& branches) {
  std::vector<std::string> log;
  // Journals first: a record may point at a staged copy on another branch.
  for (const auto& [path, fd] : branches) {
    MoveRecord rec;
    if (fd >= 0 && read_journal(fd, rec)) recover_one(fd, rec, branches, log);
  }
  for (const auto& [path, fd] : branches)
    if (fd >= 0) sweep_staging(fd, log, path);
  return log;
}

}  // namespace mfs
