// What a mover may ask the bridge about open files, without seeing FUSE: whether a pool path
// is open, and a pin that holds new opens of it back while a move swaps the file between
// branches (microseconds: the rename and the unlink, never the copy).
#pragma once
#include <memory>
#include <string>

namespace mfs {

class OpenFiles {
 public:
  // Held while a file changes branch; dropping it lets waiting opens through.
  class Pin {
   public:
    virtual ~Pin() = default;
  };
  virtual ~OpenFiles() = default;
  // nullptr if `path` (a fusepath) is open or being opened through the pool right now.
  virtual std::unique_ptr<Pin> pin_closed(const std::string& path) = 0;
};

}  // namespace mfs
