#pragma once

#include <string>

namespace risklab::test {

/// A small random-forest artifact (40 trees) trained on the reference data, built once and
/// cached in the build directory so that every test process can register it.
std::string reference_model_path();

/// The first `rows` data rows of the reference file (with its header), written to `dir`.
std::string reference_head_csv(const std::string& dir, std::size_t rows);

}  // namespace risklab::test
