#include "service/permissions.hpp"

#include "core/error.hpp"

namespace risklab::service {

void require_role(const core::Actor& actor, std::initializer_list<core::Role> roles,
                  const std::string& what) {
  std::string names;
  for (const auto role : roles) {
    if (actor.has(role)) return;
    names += (names.empty() ? "" : " or ") + std::string(core::role_name(role));
  }
  throw core::Forbidden("role_required", "'" + actor.name + "' needs role " + names + " to " + what);
}

}  // namespace risklab::service
