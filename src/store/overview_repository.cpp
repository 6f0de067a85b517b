#include "store/overview_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
namespace {

std::vector<ValueCount> value_counts(Transaction& tx, const std::string& text, long long bound,
                                     bool with_bound, const char* what) {
  std::vector<ValueCount> out;
  try {
    auto& sql = detail::sql(tx);
    const auto read = [&out](soci::rowset<soci::row>& rows) {
      for (const auto& row : rows) out.push_back({row.get<std::string>(0), detail::as_int(row, 1)});
    };
    if (with_bound) {
      soci::rowset<soci::row> rows = (sql.prepare << text, soci::use(bound));
      read(rows);
    } else {
      soci::rowset<soci::row> rows = (sql.prepare << text);
      read(rows);
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), what);
  }
  return out;
}

}  // namespace

long long OverviewRepository::statement_count(Transaction& tx) {
  long long count = 0;
  try {
    detail::sql(tx) << "SELECT COUNT(*) FROM statements", soci::into(count);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "counting statements");
  }
  return count;
}

std::vector<ValueCount> OverviewRepository::recent_grades(Transaction& tx, long long last_n) {
  return value_counts(tx,
                      "SELECT grade, COUNT(*) FROM (SELECT grade FROM assessments ORDER BY id DESC "
                      "LIMIT :n) recent GROUP BY grade ORDER BY grade",
                      last_n, true, "counting recent grades");
}

std::vector<AssessmentSummary> OverviewRepository::recent_assessments(Transaction& tx,
                                                                      long long limit) {
  std::vector<AssessmentSummary> out;
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT a.id, a.created_at, a.created_by, a.pd, a.grade, a.recommendation, "
                "a.statement_id, COALESCE(c.external_id, a.company_ref), c.name, d.decision, "
                "d.is_override FROM assessments a LEFT JOIN companies c ON c.id = a.company_id "
                "LEFT JOIN decisions d ON d.assessment_id = a.id ORDER BY a.id DESC LIMIT :n",
         soci::use(limit));
    for (const auto& row : rows) {
      AssessmentSummary a;
      a.id = detail::as_int(row, 0);
      a.created_at = row.get<std::string>(1);
      a.created_by = row.get<std::string>(2);
      a.pd = row.get<double>(3);
      a.grade = row.get<std::string>(4);
      a.recommendation = row.get<std::string>(5);
      a.statement_id = detail::optional_int(row, 6);
      a.company = detail::optional_text(row, 7);
      a.company_name = detail::optional_text(row, 8);
      a.decision = detail::optional_text(row, 9);
      a.is_override = detail::optional_int(row, 10).value_or(0) != 0;
      out.push_back(std::move(a));
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "listing recent assessments");
  }
  return out;
}

DecisionCounts OverviewRepository::decision_counts(Transaction& tx) {
  DecisionCounts counts;
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << "SELECT COUNT(*), COALESCE(SUM(is_override), 0) FROM decisions");
    for (const auto& row : rows) {
      counts.decisions = detail::as_int(row, 0);
      counts.overrides = detail::as_int(row, 1);
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "counting decisions");
  }
  return counts;
}

std::vector<ValueCount> OverviewRepository::training_job_counts(Transaction& tx) {
  return value_counts(tx,
                      "SELECT status, COUNT(*) FROM training_jobs GROUP BY status ORDER BY status",
                      0, false, "counting training jobs");
}

std::vector<StatementSummary> OverviewRepository::search_statements(Transaction& tx,
                                                                    const std::string& text,
                                                                    long long limit,
                                                                    long long offset) {
  std::vector<StatementSummary> out;
  std::string pattern;
  for (const char ch : text) {
    pattern += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  }
  pattern = "%" + pattern + "%";
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT s.id, c.external_id, c.name, s.period, d.name FROM statements s "
                "JOIN companies c ON c.id = s.company_id JOIN datasets d ON d.id = s.dataset_id "
                "WHERE LOWER(c.external_id) LIKE :a OR LOWER(c.name) LIKE :b "
                "ORDER BY s.id LIMIT :n OFFSET :o",
         soci::use(pattern), soci::use(pattern), soci::use(limit), soci::use(offset));
    for (const auto& row : rows) {
      out.push_back({detail::as_int(row, 0), row.get<std::string>(1), row.get<std::string>(2),
                     row.get<std::string>(3), row.get<std::string>(4)});
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "searching statements");
  }
  return out;
}

std::vector<OutcomeSummary> OverviewRepository::recent_outcomes(Transaction& tx, long long limit) {
  std::vector<OutcomeSummary> out;
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT o.id, c.external_id, o.defaulted, o.observed_at, o.source, o.note, "
                "o.recorded_by, o.recorded_at FROM outcomes o JOIN companies c ON c.id = "
                "o.company_id ORDER BY o.id DESC LIMIT :n",
         soci::use(limit));
    for (const auto& row : rows) {
      out.push_back({detail::as_int(row, 0), row.get<std::string>(1), detail::as_int(row, 2) != 0,
                     row.get<std::string>(3), row.get<std::string>(4), detail::optional_text(row, 5),
                     row.get<std::string>(6), row.get<std::string>(7)});
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "listing recent outcomes");
  }
  return out;
}

std::vector<OutboxSummary> OverviewRepository::recent_outbox(Transaction& tx, long long limit) {
  std::vector<OutboxSummary> out;
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT id, event_type, entity_id, lake_key, created_at, attempts, last_error, "
                "shipped_at FROM outbox ORDER BY id DESC LIMIT :n",
         soci::use(limit));
    for (const auto& row : rows) {
      out.push_back({detail::as_int(row, 0), row.get<std::string>(1), row.get<std::string>(2),
                     row.get<std::string>(3), row.get<std::string>(4), detail::as_int(row, 5),
                     detail::optional_text(row, 6), detail::optional_text(row, 7)});
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "listing the outbox");
  }
  return out;
}

std::optional<StatementSummary> OverviewRepository::find_statement(Transaction& tx, long long id) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT s.id, c.external_id, c.name, s.period, d.name FROM statements s "
                "JOIN companies c ON c.id = s.company_id JOIN datasets d ON d.id = s.dataset_id "
                "WHERE s.id = :id",
         soci::use(id));
    for (const auto& row : rows) {
      return StatementSummary{detail::as_int(row, 0), row.get<std::string>(1),
                              row.get<std::string>(2), row.get<std::string>(3),
                              row.get<std::string>(4)};
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading statement " + std::to_string(id));
  }
  return std::nullopt;
}

}  // namespace risklab::store
