// A temporary directory for config and branch-spec tests, removed with everything in it.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mfs::config::test {

class TmpDir {
 public:
  TmpDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mfs-config-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
    // realpath'd so branch paths compare equal after the parser resolves them
    if (!path_.empty()) path_ = std::filesystem::canonical(path_).string();
  }
  ~TmpDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;

  const std::string& path() const { return path_; }
  std::string sub(const std::string& rel) const { return path_ + "/" + rel; }
  std::string mkdir(const std::string& rel) const {
    std::filesystem::create_directories(sub(rel));
    return sub(rel);
  }
  std::string write(const std::string& rel, const std::string& content) const {
    std::ofstream(sub(rel)) << content;
    return sub(rel);
  }

 private:
  std::string path_;
};

}  // namespace mfs::config::test
