#include "support/model_fixture.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ml/artifact.hpp"
#include "ml/dataset.hpp"
#include "ml/model.hpp"
#include "support/temp_dir.hpp"

namespace risklab::test {

std::string reference_model_path() {
  const std::filesystem::path dir = std::filesystem::path(RISKLAB_DEFAULT_BINARY).parent_path() / "test-fixtures";
  const auto path = dir / "reference-40-trees.rlm";
  if (std::filesystem::exists(path)) return path.string();
  std::filesystem::create_directories(dir);
  ml::CsvColumns columns;
  columns.label = "Bankrupt?";
  const auto data = ml::read_csv(shared_data("taiwan_bankruptcy.csv"), columns);
  ml::TrainParams params;
  params.n_trees = 40;
  const auto model = ml::train_model(data, params);
  // Written under a unique name and renamed, so parallel test processes never see half a file.
  const auto tmp = dir / ("reference-" + std::to_string(getpid()) + ".tmp");
  ml::save_model(model, tmp.string());
  std::filesystem::rename(tmp, path);
  return path.string();
}

std::string reference_head_csv(const std::string& dir, std::size_t rows) {
  std::ifstream in(shared_data("taiwan_bankruptcy.csv"));
  const auto path = std::filesystem::path(dir) / "reference_head.csv";
  std::ofstream out(path);
  std::string line;
  for (std::size_t i = 0; i <= rows && std::getline(in, line); ++i) out << line << '\n';
  return path.string();
}

}  // namespace risklab::test
