// The byte-to-JSON-string rule and the compact text form; see json_writer.hpp.
#include "actors/stats/json_writer.hpp"

namespace mfs::stats {
namespace {

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates) that
// starts `s` with a byte >= 0x80; 0 if there is none.
size_t utf8_sequence(std::string_view s) {
  auto b = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  unsigned c = b(0);
  size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (!len || len > s.size()) return 0;
  unsigned lo = 0x80, hi = 0xbf;  // range of the second byte
  if (c == 0xe0) lo = 0xa0;
  if (c == 0xed) hi = 0x9f;
  if (c == 0xf0) lo = 0x90;
  if (c == 0xf4) hi = 0x8f;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if ((b(k) & 0xc0) != 0x80) return 0;
  return len;
}

}  // namespace

Json json_string(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (size_t len = utf8_sequence(bytes.substr(i))) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      // U+0080..U+00FF in UTF-8: two bytes.
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
      ++i;
    }
  }
  return Json(std::move(out));
}

std::string json_text(const Json& doc) {
  // Strings made by json_string are valid UTF-8; `replace` only keeps a string added some
  // other way from throwing inside an actor (it would show as U+FFFD).
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace mfs::stats
