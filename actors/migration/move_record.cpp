// Move journal records as JSON (the writer) and as JSON or the older %-escaped key=value lines
// (the reader).
#include "actors/migration/move_record.hpp"

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

namespace mfs {
namespace {

using Json = nlohmann::ordered_json;

// A path as JSON: a string when it is UTF-8, else the array of its bytes (paths are any bytes
// but '\0', and JSON strings are Unicode).
Json path_value(const std::string& s) {
  Json str = s;
  try {
    (void)str.dump();  // throws on bytes that are not UTF-8
    return str;
  } catch (const Json::type_error&) {
    Json bytes = Json::array();
    for (unsigned char c : s) bytes.push_back(c);
    return bytes;
  }
}

bool path_of(const Json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  if (it->is_string()) {
    out = it->get<std::string>();
    return true;
  }
  if (!it->is_array()) return false;
  out.clear();
  for (const auto& b : *it) {
    if (!b.is_number_unsigned() || b.get<uint64_t>() > 0xff) return false;
    out.push_back(static_cast<char>(b.get<uint64_t>()));
  }
  return true;
}

uint64_t number_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

bool decode_json(const std::string& text, MoveRecord& rec) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  path_of(j, "phase", rec.phase);
  path_of(j, "src", rec.src);
  path_of(j, "dst", rec.dst);
  path_of(j, "path", rec.path);
  path_of(j, "staged", rec.staged);
  rec.src_ino = number_of(j, "src_ino");
  rec.staged_ino = number_of(j, "staged_ino");
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The older writer escaped '%' and '\n' as %XX so a record stayed one line per key.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    if (s[i] == '%' && i + 2 < s.size() && (hi = hex_digit(s[i + 1])) >= 0 &&
        (lo = hex_digit(s[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void decode_key_value(const std::string& text, MoveRecord& rec) {
  std::map<std::string, std::string> kv;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    auto eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = unescape(line.substr(eq + 1));
  }
  rec.phase = kv["phase"];
  rec.src = kv["src"];
  rec.dst = kv["dst"];
  rec.path = kv["path"];
  rec.staged = kv["staged"];
  rec.src_ino = std::strtoull(kv["src_ino"].c_str(), nullptr, 10);
  rec.staged_ino = std::strtoull(kv["staged_ino"].c_str(), nullptr, 10);
}

}  // namespace

std::string encode_record(const MoveRecord& rec) {
  Json j;
  j["phase"] = path_value(rec.phase);
  j["src"] = path_value(rec.src);
  j["dst"] = path_value(rec.dst);
  j["path"] = path_value(rec.path);
  j["staged"] = path_value(rec.staged);
  j["src_ino"] = rec.src_ino;
  j["staged_ino"] = rec.staged_ino;
  return j.dump() + "\n";
}

bool decode_record(const std::string& text, MoveRecord& rec) {
  rec = MoveRecord{};
  if (!text.empty() && text[0] == '{') {
    if (!decode_json(text, rec)) return false;
  } else {
    decode_key_value(text, rec);
  }
  return !rec.path.empty() && !rec.dst.empty() && !rec.staged.empty();
}

}  // namespace mfs
