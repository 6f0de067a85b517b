#include "core/role.hpp"

#include <array>

#include "core/csv_reader.hpp"
#include "core/error.hpp"

namespace risklab::core {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 6> kNames = {{
    {Role::viewer, "viewer"},
    {Role::analyst, "analyst"},
    {Role::data_steward, "data_steward"},
    {Role::model_developer, "model_developer"},
    {Role::risk_officer, "risk_officer"},
    {Role::admin, "admin"},
}};

}  // namespace

std::string_view role_name(Role role) {
  for (const auto& [value, name] : kNames) {
    if (value == role) return name;
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::set<Role> parse_roles(std::string_view text) {
  std::set<Role> roles;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto name = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (name.empty()) continue;
    const auto role = parse_role(name);
    if (!role) {
      throw InvalidInput("bad_role", "unknown role '" + std::string(name) +
                                         "' (roles: viewer, analyst, data_steward, "
                                         "model_developer, risk_officer, admin)");
    }
    roles.insert(*role);
  }
  if (roles.empty()) throw InvalidInput("bad_role", "at least one role is required");
  return roles;
}

std::string format_roles(const std::set<Role>& roles) {
  std::string out;
  for (const Role role : roles) {
    if (!out.empty()) out += ",";
    out += role_name(role);
  }
  return out;
}

}  // namespace risklab::core
