// Reading the daemon's JSON (stats dump, rebalance progress) the way the views want it: parsed
// by nlohmann-json, read through a view on which a missing member, or a value of another type,
// reads as a fallback, so chains like a["cache"]["hits"].u64() never throw on an older or
// partial document.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mfs::ctl {

class JsonView {
 public:
  // Member order is kept (errors_by_errno is listed in the daemon's order); integers keep
  // their exact value (byte counts beyond a double's range).
  using Doc = nlohmann::ordered_json;

  JsonView() = default;  // null
  // Parses a whole document; nullopt (with a one-line reason in `error`) if it is not JSON.
  static std::optional<JsonView> parse(std::string_view text, std::string* error = nullptr);

  bool is_null() const { return !at_ || at_->is_null(); }
  bool is_object() const { return at_ && at_->is_object(); }
  bool is_array() const { return at_ && at_->is_array(); }
  bool is_number() const { return at_ && at_->is_number(); }
  bool is_string() const { return at_ && at_->is_string(); }
  bool is_bool() const { return at_ && at_->is_boolean(); }

  // Member access; a missing one is null.
  JsonView operator[](std::string_view key) const;
  bool has(std::string_view key) const;
  std::vector<std::pair<std::string, JsonView>> members() const;
  std::vector<JsonView> elements() const;

  // Conversions; `fallback` when the value is not of that type.
  std::string str(std::string fallback = "") const;
  double num(double fallback = 0) const;
  uint64_t u64(uint64_t fallback = 0) const;  // a negative number reads as `fallback`
  bool boolean(bool fallback = false) const;
  // The number as JSON text (integers exact), or `fallback`.
  std::string number_text(std::string fallback = "") const;

 private:
  JsonView(std::shared_ptr<const Doc> root, const Doc* at) : root_(std::move(root)), at_(at) {}
  std::shared_ptr<const Doc> root_;  // keeps the document alive for every view into it
  const Doc* at_ = nullptr;
};

}  // namespace mfs::ctl
