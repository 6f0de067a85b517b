#include "store/detail/rows.hpp"

namespace risklab::store::detail {

Binder::Binder(const Row& values) {
  ints_.reserve(values.size());
  doubles_.reserve(values.size());
  strings_.reserve(values.size());
  indicators_.reserve(values.size());
  for (const auto& value : values) {
    switch (value.index()) {
      case 0:
        // NULL travels as a string with a null indicator; every backend accepts that.
        order_.emplace_back(0, strings_.size());
        strings_.emplace_back();
        break;
      case 1:
        order_.emplace_back(1, ints_.size());
        ints_.push_back(std::get<long long>(value));
        break;
      case 2:
        order_.emplace_back(2, doubles_.size());
        doubles_.push_back(std::get<double>(value));
        break;
      default:
        order_.emplace_back(3, strings_.size());
        strings_.push_back(std::get<std::string>(value));
        break;
    }
    indicators_.push_back(value.index() == 0 ? soci::i_null : soci::i_ok);
  }
}

void Binder::bind(soci::statement& st) {
  for (std::size_t i = 0; i < order_.size(); ++i) {
    const auto [kind, slot] = order_[i];
    switch (kind) {
      case 1:
        st.exchange(soci::use(ints_[slot], indicators_[i]));
        break;
      case 2:
        st.exchange(soci::use(doubles_[slot], indicators_[i]));
        break;
      default:
        st.exchange(soci::use(strings_[slot], indicators_[i]));
        break;
    }
  }
}

long long as_int(const soci::row& row, std::size_t i) {
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(i);
    case soci::dt_long_long:
      return row.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<long long>(row.get<unsigned long long>(i));
    case soci::dt_double:
      return static_cast<long long>(row.get<double>(i));
    case soci::dt_string:
      return std::stoll(row.get<std::string>(i));
    default:
      throw std::runtime_error("column " + std::to_string(i) + " is not an integer");
  }
}

std::optional<std::string> optional_text(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) != soci::i_ok) return std::nullopt;
  return row.get<std::string>(i);
}

std::optional<long long> optional_int(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) != soci::i_ok) return std::nullopt;
  return as_int(row, i);
}

std::string placeholders(Backend backend, std::size_t count, std::size_t first) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += backend == Backend::sqlite ? std::string("?") : ":p" + std::to_string(first + i);
  }
  return out;
}

namespace {

std::string insert_sql(Backend backend, const std::string& table,
                       const std::vector<Column>& columns, std::size_t row_count) {
  std::string sql = "INSERT INTO " + table + " (";
  for (std::size_t col = 0; col < columns.size(); ++col) {
    sql += (col ? ", " : "") + columns[col].name;
  }
  sql += ") VALUES ";
  std::size_t next = 0;
  for (std::size_t row = 0; row < row_count; ++row) {
    sql += row ? ", (" : "(";
    for (std::size_t col = 0; col < columns.size(); ++col) {
      const std::string slot = placeholders(backend, 1, next++);
      const bool cast = columns[col].json && backend == Backend::postgresql;
      sql += (col ? ", " : "") + (cast ? "CAST(" + slot + " AS JSONB)" : slot);
    }
    sql += ")";
  }
  return sql;
}

}  // namespace

// SQLite has no round trips, so one prepared single-row INSERT runs over column vectors (SOCI
// bulk binding); elsewhere rows are batched into multi-row statements.
void insert_rows_bulk(soci::session& sql, Backend backend, const std::string& table,
                      const std::vector<Column>& columns, const std::vector<Row>& rows) {
  const std::size_t n = rows.size();
  std::vector<std::vector<long long>> ints(columns.size());
  std::vector<std::vector<double>> doubles(columns.size());
  std::vector<std::vector<std::string>> strings(columns.size());
  std::vector<std::vector<soci::indicator>> indicators(columns.size());
  std::vector<std::size_t> kinds(columns.size(), 3);
  soci::statement st(sql);
  for (std::size_t col = 0; col < columns.size(); ++col) {
    for (const auto& row : rows) {
      if (row[col].index() != 0) {
        kinds[col] = row[col].index();
        break;
      }
    }
    indicators[col].resize(n, soci::i_ok);
    if (kinds[col] == 1) ints[col].resize(n);
    if (kinds[col] == 2) doubles[col].resize(n);
    if (kinds[col] == 3) strings[col].resize(n);
    for (std::size_t row = 0; row < n; ++row) {
      const Value& value = rows[row][col];
      if (value.index() == 0) {
        indicators[col][row] = soci::i_null;
      } else if (value.index() != kinds[col]) {
        throw std::logic_error("insert_rows: column " + columns[col].name + " mixes types");
      } else if (kinds[col] == 1) {
        ints[col][row] = std::get<long long>(value);
      } else if (kinds[col] == 2) {
        doubles[col][row] = std::get<double>(value);
      } else {
        strings[col][row] = std::get<std::string>(value);
      }
    }
    if (kinds[col] == 1) st.exchange(soci::use(ints[col], indicators[col]));
    if (kinds[col] == 2) st.exchange(soci::use(doubles[col], indicators[col]));
    if (kinds[col] == 3) st.exchange(soci::use(strings[col], indicators[col]));
  }
  st.alloc();
  st.prepare(insert_sql(backend, table, columns, 1));
  st.define_and_bind();
  st.execute(true);
}

void insert_rows(soci::session& sql, Backend backend, const std::string& table,
                 const std::vector<Column>& columns, const std::vector<Row>& rows,
                 std::size_t rows_per_statement) {
  if (rows.empty()) return;
  if (backend == Backend::sqlite) {
    insert_rows_bulk(sql, backend, table, columns, rows);
    return;
  }
  for (std::size_t start = 0; start < rows.size(); start += rows_per_statement) {
    const std::size_t count = std::min(rows_per_statement, rows.size() - start);
    Row values;
    values.reserve(count * columns.size());
    for (std::size_t row = start; row < start + count; ++row) {
      values.insert(values.end(), rows[row].begin(), rows[row].end());
    }
    Binder binder(values);
    soci::statement st(sql);
    binder.bind(st);
    st.alloc();
    st.prepare(insert_sql(backend, table, columns, count));
    st.define_and_bind();
    st.execute(true);
  }
}

long long insert_returning_id(soci::session& sql, Backend backend, const std::string& table,
                              const std::vector<Column>& columns, const Row& row) {
  Binder binder(row);
  long long id = 0;
  soci::statement st(sql);
  binder.bind(st);
  std::string text = insert_sql(backend, table, columns, 1);
  if (backend == Backend::postgresql) {
    text += " RETURNING id";
    st.exchange(soci::into(id));
  }
  st.alloc();
  st.prepare(text);
  st.define_and_bind();
  st.execute(true);
  if (backend != Backend::postgresql) {
    if (!sql.get_last_insert_id(table, id)) throw std::runtime_error("no id generated for " + table);
  }
  return id;
}

}  // namespace risklab::store::detail
