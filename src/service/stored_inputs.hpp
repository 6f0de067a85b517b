#pragma once

// How a scoring's inputs are kept in `assessments.inputs` (docs/adr/0009-compact-stored-inputs.md):
// a JSON array holding one number (or null: missing) per model feature, in the model's feature
// order. The names are stored once, with the model (`models.features` of the assessment's
// `model_id`), not in every row: they were ~60 % of each row's bytes, and every byte is
// written twice (WAL, then checkpoint). Rows stored before that change hold an object
// {"name": value, ...}; every reader accepts both forms.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace risklab::service {

/// The stored form of `raw` (model feature order; NaN = missing): `[0.25,null,1.0,...]`. Numbers
/// always read back as the same double, as floating point ("1.0", not "1"): `texts[i]`, when
/// given and not empty, is raw[i] as the request wrote it (a JSON floating-point literal that
/// was parsed into raw[i]) and is kept as it is; other values are printed, shortest first.
std::string encode_stored_inputs(const std::vector<double>& raw,
                                 const std::vector<std::string_view>& texts = {});

/// Reads stored inputs into rows by model feature position, without building a document
/// (simdjson on-demand). One reader per thread; reuse it for many rows.
class StoredInputsReader {
 public:
  /// `features`: the model's features, in model order; must outlive the reader.
  explicit StoredInputsReader(const std::vector<std::string>& features);
  ~StoredInputsReader();
  StoredInputsReader(const StoredInputsReader&) = delete;
  StoredInputsReader& operator=(const StoredInputsReader&) = delete;

  /// Fills `row` (resized to the feature count) from `stored`: an array (one entry per feature,
  /// else InvalidInput "bad_inputs") or an object by name (names that are not features are
  /// skipped). Entries that are not numbers, and features absent from an object, are NaN.
  void read(std::string_view stored, std::vector<double>& row);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Stored inputs as people see them (the API's `inputs`): {"name": value or null} for every
/// model feature. `features`: the features of the assessment's model, in model order.
nlohmann::json stored_inputs_object(std::string_view stored,
                                    const std::vector<std::string>& features);

}  // namespace risklab::service
