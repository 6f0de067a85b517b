#include "ml/split.hpp"

#include <algorithm>
#include <cmath>

#include <fstream>

#include "core/csv_reader.hpp"
#include "core/error.hpp"
#include "ml/rng.hpp"

namespace risklab::ml {

SplitIndices stratified_split(const std::vector<std::uint8_t>& y, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    throw core::InvalidInput("param_invalid", "test fraction must be between 0 and 1 (exclusive)");
  }
  if (y.empty()) throw core::InvalidInput("data_invalid", "nothing to split: no rows");
  Rng rng(derive_seed(seed, kSplitStream));
  SplitIndices out;
  for (std::uint8_t label : {std::uint8_t{0}, std::uint8_t{1}}) {
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (y[i] == label) rows.push_back(i);
    }
    // Fisher-Yates with our Rng, so the split is the same on every platform.
    for (std::size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[rng.uniform_below(i)]);
    auto n_test = static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(rows.size())));
    if (rows.size() >= 2) n_test = std::clamp<std::size_t>(n_test, 1, rows.size() - 1);
    out.test.insert(out.test.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n_test));
    out.train.insert(out.train.end(), rows.begin() + static_cast<std::ptrdiff_t>(n_test), rows.end());
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.test.begin(), out.test.end());
  return out;
}


SplitReport split_csv(const std::string& data, const std::string& label, double test_fraction, std::uint64_t seed,
                      const std::string& train_out, const std::string& test_out) {
  core::CsvReader reader(data);
  core::CsvRecord header;
  if (!reader.next(header)) throw core::InvalidInput("data_empty", data + ": the file is empty");
  std::size_t label_col = header.fields.size();
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    if (core::trim(header.fields[i]) == label) label_col = i;
  }
  if (label_col == header.fields.size()) {
    throw core::InvalidInput("feature_missing", "label '" + label + "' is missing from " + data);
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::uint8_t> y;
  core::CsvRecord record;
  while (reader.next(record)) {
    const std::string where = data + ":" + std::to_string(record.line) + ": ";
    if (record.fields.size() != header.fields.size()) {
      throw core::InvalidInput("csv_malformed", where + "expected " + std::to_string(header.fields.size()) +
                                                    " fields, got " + std::to_string(record.fields.size()));
    }
    const core::Cell cell = core::parse_numeric_cell(record.fields[label_col]);
    if (cell.kind != core::CellKind::number || (cell.value != 0.0 && cell.value != 1.0)) {
      throw core::InvalidInput("label_invalid", where + "label '" + label + "' must be 0 or 1, got '" +
                                                    record.fields[label_col] + "'");
    }
    y.push_back(cell.value == 1.0 ? 1 : 0);
    rows.push_back(std::move(record.fields));
  }
  if (rows.empty()) throw core::InvalidInput("data_empty", data + ": no data rows");
  const SplitIndices parts = stratified_split(y, test_fraction, seed);
  const auto write = [&](const std::string& path, const std::vector<std::size_t>& indices) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const auto line = [&out](const std::vector<std::string>& fields) {
      for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << core::csv_field(fields[i]);
      out << '\n';
    };
    line(header.fields);
    for (std::size_t i : indices) line(rows[i]);
    out.close();
    if (!out) throw core::InvalidInput("file_unwritable", "cannot write " + path);
  };
  write(train_out, parts.train);
  write(test_out, parts.test);
  SplitReport report{parts.train.size(), parts.test.size(), 0};
  for (std::size_t i : parts.test) report.test_defaults += y[i];
  return report;
}

}  // namespace risklab::ml
