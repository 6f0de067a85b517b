#pragma once

// Store internals: multi-row INSERT and IN-list SELECT with every value bound, never spliced
// into the SQL text. Batching rows into one statement is what makes imports fast on
// MySQL/PostgreSQL, where each statement is a network round trip.

#include <soci/soci.h>

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/database.hpp"

namespace risklab::store::detail {

/// A value to bind: NULL, an integer, a double or a string.
using Value = std::variant<std::monostate, long long, double, std::string>;
using Row = std::vector<Value>;

/// A column of an INSERT. `json` columns are cast to JSONB on PostgreSQL.
struct Column {
  std::string name;
  bool json = false;
};

/// Inserts `rows` into `table`, `rows_per_statement` rows per statement.
void insert_rows(soci::session& sql, Backend backend, const std::string& table,
                 const std::vector<Column>& columns, const std::vector<Row>& rows,
                 std::size_t rows_per_statement = 200);

/// Inserts one row and returns its generated `id`.
long long insert_returning_id(soci::session& sql, Backend backend, const std::string& table,
                              const std::vector<Column>& columns, const Row& row);

/// Binds `values` in order to a statement with as many placeholders, e.g. an IN list built
/// with placeholders(n); used by repositories for dynamic-arity queries.
class Binder {
 public:
  explicit Binder(const Row& values);
  /// Adds `use` exchanges for every value to `st` (before st.prepare()).
  void bind(soci::statement& st);

 private:
  std::vector<long long> ints_;
  std::vector<double> doubles_;
  std::vector<std::string> strings_;
  std::vector<soci::indicator> indicators_;
  std::vector<std::pair<int, std::size_t>> order_;  // (variant index, slot)
};

/// Column `i` of `row` as an integer, whatever integer or numeric type the backend reports.
long long as_int(const soci::row& row, std::size_t i);

/// Nullable column `i` of `row`: nullopt for NULL.
std::optional<std::string> optional_text(const soci::row& row, std::size_t i);
std::optional<long long> optional_int(const soci::row& row, std::size_t i);

/// A bound value that is NULL when `value` is empty.
template <class T>
Value or_null(const std::optional<T>& value) {
  if (value) return *value;
  return std::monostate{};
}

/// `count` placeholders for an IN list or VALUES row: ":p0, :p1, ..." (SOCI rewrites them per
/// backend), except on SQLite, whose parser looks named parameters up linearly and so gets
/// anonymous "?" placeholders (bound by position all the same).
std::string placeholders(Backend backend, std::size_t count, std::size_t first = 0);

}  // namespace risklab::store::detail
