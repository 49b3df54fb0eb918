// Vocabulary shared by every layer: a branch's mode and health. Plain enums, no CAF.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace mfs {

// RW takes part in everything; RO is excluded from create and action policies;
// NC (no-create) is excluded from create only.
enum class BranchMode : uint8_t { RW, RO, NC };

// ok: answering within its deadline; slow: a syscall ran past its deadline;
// failed: EIO or gone; readonly: detected read-only (auto-RO).
enum class BranchHealth : uint8_t { ok, slow, failed, readonly };

std::string_view to_string(BranchMode m);
std::string_view to_string(BranchHealth h);
std::optional<BranchMode> parse_branch_mode(std::string_view s);  // case-sensitive

}  // namespace mfs
