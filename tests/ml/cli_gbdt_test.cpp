// `risklab ml train --family gbdt` and eval/predict on its model, through the real binary.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace risklab::ml {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class GbdtCliTest : public ::testing::Test {
 protected:
  risklab::test::RunResult ml(const std::string& args) {
    std::vector<std::string> argv{"ml"};
    std::istringstream in(args);
    for (std::string word; in >> word;) argv.push_back(word);
    return risklab::test::run_risklab(argv);
  }

  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  std::string write_csv(const std::string& name, std::size_t rows, std::uint64_t seed) {
    const Dataset data = test::synthetic_dataset(rows, seed, 0.1);
    std::ostringstream csv;
    csv << "company,default,x0,x1,x2\n";
    for (std::size_t row = 0; row < rows; ++row) {
      csv << "c" << row << ',' << int(data.y[row]);
      for (std::size_t col = 0; col < 3; ++col) {
        csv << ',';
        if (!std::isnan(data.at(row, col))) csv << data.at(row, col);
      }
      csv << '\n';
    }
    return dir_.write(name, csv.str());
  }

  risklab::test::TempDir dir_;
};

TEST_F(GbdtCliTest, TrainEvalPredictWithFamilyGbdt) {
  const std::string train = write_csv("train.csv", 500, 2);
  const std::string test = write_csv("test.csv", 150, 3);
  const std::string common = " --family gbdt --data " + train +
                             " --label default --id company --trees 30 --learning-rate 0.2 --max-depth 3"
                             " --calibration-folds 3 --monotone x0:+1 --seed 7";
  const auto one = ml("train" + common + " --threads 1 --out " + path("one.rlm"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("trained 30 gbdt trees"), std::string::npos) << one.out;
  ASSERT_EQ(ml("train" + common + " --threads 2 --out " + path("two.rlm")).exit_code, 0);
  EXPECT_EQ(slurp(path("one.rlm")), slurp(path("two.rlm")));

  const auto predicted = ml("predict --model " + path("one.rlm") + " --data " + test + " --id company --explain 2");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  EXPECT_EQ(predicted.out.rfind("id,pd,grade,driver_1,contribution_1,driver_2,contribution_2\nc0,", 0), 0U);

  const auto evaluated = ml("eval --model " + path("one.rlm") + " --data " + test + " --label default");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const auto metrics = nlohmann::json::parse(evaluated.out);
  EXPECT_GT(metrics["auc"].get<double>(), 0.75);
}

TEST_F(GbdtCliTest, BadFamilyOrMonotoneFeatureExits2) {
  const std::string train = write_csv("train.csv", 200, 4);
  const auto family = ml("train --family boost --data " + train + " --label default --out " + path("m.rlm"));
  EXPECT_EQ(family.exit_code, 2);
  EXPECT_NE(family.err.find("family"), std::string::npos) << family.err;
  const auto monotone = ml("train --family gbdt --monotone nope:+1 --data " + train + " --label default --id company --out " +
                           path("m.rlm"));
  EXPECT_EQ(monotone.exit_code, 2);
  EXPECT_NE(monotone.err.find("nope"), std::string::npos) << monotone.err;
}

}  // namespace
}  // namespace risklab::ml
