// The open/move gate; see open_gate.hpp.
#include "fuse-bridge/open_gate.hpp"

namespace mfs::bridge {

class OpenGate::MovePin final : public OpenFiles::Pin {
 public:
  MovePin(OpenGate* g, std::string path) : g_(g), path_(std::move(path)) {}
  ~MovePin() override { g_->unpin(path_); }

 private:
  OpenGate* g_;
  std::string path_;
};

OpenGate::Entry::~Entry() {
  if (!g_) return;
  std::lock_guard lk(g_->mu_);
  auto it = g_->opening_.find(path_);
  if (it != g_->opening_.end() && --it->second == 0) g_->opening_.erase(it);
}

OpenGate::Entry OpenGate::enter(const std::string& path) {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return !pinned_.count(path); });
  ++opening_[path];
  return Entry(this, path);
}

std::unique_ptr<OpenFiles::Pin> OpenGate::pin_closed(const std::string& path) {
  {
    std::lock_guard lk(mu_);
    if (opening_.count(path) || pinned_.count(path)) return nullptr;
    pinned_.insert(path);
  }
  // Opens that passed the gate before the pin have registered their handles by now.
  if (is_open_(path)) {
    unpin(path);
    return nullptr;
  }
  return std::make_unique<MovePin>(this, path);
}

void OpenGate::unpin(const std::string& path) {
  {
    std::lock_guard lk(mu_);
    pinned_.erase(path);
  }
  cv_.notify_all();
}

}  // namespace mfs::bridge
