// JsonView over nlohmann-json; see json_view.hpp.
#include "tools/mergerfs-ctl/json_view.hpp"

namespace mfs::ctl {

std::optional<JsonView> JsonView::parse(std::string_view text, std::string* error) {
  try {
    auto doc = std::make_shared<const Doc>(Doc::parse(text));
    const Doc* at = doc.get();
    return JsonView(std::move(doc), at);
  } catch (const Doc::parse_error& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

JsonView JsonView::operator[](std::string_view key) const {
  if (!is_object()) return {};
  auto it = at_->find(key);
  if (it == at_->end()) return {};
  return JsonView(root_, &*it);
}

bool JsonView::has(std::string_view key) const { return is_object() && at_->contains(key); }

std::vector<std::pair<std::string, JsonView>> JsonView::members() const {
  std::vector<std::pair<std::string, JsonView>> out;
  if (is_object())
    for (auto it = at_->begin(); it != at_->end(); ++it) out.emplace_back(it.key(), JsonView(root_, &*it));
  return out;
}

std::vector<JsonView> JsonView::elements() const {
  std::vector<JsonView> out;
  if (is_array())
    for (const auto& e : *at_) out.push_back(JsonView(root_, &e));
  return out;
}

std::string JsonView::str(std::string fallback) const {
  return is_string() ? at_->get<std::string>() : fallback;
}

double JsonView::num(double fallback) const { return is_number() ? at_->get<double>() : fallback; }

uint64_t JsonView::u64(uint64_t fallback) const {
  if (!at_) return fallback;
  if (at_->is_number_unsigned()) return at_->get<uint64_t>();
  if (at_->is_number_integer()) return at_->get<int64_t>() < 0 ? fallback : at_->get<uint64_t>();
  if (at_->is_number_float()) return at_->get<double>() < 0 ? fallback : static_cast<uint64_t>(at_->get<double>());
  return fallback;
}

bool JsonView::boolean(bool fallback) const { return is_bool() ? at_->get<bool>() : fallback; }

std::string JsonView::number_text(std::string fallback) const { return is_number() ? at_->dump() : fallback; }

}  // namespace mfs::ctl
