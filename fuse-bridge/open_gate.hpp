// Requests and moves of the same file, kept apart: an open holds an entry from its path search
// until its handle is registered, and unlink, rename, link and path-based setattr hold one for
// their syscalls; a mover's pin (OpenFiles) is refused while the file is open or such a request
// is under way, and holds new ones back until it is dropped (the move's rename and unlink).
// Keyed by exact path: a rename of a parent directory is caught by the mover's check of the
// source instead (it finds the source gone and rolls back).
#pragma once
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "messages/open_files.hpp"

namespace mfs::bridge {

class OpenGate final : public OpenFiles {
 public:
  // `is_open(path)`: a handle of the node at that path is registered.
  explicit OpenGate(std::function<bool(const std::string&)> is_open) : is_open_(std::move(is_open)) {}

  class Entry {
   public:
    Entry(OpenGate* g, std::string path) : g_(g), path_(std::move(path)) {}
    Entry(Entry&& o) noexcept : g_(o.g_), path_(std::move(o.path_)) { o.g_ = nullptr; }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    ~Entry();

   private:
    OpenGate* g_;
    std::string path_;
  };
  // Waits while `path` is pinned by a move; held until the open has registered its handle.
  Entry enter(const std::string& path);
  std::unique_ptr<Pin> pin_closed(const std::string& path) override;

 private:
  class MovePin;
  void unpin(const std::string& path);

  std::function<bool(const std::string&)> is_open_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, int> opening_;
  std::unordered_set<std::string> pinned_;
};

}  // namespace mfs::bridge
