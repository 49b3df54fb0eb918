// The control file's write path: the bridge hands a key and value to the config's owner (the
// coordinator), which answers through `done` (0 or -errno). Dropping `done` answers EIO.
#pragma once
#include <functional>
#include <optional>
#include <string>

namespace mfs {

class ControlSink {
 public:
  virtual ~ControlSink() = default;
  virtual void set_option(std::string key, std::string value, std::function<void(int)> done) = 0;
  // Values the runtime renders itself (the stats dump); nullopt if `key` is not one of them.
  virtual std::optional<std::string> get_extra(const std::string& key) = 0;
};

}  // namespace mfs
