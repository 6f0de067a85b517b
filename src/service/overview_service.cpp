#include "service/overview_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "ml/model.hpp"
#include "service/champion.hpp"
#include "service/permissions.hpp"
#include "store/company_repository.hpp"
#include "store/assessment_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

constexpr std::initializer_list<core::Role> kAnyRole = {
    core::Role::viewer,          core::Role::analyst,      core::Role::data_steward,
    core::Role::model_developer, core::Role::risk_officer, core::Role::admin};
constexpr long long kRecentWindow = 1000;
constexpr long long kRecentRows = 10;

// Numbers at the top level and one level down ("holdout auc"); the rest is detail for the
// registry's own pages.
std::vector<std::pair<std::string, double>> numeric_metrics(const nlohmann::json& metrics) {
  std::vector<std::pair<std::string, double>> out;
  if (!metrics.is_object()) return out;
  for (const auto& [key, value] : metrics.items()) {
    if (value.is_number()) out.emplace_back(key, value.get<double>());
    if (!value.is_object()) continue;
    for (const auto& [inner, inner_value] : value.items()) {
      if (inner_value.is_number()) out.emplace_back(key + " " + inner, inner_value.get<double>());
    }
  }
  return out;
}

}  // namespace

std::optional<ChampionSummary> OverviewService::champion() const {
  const auto loaded = champion_.current();
  if (!loaded) return std::nullopt;
  const auto& record = loaded->record();
  ChampionSummary out;
  out.id = record.id;
  out.version = record.version;
  out.family = record.family;
  out.created_at = record.created_at;
  out.promoted_at = record.promoted_at;
  out.metrics = numeric_metrics(loaded->model().metrics);
  return out;
}

std::vector<GradeBandView> OverviewService::master_scale() const {
  std::vector<GradeBandView> out;
  const auto loaded = champion_.current();
  if (!loaded) return out;
  const auto& scale = loaded->model().master_scale;
  for (const auto& band : scale.bands()) out.push_back({band.grade, band.lower_pd, band.upper_pd});
  out.push_back({scale.default_grade(), 1.0, 1.0});
  return out;
}

std::vector<std::string> OverviewService::champion_features() const {
  const auto loaded = champion_.current();
  return loaded ? loaded->model().features : std::vector<std::string>{};
}

Overview OverviewService::overview(const core::Actor& actor) {
  require_role(actor, kAnyRole, "see the overview");
  Overview out;
  out.champion = champion();
  if (!out.champion) out.champion_error = champion_.last_error();
  out.recent_window = kRecentWindow;
  std::vector<store::ValueCount> grades;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    store::OverviewRepository overview;
    out.companies = store::CompanyRepository().count(tx);
    out.statements = overview.statement_count(tx);
    out.assessments = store::AssessmentRepository().count(tx);
    grades = overview.recent_grades(tx, kRecentWindow);
    out.recent_assessments = overview.recent_assessments(tx, kRecentRows);
    out.decisions = overview.decision_counts(tx);
    out.outbox = store::OutboxRepository().backlog(tx);
    out.training_jobs = overview.training_job_counts(tx);
  }
  // Master-scale order with zero counts, so the chart's axis is the scale, not the data; grades
  // of an earlier model's scale that this one lacks come last.
  std::map<std::string, long long> by_grade;
  for (const auto& grade : grades) by_grade[grade.value] = grade.count;
  for (const auto& band : master_scale()) {
    const auto it = by_grade.find(band.grade);
    out.recent_grades.push_back({band.grade, it == by_grade.end() ? 0 : it->second});
    if (it != by_grade.end()) by_grade.erase(it);
  }
  for (const auto& [grade, count] : by_grade) out.recent_grades.push_back({grade, count});
  return out;
}

std::vector<store::StatementSummary> OverviewService::search_statements(const core::Actor& actor,
                                                                        const std::string& text,
                                                                        long long limit,
                                                                        long long offset) {
  require_role(actor, kAnyRole, "list statements");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::OverviewRepository().search_statements(tx, text, std::clamp(limit, 1LL, 200LL),
                                                       std::max(offset, 0LL));
}

std::vector<store::OutcomeSummary> OverviewService::recent_outcomes(const core::Actor& actor,
                                                                   long long limit) {
  require_role(actor, kAnyRole, "read outcomes");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::OverviewRepository().recent_outcomes(tx, std::clamp(limit, 1LL, 200LL));
}

std::vector<store::OutboxSummary> OverviewService::recent_outbox(const core::Actor& actor,
                                                                 long long limit) {
  require_role(actor, kAnyRole, "read the outbox");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::OverviewRepository().recent_outbox(tx, std::clamp(limit, 1LL, 200LL));
}

std::optional<store::StatementSummary> OverviewService::statement(const core::Actor& actor,
                                                                 long long id) {
  require_role(actor, kAnyRole, "read statements");
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::OverviewRepository().find_statement(tx, id);
}

}  // namespace risklab::service
