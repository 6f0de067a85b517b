#include "store/assessment_repository.hpp"

#include "store/database.hpp"
#include "store/detail/rows.hpp"
#include "store/detail/session.hpp"

namespace risklab::store {
long long AssessmentRepository::insert(Transaction& tx, const AssessmentRecord& a) {
  return insert_all(tx, {a}).front();
}

std::vector<long long> AssessmentRepository::insert_all(Transaction& tx,
                                                        const std::vector<AssessmentRecord>& all) {
  std::vector<long long> ids;
  if (all.empty()) return ids;
  ids.reserve(all.size());
  const Backend backend = tx.database().backend();
  auto& sql = detail::sql(tx);
  try {
    // One prepared statement, bound once to these variables and executed per row: a batch of
    // scorings pays one SQL parse instead of one per row.
    AssessmentRecord row;
    long long company_id = 0;
    long long statement_id = 0;
    std::string company_ref;
    soci::indicator company_id_ind = soci::i_null;
    soci::indicator company_ref_ind = soci::i_null;
    soci::indicator statement_id_ind = soci::i_null;
    long long id = 0;
    const auto slot = [backend](std::size_t i, bool json = false) {
      const std::string p = detail::placeholders(backend, 1, i);
      return json && backend == Backend::postgresql ? "CAST(" + p + " AS JSONB)" : p;
    };
    std::string text =
        "INSERT INTO assessments (model_id, company_id, company_ref, statement_id, inputs, pd, "
        "grade, recommendation, drivers, out_of_range, created_at, created_by) VALUES (" +
        slot(0) + ", " + slot(1) + ", " + slot(2) + ", " + slot(3) + ", " + slot(4, true) + ", " +
        slot(5) + ", " + slot(6) + ", " + slot(7) + ", " + slot(8, true) + ", " + slot(9, true) +
        ", " + slot(10) + ", " + slot(11) + ")";
    soci::statement st(sql);
    st.exchange(soci::use(row.model_id));
    st.exchange(soci::use(company_id, company_id_ind));
    st.exchange(soci::use(company_ref, company_ref_ind));
    st.exchange(soci::use(statement_id, statement_id_ind));
    st.exchange(soci::use(row.inputs_json));
    st.exchange(soci::use(row.pd));
    st.exchange(soci::use(row.grade));
    st.exchange(soci::use(row.recommendation));
    st.exchange(soci::use(row.drivers_json));
    st.exchange(soci::use(row.out_of_range_json));
    st.exchange(soci::use(row.created_at));
    st.exchange(soci::use(row.created_by));
    if (backend == Backend::postgresql) {
      text += " RETURNING id";
      st.exchange(soci::into(id));
    }
    // On SQLite the JSON columns' CHECK (json_valid(...)) parsed again the text our own encoders
    // had just written (stored inputs, nlohmann's dump): ~3.6 us of the single writer's time per
    // 1.7 KB row, ~4 % of a stored scoring's CPU. The flag is read when a statement is compiled,
    // and changing it expires the connection's statements (they would recompile with it), so
    // it stays on until the last row is written.
    struct IgnoreChecks {
      soci::session& session;
      bool on;
      ~IgnoreChecks() {
        if (!on) return;
        try {
          session << "PRAGMA ignore_check_constraints = OFF";
        } catch (const soci::soci_error&) {  // the connection is failing anyway
        }
      }
    } ignore_checks{sql, backend == Backend::sqlite};
    if (ignore_checks.on) sql << "PRAGMA ignore_check_constraints = ON";
    st.alloc();
    st.prepare(text);
    st.define_and_bind();
    for (const auto& a : all) {
      row = a;
      company_id = a.company_id.value_or(0);
      company_id_ind = a.company_id ? soci::i_ok : soci::i_null;
      company_ref = a.company_ref.value_or(std::string());
      company_ref_ind = a.company_ref ? soci::i_ok : soci::i_null;
      statement_id = a.statement_id.value_or(0);
      statement_id_ind = a.statement_id ? soci::i_ok : soci::i_null;
      st.execute(true);
      if (backend != Backend::postgresql && !sql.get_last_insert_id("assessments", id)) {
        throw std::runtime_error("no id generated for an assessment");
      }
      ids.push_back(id);
    }
  } catch (const soci::soci_error& error) {
    detail::rethrow(error, tx.database(), "storing an assessment");
  }
  return ids;
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
