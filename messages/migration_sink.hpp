// Where the bridge hands work that must not run on a FUSE thread (a moveonenospc move): the
// runtime runs it on a migration actor with its own thread. The work owns its reply guard, so a
// job that is dropped still answers (EIO).
#pragma once
#include <functional>
#include <string>

namespace mfs {

class MigrationSink {
 public:
  virtual ~MigrationSink() = default;
  virtual void submit(std::string label, std::function<void()> work) = 0;
};

}  // namespace mfs
