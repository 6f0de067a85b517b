#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace risklab::core {

/// The roles of SPEC section 6. A user holds one or more; each route and page names the roles
/// it accepts and the server checks them.
enum class Role { viewer, analyst, data_steward, model_developer, risk_officer, admin };

/// "viewer", "analyst", "data_steward", "model_developer", "risk_officer", "admin".
std::string_view role_name(Role role);

/// The role called `name` (as role_name spells it), if any.
std::optional<Role> parse_role(std::string_view name);

/// Parses a comma-separated role list; throws InvalidInput("bad_role") naming an unknown role
/// or an empty list.
std::set<Role> parse_roles(std::string_view text);

/// The roles as a comma-separated list in enum order.
std::string format_roles(const std::set<Role>& roles);

/// Who is acting: a logged-in user, an API token's owner, or a system process (the CLI on the
/// server, a job). `id` is 0 for system actors.
struct Actor {
  long long id = 0;
  std::string name;  ///< user name, or e.g. "cli:root", "system"
  std::set<Role> roles;

  bool has(Role role) const { return roles.contains(role); }
};

}  // namespace risklab::core
