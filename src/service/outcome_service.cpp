#include "service/outcome_service.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/audit_service.hpp"
#include "service/permissions.hpp"
#include "store/company_repository.hpp"
#include "store/outcome_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {

std::vector<RecordedOutcome> OutcomeService::record(const core::Actor& actor,
                                                    const std::vector<OutcomeInput>& outcomes) {
  require_role(actor, {core::Role::data_steward, core::Role::admin}, "record outcomes");
  if (outcomes.empty() || outcomes.size() > 10000) {
    throw core::InvalidInput("bad_batch", "send 1 to 10000 outcomes");
  }
  const std::string now = core::utc_now_iso8601();
  std::vector<RecordedOutcome> recorded;
  store::Transaction tx(db_);
  store::CompanyRepository companies;
  store::OutcomeRepository repository;
  store::OutboxRepository outbox;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& input = outcomes[i];
    const std::string where = outcomes.size() > 1 ? "outcome " + std::to_string(i) + ": " : "";
    const std::string observed = input.observed_at.empty() ? core::utc_today() : input.observed_at;
    if (!core::is_iso_date(observed)) {
      throw core::InvalidInput("bad_date", where + "observed_at '" + observed + "' is not a date (YYYY-MM-DD)");
    }
    const auto company = companies.find_by_external_id(tx, input.company);
    if (!company) throw core::NotFound("company_not_found", where + "no company '" + input.company + "'");
    store::OutcomeRecord record;
    record.company_id = company->id;
    record.defaulted = input.defaulted;
    record.observed_at = observed;
    record.source = "api";
    record.note = input.note;
    record.recorded_by = actor.name;
    record.recorded_at = now;
    record.id = repository.insert(tx, record);

    const nlohmann::json payload = {{"outcome_id", record.id},
                                    {"company", company->external_id},
                                    {"defaulted", record.defaulted},
                                    {"observed_at", record.observed_at},
                                    {"source", record.source},
                                    {"note", record.note ? nlohmann::json(*record.note) : nullptr},
                                    {"recorded_by", record.recorded_by},
                                    {"recorded_at", record.recorded_at}};
    store::OutboxEvent event;
    event.event_type = "outcome.recorded";
    event.entity_id = std::to_string(record.id);
    event.lake_key = "ground_truth/date=" + now.substr(0, 10) + "/outcome-" +
                     std::to_string(record.id) + ".json";
    event.payload = payload.dump() + "\n";
    event.created_at = now;
    outbox.enqueue(tx, event);
    AuditService::record(tx, actor, "outcome.recorded", "outcome", std::to_string(record.id),
                         nullptr, payload);
    recorded.push_back({record.id, company->external_id, record.defaulted, observed, event.lake_key});
  }
  tx.commit();
  return recorded;
}

OutboxService::DrainResult OutboxService::drain(int max_events) {
  DrainResult result;
  std::vector<store::OutboxEvent> due;
  {
    store::Transaction tx(db_, store::Transaction::Mode::read);
    due = store::OutboxRepository().due(tx, core::utc_now_iso8601(), max_events);
  }
  for (const auto& event : due) {
    try {
      const auto put = lake_.put_if_absent(event.lake_key, event.payload);
      store::Transaction tx(db_);
      store::OutboxRepository().mark_shipped(tx, event.id, core::utc_now_iso8601());
      tx.commit();
      ++(put.created ? result.shipped : result.already_there);
    } catch (const core::Error& error) {
      ++result.failed;
      result.last_error = error.what();
      // Exponential backoff, capped at five minutes, so a long outage costs few requests.
      const auto delay = std::chrono::seconds(std::min(300, 1 << std::min(event.attempts, 8)));
      store::Transaction tx(db_);
      store::OutboxRepository().mark_failed(
          tx, event.id, error.what(),
          core::to_iso8601(std::chrono::system_clock::now() + delay));
      tx.commit();
      spdlog::warn("outbox row {} not shipped to {}: {}", event.id, event.lake_key, error.what());
      if (dynamic_cast<const core::Unavailable*>(&error)) break;  // the lake is down: try later
    }
  }
  return result;
}

store::OutboxBacklog OutboxService::backlog() {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::OutboxRepository().backlog(tx);
}

}  // namespace risklab::service
