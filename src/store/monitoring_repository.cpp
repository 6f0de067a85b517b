#include "store/monitoring_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {

std::vector<MonitoredAssessment> MonitoringRepository::assessments(
    Transaction& tx, const std::optional<std::string>& from, const std::optional<std::string>& to,
    const std::optional<long long>& model_id, bool with_inputs) {
  // The caller's company reference links an assessment made from typed-in figures to the
  // company whose outcomes later arrive.
  std::string sql =
      std::string("SELECT a.id, a.model_id, COALESCE(a.company_id, c.id), ") +
      (with_inputs ? "a.inputs" : "''") +
      ", a.pd, a.grade, a.recommendation, a.created_at, a.created_by, d.decision, d.is_override, "
      "d.reason_code, d.decided_by FROM assessments a "
      "LEFT JOIN companies c ON a.company_id IS NULL AND c.external_id = a.company_ref "
      "LEFT JOIN decisions d ON d.assessment_id = a.id WHERE 1 = 1";
  // Bound values in a fixed order; absent bounds are replaced by always-true comparisons so
  // that one statement shape serves every combination.
  const std::string lower = from.value_or("");
  const std::string upper = to.value_or("~");  // '~' sorts after every digit
  const long long model = model_id.value_or(-1);
  const int any_model = model_id ? 0 : 1;
  sql +=
      " AND a.created_at >= :f AND a.created_at <= :t AND (a.model_id = :m OR 1 = :any) ORDER BY "
      "a.id";
  try {
    std::vector<MonitoredAssessment> out;
    soci::rowset<soci::row> rows = (detail::sql(tx).prepare << sql, soci::use(lower),
                                    soci::use(upper), soci::use(model), soci::use(any_model));
    for (const auto& row : rows) {
      MonitoredAssessment a;
      a.id = detail::as_int(row, 0);
      a.model_id = detail::as_int(row, 1);
      a.company_id = detail::optional_int(row, 2);
      if (with_inputs) a.inputs_json = row.get<std::string>(3);
      a.pd = row.get<double>(4);
      a.grade = row.get<std::string>(5);
      a.recommendation = row.get<std::string>(6);
      a.created_at = row.get<std::string>(7);
      a.created_by = row.get<std::string>(8);
      a.decision = detail::optional_text(row, 9);
      a.is_override = a.decision && detail::as_int(row, 10) != 0;
      a.reason_code = detail::optional_text(row, 11);
      a.decided_by = detail::optional_text(row, 12);
      out.push_back(std::move(a));
    }
    return out;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading assessments for monitoring");
  }
}

std::vector<CompanyOutcome> MonitoringRepository::outcomes(Transaction& tx) {
  try {
    std::vector<CompanyOutcome> out;
    soci::rowset<soci::row> rows =
        (detail::sql(tx).prepare << "SELECT company_id, defaulted, observed_at FROM outcomes "
                                    "ORDER BY company_id, observed_at, id");
    for (const auto& row : rows) {
      out.push_back({detail::as_int(row, 0), detail::as_int(row, 1) != 0, row.get<std::string>(2)});
    }
    return out;
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "reading outcomes for monitoring");
  }
}

}  // namespace risklab::store
