// Recursive-descent JSON parser (RFC 8259), enough for the stats dump and strict about syntax.
#include "tools/mergerfs-ctl/json.hpp"

#include <cstdlib>

namespace mfs::ctl {

class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}

  bool document(Json& out) {
    ws();
    if (!value(out, 0)) return false;
    ws();
    if (i_ != s_.size()) return fail("trailing characters");
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  static constexpr int kMaxDepth = 64;

  bool fail(const std::string& why) {
    if (error_.empty()) error_ = why + " at offset " + std::to_string(i_);
    return false;
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return fail("unexpected token");
    i_ += w.size();
    return true;
  }

  bool value(Json& v, int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    if (i_ >= s_.size()) return fail("unexpected end");
    char c = s_[i_];
    if (c == '{') return object(v, depth);
    if (c == '[') return array(v, depth);
    if (c == '"') {
      v.type_ = Json::Type::string;
      return string(v.text_);
    }
    if (c == 't' || c == 'f') {
      v.type_ = Json::Type::boolean;
      v.bool_ = c == 't';
      return lit(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      v.type_ = Json::Type::null;
      return lit("null");
    }
    return number(v);
  }

  bool object(Json& v, int depth) {
    v.type_ = Json::Type::object;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    for (;;) {
      ws();
      std::string key;
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a member name");
      if (!string(key)) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':'");
      ++i_;
      ws();
      Json m;
      if (!value(m, depth + 1)) return false;
      v.members_.emplace_back(std::move(key), std::move(m));
      ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      return fail("expected ',' or '}'");
    }
  }

  bool array(Json& v, int depth) {
    v.type_ = Json::Type::array;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    for (;;) {
      ws();
      Json e;
      if (!value(e, depth + 1)) return false;
      v.elements_.push_back(std::move(e));
      ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      return fail("expected ',' or ']'");
    }
  }

  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  bool hex4(unsigned& cp) {
    if (i_ + 4 > s_.size()) return fail("short \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
      else return fail("bad \\u escape");
    }
    return true;
  }

  bool string(std::string& out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(i_, 2) == "\\u") {
            i_ += 2;
            unsigned lo;
            if (!hex4(lo)) return false;
            if (lo >= 0xdc00 && lo < 0xe000) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          utf8(out, cp);
          break;
        }
        default: return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }

  bool number(Json& v) {
    size_t start = i_;
    auto digits = [&] {
      size_t b = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > b;
    };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (!digits()) return fail("unexpected character");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return fail("bad number");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return fail("bad number");
    }
    v.type_ = Json::Type::number;
    v.text_ = std::string(s_.substr(start, i_ - start));
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

std::optional<Json> Json::parse(std::string_view text, std::string* error) {
  Json v;
  JsonParser p(text);
  if (!p.document(v)) {
    if (error) *error = p.error();
    return std::nullopt;
  }
  return v;
}

namespace {
const Json& null_json() {
  static const Json n;
  return n;
}
}  // namespace

const Json& Json::operator[](std::string_view key) const {
  for (const auto& [k, v] : members_)
    if (k == key) return v;
  return null_json();
}

const Json& Json::operator[](size_t i) const { return i < elements_.size() ? elements_[i] : null_json(); }

bool Json::has(std::string_view key) const {
  for (const auto& m : members_)
    if (m.first == key) return true;
  return false;
}

std::string Json::str(std::string fallback) const { return type_ == Type::string ? text_ : fallback; }

double Json::num(double fallback) const {
  return type_ == Type::number ? std::strtod(text_.c_str(), nullptr) : fallback;
}

uint64_t Json::u64(uint64_t fallback) const {
  if (type_ != Type::number || text_.empty() || text_[0] == '-') return fallback;
  if (text_.find_first_of(".eE") != std::string::npos) return static_cast<uint64_t>(num());
  return std::strtoull(text_.c_str(), nullptr, 10);
}

bool Json::boolean(bool fallback) const { return type_ == Type::boolean ? bool_ : fallback; }

std::string Json::number_text(std::string fallback) const {
  return type_ == Type::number ? text_ : fallback;
}

}  // namespace mfs::ctl
