#include "service/monitoring_service.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "ml/metrics.hpp"
#include "ml/validation_report.hpp"
#include "service/champion.hpp"
#include "service/permissions.hpp"
#include "service/stored_inputs.hpp"
#include "store/database.hpp"
#include "store/model_repository.hpp"
#include "store/monitoring_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {
namespace {

using nlohmann::json;

void require_monitoring(const core::Actor& actor) {
  require_role(actor, {core::Role::risk_officer, core::Role::model_developer, core::Role::admin},
               "read monitoring");
}

/// `date` (YYYY-MM-DD) plus `months`, the day clamped to the month's length (2025-01-31 + 1 →
/// 2025-02-28).
std::string add_months(const std::string& date, int months) {
  using namespace std::chrono;
  const year_month_day start{year{std::stoi(date.substr(0, 4))},
                             month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                             day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
  const year_month shifted = year_month{start.year(), start.month()} + std::chrono::months{months};
  const auto last = year_month_day_last{shifted.year(), month_day_last{shifted.month()}}.day();
  const year_month_day end{shifted.year(), shifted.month(), std::min(start.day(), last)};
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(end.year()),
                static_cast<unsigned>(end.month()), static_cast<unsigned>(end.day()));
  return out;
}

std::optional<std::string> lower_bound_ts(const std::optional<std::string>& date) {
  if (!date) return std::nullopt;
  return *date + "T00:00:00Z";
}

std::optional<std::string> upper_bound_ts(const std::optional<std::string>& date) {
  if (!date) return std::nullopt;
  return *date + "T23:59:59Z";
}

/// How an assessment's outcome stands on `as_of`.
struct Outcome {
  bool matured = false;
  bool defaulted = false;  ///< a default observed in [assessment date, min(window end, as_of)]
};

class OutcomeIndex {
 public:
  explicit OutcomeIndex(std::vector<store::CompanyOutcome> outcomes) {
    for (auto& outcome : outcomes) {
      if (outcome.defaulted)
        defaults_[outcome.company_id].push_back(std::move(outcome.observed_at));
    }
  }

  Outcome of(long long company_id, const std::string& created_at, const std::string& as_of,
             int months) const {
    const std::string start = created_at.substr(0, 10);
    const std::string end = add_months(start, months);
    Outcome out;
    out.matured = as_of >= end;
    const auto it = defaults_.find(company_id);
    if (it == defaults_.end()) return out;
    const std::string& until = std::min(end, as_of);
    for (const auto& observed : it->second) out.defaulted |= observed >= start && observed <= until;
    return out;
  }

 private:
  std::unordered_map<long long, std::vector<std::string>> defaults_;
};

std::vector<std::string> grade_order(const ml::Model& model) {
  std::vector<std::string> out;
  for (const auto& band : model.master_scale.bands()) out.push_back(band.grade);
  return out;
}

std::optional<double> development_auc(const ml::Model& model) {
  const auto& metrics = model.metrics;
  if (const auto holdout = metrics.find("holdout");
      holdout != metrics.end() && holdout->contains("auc")) {
    return (*holdout)["auc"].get<double>();
  }
  if (const auto oob = metrics.find("oob_auc"); oob != metrics.end() && oob->is_number())
    return oob->get<double>();
  return std::nullopt;
}

/// The latest assessment per company (assessments come oldest first); unlinked ones dropped.
std::vector<const store::MonitoredAssessment*> latest_per_company(
    const std::vector<store::MonitoredAssessment>& all, std::size_t* unlinked) {
  std::unordered_map<long long, const store::MonitoredAssessment*> latest;
  for (const auto& a : all) {
    if (!a.company_id) {
      ++*unlinked;
      continue;
    }
    latest[*a.company_id] = &a;
  }
  std::vector<const store::MonitoredAssessment*> out;
  out.reserve(latest.size());
  for (const auto& [company, a] : latest) out.push_back(a);
  std::sort(out.begin(), out.end(), [](const auto* x, const auto* y) { return x->id < y->id; });
  return out;
}

int leniency(const std::string& decision) {
  if (decision == "approve") return 2;
  if (decision == "refer") return 1;
  return 0;
}

json drift_json(const ml::DriftResult& d) {
  return {{"psi", d.psi},
          {"light", ml::to_string(d.light)},
          {"critical_value", d.critical_value},
          {"significant", d.significant},
          {"n_reference", d.n_reference},
          {"n_actual", d.n_actual},
          {"reference_shares", d.reference_shares},
          {"actual_shares", d.actual_shares}};
}

json grade_json(const ml::BacktestGrade& g) {
  return {{"grade", g.grade},
          {"count", g.count},
          {"defaults", g.defaults},
          {"mean_pd", g.mean_pd},
          {"observed_rate", g.observed_rate},
          {"binomial_p", g.binomial_p},
          {"jeffreys_p", g.jeffreys_p},
          {"pluto_tasche_upper", g.pluto_tasche_upper},
          {"light", ml::to_string(g.light)}};
}

json groups_json(const std::vector<OverrideGroup>& groups) {
  json out = json::array();
  for (const auto& g : groups) {
    out.push_back({{"key", g.key},
                   {"decisions", g.decisions},
                   {"overrides", g.overrides},
                   {"override_rate", g.decisions ? static_cast<double>(g.overrides) /
                                                       static_cast<double>(g.decisions)
                                                 : 0.0}});
  }
  return out;
}

json rate(std::size_t part, std::size_t whole) {
  if (whole == 0) return nullptr;
  return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

std::shared_ptr<const LoadedModel> MonitoringService::resolve_model(
    const std::optional<long long>& wanted) {
  long long id = 0;
  if (wanted) {
    id = *wanted;
  } else {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    const auto champion = store::ModelRepository().champion_id(tx);
    if (!champion) throw core::NotFound("no_champion", "no champion model: name one with model_id");
    id = *champion;
  }
  // Artifacts never change (their sha256 is checked on load), so a loaded model can be reused.
  {
    std::lock_guard lock(models_mutex_);
    if (const auto it = models_.find(id); it != models_.end()) return it->second;
  }
  auto loaded = load_registered_model(db_, id, lake_);
  std::lock_guard lock(models_mutex_);
  if (models_.size() >= 4) models_.clear();  // a handful of models is all monitoring looks at
  models_[id] = loaded;
  return loaded;
}

void validate(const MonitoringQuery& query) {
  for (const auto& [name, value] :
       {std::pair{"from", query.from}, {"to", query.to}, {"as_of", query.as_of}}) {
    if (value && !core::is_iso_date(*value)) {
      throw core::InvalidInput("bad_date", std::string("'") + name +
                                               "' must be a date YYYY-MM-DD, not '" + *value + "'");
    }
  }
  if (query.from && query.to && *query.from > *query.to) {
    throw core::InvalidInput("bad_window",
                             "'from' (" + *query.from + ") is after 'to' (" + *query.to + ")");
  }
  if (query.performance_months < 1 || query.performance_months > 120) {
    throw core::InvalidInput("bad_window", "'performance_months' must be between 1 and 120");
  }
  if (!(query.alpha > 0.0 && query.alpha < 0.5)) {
    throw core::InvalidInput("bad_alpha", "'alpha' must be in (0, 0.5)");
  }
}

DriftReport MonitoringService::drift(const core::Actor& actor, const MonitoringQuery& query) {
  require_monitoring(actor);
  validate(query);
  const auto loaded = resolve_model(query.model_id);
  const ml::Model& model = loaded->model();
  std::vector<store::MonitoredAssessment> scorings;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    scorings = store::MonitoringRepository().assessments(
        tx, lower_bound_ts(query.from), upper_bound_ts(query.to), loaded->record().id, true);
  }
  DriftReport report;
  report.model_id = loaded->record().id;
  report.model_version = loaded->record().version;
  report.scorings = scorings.size();
  if (scorings.empty()) return report;

  const std::size_t n_features = model.features.size();
  StoredInputsReader reader(model.features);
  std::vector<std::vector<double>> values(n_features);
  for (auto& column : values) column.reserve(scorings.size());
  std::vector<double> pds;
  pds.reserve(scorings.size());
  std::vector<double> row(n_features);
  for (const auto& a : scorings) {
    pds.push_back(a.pd);
    reader.read(a.inputs_json, row);
    for (std::size_t i = 0; i < n_features; ++i) values[i].push_back(row[i]);
  }
  const auto& profile = model.profile;
  // An alarm needs both verdicts: a shift large enough to matter (PSI at least 0.10, amber or
  // red) and statistically significant for these sample sizes (docs/METHODOLOGY.md §10).
  auto alarm = [&report](const FeatureDrift& d) {
    if (d.drift.light != ml::TrafficLight::green && d.drift.light != ml::TrafficLight::none &&
        d.drift.significant) {
      report.alarms.push_back(d.feature);
    }
  };
  if (!profile.pd_psi_edges.empty()) {
    report.score = FeatureDrift{
        "score",
        ml::drift(profile.pd_psi_edges, profile.pd_psi_shares, profile.n_rows, pds, query.alpha),
        0};
  }
  for (std::size_t i = 0; i < n_features && i < profile.features.size(); ++i) {
    const auto& feature = profile.features[i];
    if (feature.psi_edges.empty() && feature.psi_shares.size() != 1) continue;  // no frozen bins
    const auto missing = static_cast<std::size_t>(
        std::count_if(values[i].begin(), values[i].end(), [](double v) { return std::isnan(v); }));
    if (missing == values[i].size()) {
      report.missing_everywhere.push_back(model.features[i]);  // nothing to compare
      continue;
    }
    FeatureDrift d{
        model.features[i],
        ml::drift(feature.psi_edges, feature.psi_shares, profile.n_rows, values[i], query.alpha),
        missing};
    report.features.push_back(std::move(d));
  }
  std::stable_sort(
      report.features.begin(), report.features.end(),
      [](const FeatureDrift& a, const FeatureDrift& b) { return a.drift.psi > b.drift.psi; });
  if (report.score) alarm(*report.score);
  for (const auto& d : report.features) alarm(d);
  return report;
}

BacktestReport MonitoringService::backtest(const core::Actor& actor, const MonitoringQuery& query) {
  require_monitoring(actor);
  validate(query);
  const auto loaded = resolve_model(query.model_id);
  const ml::Model& model = loaded->model();
  std::vector<store::MonitoredAssessment> all;
  std::vector<store::CompanyOutcome> outcomes;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    store::MonitoringRepository repository;
    all = repository.assessments(tx, lower_bound_ts(query.from), upper_bound_ts(query.to),
                                 loaded->record().id, false);
    outcomes = repository.outcomes(tx);
  }
  BacktestReport report;
  report.model_id = loaded->record().id;
  report.model_version = loaded->record().version;
  report.as_of = query.as_of.value_or(core::utc_today());
  report.performance_months = query.performance_months;
  report.maturity.assessments = all.size();
  const auto order = grade_order(model);

  const OutcomeIndex index(std::move(outcomes));
  std::vector<std::string> grades;
  std::vector<double> pds;
  std::vector<std::uint8_t> defaulted;
  std::vector<double> immature_pds;
  std::size_t immature_defaults = 0;
  for (const auto* a : latest_per_company(all, &report.maturity.unlinked)) {
    const Outcome outcome =
        index.of(*a->company_id, a->created_at, report.as_of, query.performance_months);
    if (outcome.matured) {
      grades.push_back(a->grade);
      pds.push_back(a->pd);
      defaulted.push_back(outcome.defaulted ? 1 : 0);
    } else {
      immature_pds.push_back(a->pd);
      immature_defaults += outcome.defaulted ? 1 : 0;
    }
  }
  report.maturity.matured = pds.size();
  report.maturity.immature = immature_pds.size();
  report.maturity.immature_defaults = ml::expected_defaults(immature_pds, immature_defaults);

  for (auto& line : ml::backtest_by_grade(order, grades, pds, defaulted)) {
    if (line.count > 0) report.grades.push_back(std::move(line));
  }
  const auto whole = ml::backtest_by_grade(
      {"portfolio"}, std::vector<std::string>(pds.size(), "portfolio"), pds, defaulted);
  report.portfolio = whole.front();
  report.auc_development = development_auc(model);
  const auto defaults = static_cast<std::size_t>(std::count(defaulted.begin(), defaulted.end(), 1));
  if (report.auc_development && defaults > 0 && defaults < defaulted.size()) {
    report.auc = ml::auc_vs_development(defaulted, pds, *report.auc_development);
  }
  std::map<std::string, std::size_t> counts;
  for (const auto& a : all) ++counts[a.grade];
  std::vector<std::size_t> concentration;
  for (const auto& [grade, count] : counts) concentration.push_back(count);
  report.hhi = concentration.empty() ? 0.0 : ml::herfindahl_index(concentration);
  return report;
}

OverrideReport MonitoringService::overrides(const core::Actor& actor,
                                            const MonitoringQuery& query) {
  require_monitoring(actor);
  validate(query);
  std::vector<store::MonitoredAssessment> all;
  std::vector<store::CompanyOutcome> outcomes;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    store::MonitoringRepository repository;
    all = repository.assessments(tx, lower_bound_ts(query.from), upper_bound_ts(query.to),
                                 query.model_id, false);
    outcomes = repository.outcomes(tx);
  }
  const OutcomeIndex index(std::move(outcomes));
  const std::string as_of = query.as_of.value_or(core::utc_today());
  OverrideReport report;
  report.assessments = all.size();
  std::map<std::string, OverrideGroup> by_user, by_reason;
  for (const auto& a : all) {
    if (!a.decision) continue;
    ++report.decisions;
    auto& user = by_user[a.decided_by.value_or("")];
    user.key = a.decided_by.value_or("");
    ++user.decisions;
    if (a.is_override) {
      ++report.overrides;
      ++user.overrides;
      const int delta = leniency(*a.decision) - leniency(a.recommendation);
      report.upgrades += delta > 0 ? 1 : 0;
      report.downgrades += delta < 0 ? 1 : 0;
      auto& reason = by_reason[a.reason_code.value_or("(none)")];
      reason.key = a.reason_code.value_or("(none)");
      ++reason.decisions;
      ++reason.overrides;
    }
    if (!a.company_id) continue;
    const Outcome outcome = index.of(*a.company_id, a.created_at, as_of, query.performance_months);
    if (!outcome.matured) continue;
    if (a.is_override) {
      ++report.overridden_matured;
      report.overridden_defaults += outcome.defaulted ? 1 : 0;
    } else {
      ++report.followed_matured;
      report.followed_defaults += outcome.defaulted ? 1 : 0;
    }
  }
  for (auto& [key, group] : by_user) report.by_user.push_back(group);
  for (auto& [key, group] : by_reason) report.by_reason.push_back(group);
  std::sort(
      report.by_reason.begin(), report.by_reason.end(),
      [](const OverrideGroup& a, const OverrideGroup& b) { return a.overrides > b.overrides; });
  return report;
}

ml::MigrationMatrix MonitoringService::migration(const core::Actor& actor, const std::string& first,
                                                 const std::string& second,
                                                 const MonitoringQuery& query) {
  require_monitoring(actor);
  validate(query);
  for (const auto* date : {&first, &second}) {
    if (!core::is_iso_date(*date))
      throw core::InvalidInput("bad_date",
                               "migration dates must be YYYY-MM-DD, not '" + *date + "'");
  }
  if (first > second)
    throw core::InvalidInput("bad_window", "the first migration date is after the second");
  const auto loaded = resolve_model(query.model_id);
  std::vector<store::MonitoredAssessment> all;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    all = store::MonitoringRepository().assessments(tx, std::nullopt, upper_bound_ts(second),
                                                    query.model_id, false);
  }
  const auto order = grade_order(loaded->model());
  const std::string first_end = *upper_bound_ts(first);
  std::unordered_map<long long, std::pair<std::string, std::string>>
      grades;                  // company → (first, second)
  for (const auto& a : all) {  // oldest first: the last write wins
    if (!a.company_id) continue;
    auto& pair = grades[*a.company_id];
    if (a.created_at <= first_end) pair.first = a.grade;
    pair.second = a.grade;
  }
  std::vector<std::pair<std::string, std::string>> from_to;
  for (const auto& [company, pair] : grades) {
    const bool known = std::find(order.begin(), order.end(), pair.first) != order.end() &&
                       std::find(order.begin(), order.end(), pair.second) != order.end();
    if (!pair.first.empty() && known) from_to.push_back(pair);
  }
  return ml::migration_matrix(order, from_to);
}

json to_json(const DriftReport& report) {
  json features = json::array();
  for (const auto& d : report.features) {
    auto item = drift_json(d.drift);
    item["feature"] = d.feature;
    item["missing"] = d.missing;
    features.push_back(std::move(item));
  }
  return {{"model_id", report.model_id},
          {"model_version", report.model_version},
          {"scorings", report.scorings},
          {"score", report.score ? drift_json(report.score->drift) : json(nullptr)},
          {"features", features},
          {"alarms", report.alarms},
          {"missing_everywhere", report.missing_everywhere},
          {"thresholds", {{"amber_from", 0.10}, {"red_from", 0.25}}}};
}

json to_json(const BacktestReport& report) {
  json grades = json::array();
  for (const auto& g : report.grades) grades.push_back(grade_json(g));
  const auto& e = report.maturity.immature_defaults;
  json auc = nullptr;
  if (report.auc) {
    auc = {{"auc", report.auc->auc},       {"se", report.auc->se},
           {"ci_low", report.auc->ci_low}, {"ci_high", report.auc->ci_high},
           {"z", report.auc->z},           {"p_value", report.auc->p_value}};
  }
  return {
      {"model_id", report.model_id},
      {"model_version", report.model_version},
      {"as_of", report.as_of},
      {"performance_months", report.performance_months},
      {"maturity",
       {{"assessments", report.maturity.assessments},
        {"unlinked", report.maturity.unlinked},
        {"matured", report.maturity.matured},
        {"immature", report.maturity.immature},
        {"immature_expected_defaults", e.expected},
        {"immature_expected_sd", e.sd},
        {"immature_defaults_so_far", e.observed},
        {"immature_p_more", e.p_value_more},
        {"immature_p_fewer", e.p_value_fewer}}},
      {"grades", grades},
      {"portfolio", grade_json(report.portfolio)},
      {"auc", auc},
      {"auc_development", report.auc_development ? json(*report.auc_development) : json(nullptr)},
      {"hhi", report.hhi}};
}

json to_json(const OverrideReport& report) {
  return {{"assessments", report.assessments},
          {"decisions", report.decisions},
          {"overrides", report.overrides},
          {"override_rate", rate(report.overrides, report.decisions)},
          {"upgrades", report.upgrades},
          {"downgrades", report.downgrades},
          {"by_user", groups_json(report.by_user)},
          {"by_reason", groups_json(report.by_reason)},
          {"overridden",
           {{"matured", report.overridden_matured},
            {"defaults", report.overridden_defaults},
            {"default_rate", rate(report.overridden_defaults, report.overridden_matured)}}},
          {"followed",
           {{"matured", report.followed_matured},
            {"defaults", report.followed_defaults},
            {"default_rate", rate(report.followed_defaults, report.followed_matured)}}}};
}

json to_json(const ml::MigrationMatrix& matrix) {
  return {{"grades", matrix.grades},
          {"counts", matrix.counts},
          {"total", matrix.total},
          {"stable_share", matrix.stable_share},
          {"upgrade_share", matrix.upgrade_share},
          {"downgrade_share", matrix.downgrade_share}};
}

json MonitoringService::report_json(const core::Actor& actor, const MonitoringQuery& query) {
  json out = {{"generated_at", core::utc_now_iso8601()},
              {"generated_by", actor.name},
              {"query",
               {{"from", query.from ? json(*query.from) : json(nullptr)},
                {"to", query.to ? json(*query.to) : json(nullptr)},
                {"as_of", query.as_of.value_or(core::utc_today())},
                {"performance_months", query.performance_months},
                {"alpha", query.alpha}}}};
  out["drift"] = to_json(drift(actor, query));
  out["backtest"] = to_json(backtest(actor, query));
  out["overrides"] = to_json(overrides(actor, query));
  if (query.from && query.to) {
    out["migration"] = to_json(migration(actor, *query.from, *query.to, query));
  } else {
    out["migration"] = nullptr;
  }
  return out;
}

std::string MonitoringService::prometheus_gauges(std::chrono::seconds max_age) {
  std::lock_guard lock(gauges_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (gauges_at_ != std::chrono::steady_clock::time_point{} && now - gauges_at_ < max_age)
    return gauges_;
  gauges_at_ = now;
  gauges_.clear();
  const core::Actor system{0, "system:metrics", {core::Role::risk_officer}};
  try {
    MonitoringQuery month;
    month.from = add_months(core::utc_today(), -1);
    const auto d = drift(system, month);
    const auto b = backtest(system, {});
    double max_feature = 0.0;
    for (const auto& f : d.features) max_feature = std::max(max_feature, f.drift.psi);
    std::map<std::string, int> lights{{"green", 0}, {"amber", 0}, {"red", 0}};
    for (const auto& g : b.grades) {
      if (g.light != ml::TrafficLight::none) ++lights[ml::to_string(g.light)];
    }
    const std::string model = "model_version=\"" + d.model_version + "\"";
    std::string out =
        "# HELP risklab_drift_scorings Scorings of the champion in the last month.\n"
        "# TYPE risklab_drift_scorings gauge\n"
        "risklab_drift_scorings{" +
        model + "} " + std::to_string(d.scorings) +
        "\n"
        "# HELP risklab_drift_psi PSI of the champion's score over the last month against its "
        "training bins.\n"
        "# TYPE risklab_drift_psi gauge\n";
    if (d.score)
      out += "risklab_drift_psi{" + model + "} " + std::to_string(d.score->drift.psi) + "\n";
    out +=
        "# HELP risklab_drift_feature_psi_max Largest feature PSI (CSI) over the last month.\n"
        "# TYPE risklab_drift_feature_psi_max gauge\n"
        "risklab_drift_feature_psi_max{" +
        model + "} " + std::to_string(max_feature) +
        "\n"
        "# HELP risklab_drift_alarms Variables whose PSI is at least 0.10 and significant.\n"
        "# TYPE risklab_drift_alarms gauge\n"
        "risklab_drift_alarms{" +
        model + "} " + std::to_string(d.alarms.size()) +
        "\n"
        "# HELP risklab_backtest_grades Grades of the champion's back-test by traffic light.\n"
        "# TYPE risklab_backtest_grades gauge\n";
    for (const auto& [light, count] : lights) {
      out += "risklab_backtest_grades{" + model + ",light=\"" + light + "\"} " +
             std::to_string(count) + "\n";
    }
    out +=
        "# HELP risklab_backtest_immature_defaults Defaults so far among immature assessments.\n"
        "# TYPE risklab_backtest_immature_defaults gauge\n"
        "risklab_backtest_immature_defaults{" +
        model + "} " + std::to_string(b.maturity.immature_defaults.observed) +
        "\n"
        "# HELP risklab_backtest_immature_expected_defaults Defaults the PDs of immature "
        "assessments expect.\n"
        "# TYPE risklab_backtest_immature_expected_defaults gauge\n"
        "risklab_backtest_immature_expected_defaults{" +
        model + "} " + std::to_string(b.maturity.immature_defaults.expected) + "\n";
    gauges_ = std::move(out);
  } catch (const std::exception&) {
    // No champion, or the database or lake is down: /healthz says which; metrics still answer.
  }
  return gauges_;
}

}  // namespace risklab::service
