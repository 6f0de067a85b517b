#pragma once

#include <initializer_list>
#include <string>

#include "core/role.hpp"

namespace risklab::service {

/// Throws Forbidden("role_required") unless `actor` holds one of `roles`; `what` completes
/// "needs role X or Y to ...". Every use case calls it first: the server checks roles, never
/// the page.
void require_role(const core::Actor& actor, std::initializer_list<core::Role> roles,
                  const std::string& what);

}  // namespace risklab::service
