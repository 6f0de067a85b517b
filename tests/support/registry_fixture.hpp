#pragma once

#include "core/role.hpp"
#include "service/registry_service.hpp"

namespace risklab::test {

/// A risk officer who trained nothing: approves models in tests (four-eyes).
inline const core::Actor kReviewer{0, "test-risk-officer", {core::Role::risk_officer}};

/// The governed path in one call: model `id` approved by kReviewer, then promoted by them.
inline service::ModelView approve_and_promote(service::RegistryService& registry, long long id) {
  registry.approve(kReviewer, id, "approved by the test fixture");
  return registry.promote(kReviewer, id);
}

}  // namespace risklab::test
