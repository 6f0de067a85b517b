#include "service/decision_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/clock.hpp"
#include "core/csv_reader.hpp"
#include "core/error.hpp"
#include "service/audit_service.hpp"
#include "service/permissions.hpp"
#include "store/assessment_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

constexpr std::size_t kMinRationale = 10;

DecisionView view_of(const store::DecisionRecord& record) {
  return {record.id,        record.assessment_id, record.decision,   record.recommendation,
          record.is_override, record.rationale,   record.reason_code, record.decided_by,
          record.decided_at};
}

}  // namespace

const std::vector<std::string>& override_reason_codes() {
  static const std::vector<std::string> codes = {
      "collateral",        "guarantee",       "relationship_history", "qualitative_information",
      "data_quality",      "recent_events",   "policy_exception",     "other"};
  return codes;
}

DecisionView DecisionService::decide(const core::Actor& actor, const DecisionInput& input) {
  require_role(actor, {core::Role::analyst, core::Role::risk_officer}, "record decisions");
  if (input.decision != "approve" && input.decision != "decline" && input.decision != "refer") {
    throw core::InvalidInput("bad_decision", "decision must be approve, decline or refer, not '" +
                                                 input.decision + "'");
  }
  store::Transaction tx(db_);
  store::AssessmentRepository assessments;
  const auto assessment = assessments.find(tx, input.assessment_id);
  if (!assessment) {
    throw core::NotFound("assessment_not_found",
                         "no assessment " + std::to_string(input.assessment_id));
  }
  if (assessments.find_decision(tx, input.assessment_id)) {
    throw core::Conflict("already_decided", "assessment " + std::to_string(input.assessment_id) +
                                                " already has a decision");
  }
  store::DecisionRecord record;
  record.assessment_id = input.assessment_id;
  record.decision = input.decision;
  record.recommendation = assessment->recommendation;
  record.is_override = input.decision != assessment->recommendation;
  if (input.rationale && !core::trim(*input.rationale).empty()) {
    record.rationale = std::string(core::trim(*input.rationale));
  }
  if (input.reason_code && !input.reason_code->empty()) record.reason_code = input.reason_code;
  if (record.reason_code) {
    const auto& codes = override_reason_codes();
    if (std::find(codes.begin(), codes.end(), *record.reason_code) == codes.end()) {
      throw core::InvalidInput("bad_reason_code", "unknown reason code '" + *record.reason_code +
                                                      "' (see GET /api/v1/decision-reasons)");
    }
  }
  if (record.is_override) {
    if (!record.rationale || record.rationale->size() < kMinRationale) {
      throw core::InvalidInput("rationale_required",
                               "deciding '" + input.decision + "' against the model's '" +
                                   assessment->recommendation +
                                   "' is an override: give a rationale of at least " +
                                   std::to_string(kMinRationale) + " characters");
    }
    if (!record.reason_code) {
      throw core::InvalidInput("reason_code_required", "an override needs a reason code");
    }
  }
  record.decided_by = actor.name;
  record.decided_at = core::utc_now_iso8601();
  record.id = assessments.insert_decision(tx, record);
  AuditService::record(tx, actor, record.is_override ? "decision.override" : "decision.recorded",
                       "assessment", std::to_string(input.assessment_id), nullptr,
                       {{"decision", record.decision},
                        {"recommendation", record.recommendation},
                        {"override", record.is_override},
                        {"reason_code", record.reason_code ? nlohmann::json(*record.reason_code) : nullptr}});
  tx.commit();
  return view_of(record);
}

std::optional<DecisionView> DecisionService::find(long long assessment_id) {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  const auto record = store::AssessmentRepository().find_decision(tx, assessment_id);
  if (!record) return std::nullopt;
  return view_of(*record);
}

}  // namespace risklab::service
