#pragma once

#include <string>
#include <vector>

#include "core/role.hpp"

namespace risklab::web::ui {

/// One entry of the main navigation.
struct NavEntry {
  std::string href;   ///< the page; also the prefix that marks it current ("/" only exactly)
  std::string label;
  /// Roles that may use the page (any of them); empty = every signed-in user. Mirror the
  /// services' require_role calls: the link is a courtesy, the service is the check.
  std::vector<core::Role> roles;
};

/// The main navigation in display order. A new page adds its line here.
const std::vector<NavEntry>& navigation();

/// Whether `actor` may see `entry`.
bool visible_to(const NavEntry& entry, const core::Actor& actor);

}  // namespace risklab::web::ui
