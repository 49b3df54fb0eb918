// A small JSON reader for the daemon's stats dump: objects keep their member order, numbers
// keep their text (byte counts exceed a double's exact range).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mfs::ctl {

class Json {
 public:
  enum class Type { null, boolean, number, string, array, object };

  // Parses a whole document; nullopt (with a one-line reason in `error`) if it is not JSON.
  static std::optional<Json> parse(std::string_view text, std::string* error = nullptr);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_object() const { return type_ == Type::object; }
  bool is_array() const { return type_ == Type::array; }
  bool is_number() const { return type_ == Type::number; }
  bool is_string() const { return type_ == Type::string; }
  bool is_bool() const { return type_ == Type::boolean; }

  // Member or element access; a missing one is a shared null, so chains never fail.
  const Json& operator[](std::string_view key) const;
  const Json& operator[](size_t i) const;
  bool has(std::string_view key) const;

  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }
  const std::vector<Json>& elements() const { return elements_; }

  // Conversions; `fallback` when the value is not of that type.
  std::string str(std::string fallback = "") const;
  double num(double fallback = 0) const;
  uint64_t u64(uint64_t fallback = 0) const;
  bool boolean(bool fallback = false) const;
  // The number as written in the document (exact), or `fallback`.
  std::string number_text(std::string fallback = "") const;

 private:
  friend class JsonParser;
  Type type_ = Type::null;
  bool bool_ = false;
  std::string text_;  // string value, or a number's text
  std::vector<Json> elements_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace mfs::ctl
