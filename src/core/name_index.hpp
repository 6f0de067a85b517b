#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace risklab::core {

/// Positions of the names in a list (a model's features, say), looked up by string_view: no
/// std::string is built per lookup. A name listed twice keeps its first position.
class NameIndex {
 public:
  NameIndex() = default;
  explicit NameIndex(const std::vector<std::string>& names) : names_(names) {
    index_.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) index_.emplace(names[i], i);
  }

  std::optional<std::size_t> find(std::string_view name) const {
    const auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  /// find(), trying position `expected` first: names that come in the list's own order (a
  /// request's features, stored inputs) are then compared, not hashed (hashing 95 names of ~40
  /// characters was ~2 % of a scoring's CPU). A name listed twice may be found at `expected`.
  std::optional<std::size_t> find(std::string_view name, std::size_t expected) const {
    if (expected < names_.size() && names_[expected] == name) return expected;
    return find(name);
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> index_;
};

}  // namespace risklab::core
