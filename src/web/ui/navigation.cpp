#include "web/ui/navigation.hpp"

#include <algorithm>

namespace risklab::web::ui {

const std::vector<NavEntry>& navigation() {
  using core::Role;
  static const std::vector<NavEntry> entries = {
      {"/", "Overview", {}},
      {"/portfolio", "Portfolio", {}},
      {"/score", "Scoring", {Role::analyst, Role::risk_officer}},
      {"/ground-truth", "Ground truth", {Role::data_steward, Role::admin}},
      {"/snapshots", "Snapshots", {}},
      {"/training", "Retraining", {Role::model_developer, Role::risk_officer, Role::admin}},
      {"/models", "Models", {}},
      {"/monitoring", "Monitoring", {Role::risk_officer, Role::model_developer, Role::admin}},
      {"/audit", "Audit", {Role::admin, Role::risk_officer}},
  };
  return entries;
}

bool visible_to(const NavEntry& entry, const core::Actor& actor) {
  return entry.roles.empty() || std::any_of(entry.roles.begin(), entry.roles.end(),
                                            [&actor](core::Role role) { return actor.has(role); });
}

}  // namespace risklab::web::ui
