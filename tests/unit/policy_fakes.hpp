// Test doubles for policy tests: a fake path probe, a scripted Random, branch-fact builders.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "policy/policy.hpp"

namespace mfs::policy::testing {

// Paths present per branch, with optional mtimes; records every probe so tests can check that
// unhealthy branches are never touched.
class FakeProbe final : public PathProbe {
 public:
  FakeProbe& add(size_t branch, const std::string& path, int64_t mtime_ns = 0) {
    present_[{branch, path}] = mtime_ns;
    return *this;
  }
  // Exists for lstat, but its mtime read fails (the path vanished between the two).
  FakeProbe& add_without_mtime(size_t branch, const std::string& path) {
    no_mtime_.insert({branch, path});
    return add(branch, path);
  }
  bool exists(size_t branch, std::string_view path) const override {
    probed_.insert(branch);
    return present_.count({branch, std::string(path)}) != 0;
  }
  std::optional<int64_t> mtime_ns(size_t branch, std::string_view path) const override {
    probed_.insert(branch);
    const std::pair<size_t, std::string> key{branch, std::string(path)};
    auto it = present_.find(key);
    if (it == present_.end() || no_mtime_.count(key)) return std::nullopt;
    return it->second;
  }
  bool probed(size_t branch) const { return probed_.count(branch) != 0; }

 private:
  std::map<std::pair<size_t, std::string>, int64_t> present_;
  std::set<std::pair<size_t, std::string>> no_mtime_;
  mutable std::set<size_t> probed_;
};

// Replays a script of draws (cycled) and records the bounds it was asked for.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::vector<uint64_t> draws = {0}) : draws_(std::move(draws)) {}
  uint64_t below(uint64_t bound) override {
    bounds.push_back(bound);
    const uint64_t v = draws_[next_++ % draws_.size()];
    return bound == 0 ? 0 : v % bound;
  }
  std::vector<uint64_t> bounds;

 private:
  std::vector<uint64_t> draws_;
  size_t next_ = 0;
};

inline BranchFacts branch(uint64_t avail, uint64_t used = 0, uint64_t minfreespace = 0) {
  BranchFacts b;
  b.avail = avail;
  b.used = used;
  b.total = used + avail;
  b.minfreespace = minfreespace;
  return b;
}

inline BranchFacts with_mode(BranchFacts b, BranchMode m) {
  b.mode = m;
  return b;
}

using Branches = std::vector<size_t>;

}  // namespace mfs::policy::testing
