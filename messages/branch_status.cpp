// String forms of branch modes and health states.
#include "messages/branch_status.hpp"

namespace mfs {

std::string_view to_string(BranchMode m) {
  switch (m) {
    case BranchMode::RW: return "RW";
    case BranchMode::RO: return "RO";
    case BranchMode::NC: return "NC";
  }
  return "RW";
}

std::string_view to_string(BranchHealth h) {
  switch (h) {
    case BranchHealth::ok: return "ok";
    case BranchHealth::slow: return "slow";
    case BranchHealth::failed: return "failed";
    case BranchHealth::readonly: return "readonly";
  }
  return "ok";
}

std::optional<BranchMode> parse_branch_mode(std::string_view s) {
  if (s == "RW") return BranchMode::RW;
  if (s == "RO") return BranchMode::RO;
  if (s == "NC") return BranchMode::NC;
  return std::nullopt;
}

}  // namespace mfs
