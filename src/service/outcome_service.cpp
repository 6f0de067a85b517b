#include "service/outcome_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/clock.hpp"
#include "core/csv_reader.hpp"
#include "core/error.hpp"
#include "lake/lake.hpp"
#include "service/audit_service.hpp"
#include "service/permissions.hpp"
#include "store/company_repository.hpp"
#include "store/outcome_repository.hpp"
#include "store/transaction.hpp"

namespace risklab::service {

nlohmann::json ground_truth_json(const store::OutcomeRecord& outcome, const std::string& company) {
  nlohmann::json out = {{"outcome_id", outcome.id},
                        {"company", company},
                        {"defaulted", outcome.defaulted},
                        {"observed_at", outcome.observed_at},
                        {"source", outcome.source},
                        {"note", outcome.note ? nlohmann::json(*outcome.note) : nullptr},
                        {"recorded_by", outcome.recorded_by},
                        {"recorded_at", outcome.recorded_at}};
  if (outcome.import_id) out["import_id"] = *outcome.import_id;
  return out;
}

std::vector<RecordedOutcome> OutcomeService::record(const core::Actor& actor,
                                                    const std::vector<OutcomeInput>& outcomes) {
  require_role(actor, {core::Role::data_steward, core::Role::admin}, "record outcomes");
  if (outcomes.empty() || outcomes.size() > 10000) {
    throw core::InvalidInput("bad_batch", "send 1 to 10000 outcomes");
  }
  std::vector<std::string> where;
  if (outcomes.size() > 1) {
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      where.push_back("outcome " + std::to_string(i) + ": ");
  }
  return record_all(actor, outcomes, where);
}

std::vector<RecordedOutcome> OutcomeService::record_csv(const core::Actor& actor,
                                                        const std::string& path) {
  require_role(actor, {core::Role::data_steward, core::Role::admin}, "record outcomes");
  core::CsvReader reader(path);
  core::CsvRecord record;
  if (!reader.next(record)) throw core::InvalidInput("no_rows", path + ": the file is empty");
  const std::vector<std::string> known = {"company", "defaulted", "observed_at", "note"};
  std::vector<int> column_of(known.size(), -1);  // known column -> position in the file
  for (std::size_t col = 0; col < record.fields.size(); ++col) {
    const std::string name(core::trim(record.fields[col]));
    const auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end()) {
      throw core::InvalidInput(
          "unknown_column",
          path + ":1: column '" + name + "': not one of company, defaulted, observed_at, note");
    }
    auto& slot = column_of[static_cast<std::size_t>(it - known.begin())];
    if (slot >= 0)
      throw core::InvalidInput("duplicate_column",
                               path + ":1: column '" + name + "' appears twice");
    slot = static_cast<int>(col);
  }
  for (std::size_t i = 0; i < 2; ++i) {
    if (column_of[i] < 0) {
      throw core::InvalidInput("missing_column",
                               path + ":1: column '" + known[i] + "' is required");
    }
  }
  const std::size_t width = record.fields.size();
  std::vector<OutcomeInput> outcomes;
  std::vector<std::string> where;
  while (reader.next(record)) {
    const std::string at = path + ":" + std::to_string(record.line) + ": ";
    if (record.fields.size() != width) {
      throw core::InvalidInput("wrong_field_count", at + "expected " + std::to_string(width) +
                                                        " fields, found " +
                                                        std::to_string(record.fields.size()));
    }
    auto field = [&](std::size_t known_index) -> std::string {
      const int col = column_of[known_index];
      return col < 0 ? std::string()
                     : std::string(core::trim(record.fields[static_cast<std::size_t>(col)]));
    };
    OutcomeInput input;
    input.company = field(0);
    if (input.company.empty())
      throw core::InvalidInput("bad_company", at + "column 'company': empty");
    const std::string defaulted = field(1);
    if (defaulted != "0" && defaulted != "1") {
      throw core::InvalidInput("bad_label",
                               at + "column 'defaulted': '" + defaulted + "' is not 0 or 1");
    }
    input.defaulted = defaulted == "1";
    input.observed_at = field(2);
    if (const std::string note = field(3); !note.empty()) input.note = note;
    outcomes.push_back(std::move(input));
    where.push_back(at + "");
  }
  if (outcomes.empty())
    throw core::InvalidInput("no_rows", path + ": no data rows after the header");
  return record_all(actor, outcomes, where);
}

std::vector<RecordedOutcome> OutcomeService::record_all(const core::Actor& actor,
                                                        const std::vector<OutcomeInput>& outcomes,
                                                        const std::vector<std::string>& where_of) {
  const std::string now = core::utc_now_iso8601();
  std::vector<RecordedOutcome> recorded;
  store::Transaction tx(db_);
  store::CompanyRepository companies;
  store::OutcomeRepository repository;
  store::OutboxRepository outbox;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& input = outcomes[i];
    const std::string where = where_of.empty() ? "" : where_of[i];
    const std::string observed = input.observed_at.empty() ? core::utc_today() : input.observed_at;
    if (!core::is_iso_date(observed)) {
      throw core::InvalidInput("bad_date",
                               where + "observed_at '" + observed + "' is not a date (YYYY-MM-DD)");
    }
    const auto company = companies.find_by_external_id(tx, input.company);
    if (!company)
      throw core::NotFound("company_not_found", where + "no company '" + input.company + "'");
    store::OutcomeRecord record;
    record.company_id = company->id;
    record.defaulted = input.defaulted;
    record.observed_at = observed;
    record.source = "api";
    record.note = input.note;
    record.recorded_by = actor.name;
    record.recorded_at = now;
    record.id = repository.insert(tx, record);

    const nlohmann::json payload = ground_truth_json(record, company->external_id);
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
    recorded.push_back(
        {record.id, company->external_id, record.defaulted, observed, event.lake_key});
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
  if (due.empty()) return result;

  // Uploads run on a few threads (each is a network round trip to the lake); the outcome of
  // each row is then recorded in one transaction. A crash between an upload and that commit
  // re-ships the row at the next pass, which the lake's create-only put turns into a no-op.
  struct Shipped {
    bool done = false;
    bool created = false;
    std::optional<std::string> error;
    bool outage = false;
  };
  std::vector<Shipped> outcome(due.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> lake_down{false};
  auto ship = [&] {
    for (std::size_t i = next++; i < due.size() && !lake_down; i = next++) {
      try {
        outcome[i].created = lake_.put_if_absent(due[i].lake_key, due[i].payload).created;
      } catch (const core::Error& error) {
        outcome[i].error = error.what();
        // A lake outage is not the row's fault: the pass stops (an outage costs a request per
        // thread per pass) and the row is retried at the next pass, as soon as the lake is back.
        outcome[i].outage = dynamic_cast<const core::Unavailable*>(&error) != nullptr;
        if (outcome[i].outage) lake_down = true;
      }
      outcome[i].done = true;
    }
  };
  const std::size_t n_threads = std::min<std::size_t>(kDrainThreads, due.size());
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < n_threads; ++t) threads.emplace_back(ship);
  ship();
  for (auto& thread : threads) thread.join();

  store::Transaction tx(db_);
  store::OutboxRepository outbox;
  const auto now = std::chrono::system_clock::now();
  for (std::size_t i = 0; i < due.size(); ++i) {
    const auto& event = due[i];
    if (!outcome[i].done) continue;  // not tried this pass (the lake went down)
    if (!outcome[i].error) {
      outbox.mark_shipped(tx, event.id, core::to_iso8601(now));
      ++(outcome[i].created ? result.shipped : result.already_there);
      continue;
    }
    ++result.failed;
    result.last_error = *outcome[i].error;
    // Any failure other than an outage (say, a different object under its key) backs off
    // exponentially, up to five minutes, so one bad row cannot hog the drainer.
    const auto delay = outcome[i].outage
                           ? std::chrono::seconds(1)
                           : std::chrono::seconds(std::min(300, 1 << std::min(event.attempts, 8)));
    outbox.mark_failed(tx, event.id, *outcome[i].error, core::to_iso8601(now + delay));
    spdlog::warn("outbox row {} not shipped to {}: {}", event.id, event.lake_key,
                 *outcome[i].error);
  }
  tx.commit();
  return result;
}

store::OutboxBacklog OutboxService::backlog() {
  store::Transaction tx(db_, store::Transaction::Mode::read);
  return store::OutboxRepository().backlog(tx);
}

}  // namespace risklab::service
