#include "store/assessment_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
long long AssessmentRepository::insert(Transaction& tx, const AssessmentRecord& a) {
  try {
    return detail::insert_returning_id(
        detail::sql(tx), tx.database().backend(), "assessments",
        {{"model_id"}, {"company_id"}, {"company_ref"}, {"statement_id"}, {"inputs", true},
         {"pd"}, {"grade"}, {"recommendation"}, {"drivers", true}, {"out_of_range", true},
         {"created_at"}, {"created_by"}},
        {a.model_id, detail::or_null(a.company_id), detail::or_null(a.company_ref), detail::or_null(a.statement_id),
         a.inputs_json, a.pd, a.grade, a.recommendation, a.drivers_json, a.out_of_range_json,
         a.created_at, a.created_by});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "storing an assessment");
  }
}

std::optional<AssessmentRecord> AssessmentRepository::find(Transaction& tx, long long id) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare
             << "SELECT id, model_id, company_id, company_ref, statement_id, inputs, pd, grade, "
                "recommendation, drivers, out_of_range, created_at, created_by FROM assessments "
                "WHERE id = :id",
         soci::use(id));
    for (const auto& row : rows) {
      AssessmentRecord a;
      a.id = detail::as_int(row, 0);
      a.model_id = detail::as_int(row, 1);
      a.company_id = detail::optional_int(row, 2);
      a.company_ref = detail::optional_text(row, 3);
      a.statement_id = detail::optional_int(row, 4);
      a.inputs_json = row.get<std::string>(5);
      a.pd = row.get<double>(6);
      a.grade = row.get<std::string>(7);
      a.recommendation = row.get<std::string>(8);
      a.drivers_json = row.get<std::string>(9);
      a.out_of_range_json = row.get<std::string>(10);
      a.created_at = row.get<std::string>(11);
      a.created_by = row.get<std::string>(12);
      return a;
    }
    return std::nullopt;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading assessment " + std::to_string(id));
  }
}

long long AssessmentRepository::count(Transaction& tx) {
  long long count = 0;
  try {
    detail::sql(tx) << "SELECT COUNT(*) FROM assessments", soci::into(count);
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "counting assessments");
  }
  return count;
}

long long AssessmentRepository::insert_decision(Transaction& tx, const DecisionRecord& d) {
  try {
    return detail::insert_returning_id(
        detail::sql(tx), tx.database().backend(), "decisions",
        {{"assessment_id"}, {"decision"}, {"recommendation"}, {"is_override"}, {"rationale"},
         {"reason_code"}, {"decided_by"}, {"decided_at"}},
        {d.assessment_id, d.decision, d.recommendation, static_cast<long long>(d.is_override),
         detail::or_null(d.rationale), detail::or_null(d.reason_code), d.decided_by, d.decided_at});
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(),
                    "recording the decision on assessment " + std::to_string(d.assessment_id));
  }
}

std::optional<DecisionRecord> AssessmentRepository::find_decision(Transaction& tx,
                                                                  long long assessment_id) {
  try {
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << "SELECT id, assessment_id, decision, recommendation, "
                                    "is_override, rationale, reason_code, decided_by, decided_at "
                                    "FROM decisions WHERE assessment_id = :a",
         soci::use(assessment_id));
    for (const auto& row : rows) {
      return DecisionRecord{detail::as_int(row, 0), detail::as_int(row, 1),
                            row.get<std::string>(2), row.get<std::string>(3),
                            detail::as_int(row, 4) != 0, detail::optional_text(row, 5), detail::optional_text(row, 6),
                            row.get<std::string>(7), row.get<std::string>(8)};
    }
    return std::nullopt;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading a decision");
  }
}

}  // namespace risklab::store
