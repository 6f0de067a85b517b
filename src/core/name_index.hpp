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
  explicit NameIndex(const std::vector<std::string>& names) {
    index_.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) index_.emplace(names[i], i);
  }

  std::optional<std::size_t> find(std::string_view name) const {
    const auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> index_;
};

}  // namespace risklab::core
