// The open file and the reply of a moveonenospc write, as the migration sees them
// (EnospcWrite): the write retried on the handle, the descriptor swap for every handle of the
// node, the answer.
#include "fuse-bridge/move_on_enospc.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "actors/branch/branch_fs.hpp"
#include "actors/branch/branch_state.hpp"
#include "actors/migration/move_on_enospc.hpp"

namespace mfs::bridge {
namespace {

class HandleWrite final : public EnospcWrite {
 public:
  HandleWrite(Bridge& b, ReplyPtr reply, std::shared_ptr<FileHandle> h, const char* buf,
              size_t size, off_t off)
      : b_(b), reply_(std::move(reply)), h_(std::move(h)), data_(buf, buf + size), off_(off) {}

  std::shared_mutex& io() override { return *h_->io; }
  ssize_t write_again() override {
    ssize_t n = ::pwrite(h_->fd, data_.data(), data_.size(), off_);
    if (n < 0) return -errno;
    if (n > 0) h_->branch->note_written(static_cast<uint64_t>(n));
    return n;
  }
  std::optional<std::string> path() const override { return b_.nodes().path(h_->node); }
  int fd() const override { return h_->fd; }
  std::shared_ptr<BranchState> branch() const override { return h_->branch; }
  // Same descriptor numbers, new branch.
  void follow(const BranchSlot& dst, const std::string& path) override {
    for (auto& other : b_.handles_of(h_->node)) {
      int fd = fs::open(dst.rt->root_fd(), path, other->flags & ~(O_CREAT | O_TRUNC | O_EXCL));
      if (fd < 0) continue;
      ::dup2(fd, other->fd);
      ::close(fd);
      other->branch = dst.rt;
      other->branch_path = dst.path;
    }
  }
  void answer(ssize_t result) override {
    if (result < 0) return reply_->result(static_cast<int>(result));
    reply_->write(static_cast<size_t>(result));
  }

 private:
  Bridge& b_;
  ReplyPtr reply_;  // answers EIO if the job is dropped unanswered
  std::shared_ptr<FileHandle> h_;
  std::vector<char> data_;
  off_t off_;
};

}  // namespace

void start_move(Bridge& b, Reply& reply, FileHandle& h, const char* buf, size_t size, off_t off,
                int original_err) {
  std::shared_ptr<FileHandle> self;
  for (auto& x : b.handles_of(h.node))
    if (x.get() == &h) self = x;
  if (!self) return reply.result(original_err);
  auto write = std::make_shared<HandleWrite>(b, reply.transfer(), std::move(self), buf, size, off);
  start_enospc_move(
      *b.migrations(), [&b] { return b.snapshot(); }, std::move(write), original_err);
}

}  // namespace mfs::bridge
