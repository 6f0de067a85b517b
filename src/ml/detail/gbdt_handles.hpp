#pragma once

// RAII owners of libxgboost C API handles; only src/ml/gbdt*.cpp include this (it pulls in
// <xgboost/c_api.h>, which no public header does).

#include <xgboost/c_api.h>

#include <cstddef>
#include <string>
#include <vector>

namespace risklab::ml::detail {

/// Throws std::runtime_error("xgboost: <what>: <XGBGetLastError()>") when `status` != 0.
void xgb_check(int status, const char* what);

/// An owned DMatrixHandle.
class DMatrix {
 public:
  /// A dense matrix of `n_rows` row-major rows of `n_cols` floats; NaN is missing.
  DMatrix(const float* rows, std::size_t n_rows, std::size_t n_cols);
  ~DMatrix();
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  /// Sets the 0/1 labels (n_rows values).
  void set_labels(const std::vector<float>& y);
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

/// An owned BoosterHandle.
class Booster {
 public:
  /// A booster with the given training matrices cached (none for loading a saved model).
  explicit Booster(const std::vector<DMatrixHandle>& cache = {});
  ~Booster();
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  void set_param(const std::string& name, const std::string& value);
  BoosterHandle get() const { return handle_; }

 private:
  BoosterHandle handle_ = nullptr;
};

}  // namespace risklab::ml::detail
