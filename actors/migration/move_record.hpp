// One record of the move journal and its text: a JSON object (nlohmann-json), paths that are
// not UTF-8 stored as an array of their bytes; records of the older key=value form (before
// JSON) still read. Pure: no syscalls.
#pragma once
#include <cstdint>
#include <string>

namespace mfs {

struct MoveRecord {
  std::string phase;        // "staging" (copy starting), "staged" (copy fsynced), "committed"
  std::string src;          // source branch path
  std::string dst;          // target branch path
  std::string path;         // the file's pool path
  std::string staged;       // its staging fusepath on dst
  uint64_t src_ino = 0;     // the source file's inode when the move started
  uint64_t staged_ino = 0;  // the staged copy's inode (from "staged" on): proof a copy is ours
};

// {"phase":...,"src":...,...}: one line, newline-terminated.
std::string encode_record(const MoveRecord& rec);
// Either form. False if the text is not a record or lacks path, dst or staged.
bool decode_record(const std::string& text, MoveRecord& rec);

}  // namespace mfs
