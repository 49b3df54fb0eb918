// MOUNT/.mergerfs: config keys and commands as user.mergerfs.* xattrs (FEATURES.md §3.1).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fuse-bridge/reply.hpp"
#include "messages/control_sink.hpp"

namespace mfs::bridge {

class Bridge;

class ControlFile {
 public:
  static constexpr const char* kName = ".mergerfs";
  static constexpr const char* kPrefix = "user.mergerfs.";

  explicit ControlFile(Bridge& b) : bridge_(b) {}
  void set_sink(ControlSink* sink) { sink_ = sink; }

  void getxattr(Reply& reply, const char* name, size_t size);
  void listxattr(Reply& reply, size_t size);
  void setxattr(fuse_req_t req, const char* name, const char* value, size_t size, int flags);

 private:
  Bridge& bridge_;
  ControlSink* sink_ = nullptr;
};

// Answers a getxattr/listxattr with a value: its size for size 0, ERANGE if it does not fit.
void reply_value(Reply& reply, const std::string& value, size_t size);

}  // namespace mfs::bridge
