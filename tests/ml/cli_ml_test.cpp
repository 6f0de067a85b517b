// `risklab ml ...` end to end through the real binary (tests/support/run.hpp).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace risklab::ml {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Splits a command line on spaces (test paths have none).
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

class MlCliTest : public ::testing::Test {
 protected:
  risklab::test::RunResult ml(const std::string& args) {
    auto argv = words(args);
    argv.insert(argv.begin(), "ml");
    return risklab::test::run_risklab(argv);
  }

  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  // A small labelled CSV (3 features, 10 % missing x1) quick to train on under sanitizers.
  std::string write_training_csv(const std::string& name, std::size_t rows, std::uint64_t seed) {
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

}  // namespace

TEST_F(MlCliTest, SplitIsStratifiedAndReproducible) {
  const std::string data = write_training_csv("all.csv", 500, 1);
  ASSERT_EQ(ml("split --data " + data + " --label default --test 0.2 --seed 42 --train-out " + path("a_train.csv") +
               " --test-out " + path("a_test.csv"))
                .exit_code,
            0);
  ASSERT_EQ(ml("split --data " + data + " --label default --test 0.2 --seed 42 --train-out " + path("b_train.csv") +
               " --test-out " + path("b_test.csv"))
                .exit_code,
            0);
  EXPECT_EQ(slurp(path("a_test.csv")), slurp(path("b_test.csv")));
  const Dataset all = read_csv(data, {"default", "company", {}});
  const Dataset test = read_csv(path("a_test.csv"), {"default", "company", {}});
  const Dataset train = read_csv(path("a_train.csv"), {"default", "company", {}});
  EXPECT_EQ(test.n_rows + train.n_rows, all.n_rows);
  const auto positives = [](const Dataset& d) { return std::count(d.y.begin(), d.y.end(), 1); };
  EXPECT_NEAR(static_cast<double>(positives(test)), 0.2 * static_cast<double>(positives(all)), 1.0);
}

TEST_F(MlCliTest, TrainPredictEvalRoundTripAndThreadCountNeverChangesTheModel) {
  const std::string train = write_training_csv("train.csv", 400, 2);
  const std::string test = write_training_csv("test.csv", 150, 3);
  const std::string common = " --data " + train + " --label default --id company --trees 20 --seed 7";
  ASSERT_EQ(ml("train" + common + " --threads 1 --out " + path("one.rlm")).exit_code, 0);
  const risklab::test::RunResult two = ml("train" + common + " --threads 2 --out " + path("two.rlm"));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.out.find("trained 20 trees"), std::string::npos);
  EXPECT_EQ(slurp(path("one.rlm")), slurp(path("two.rlm")));

  const risklab::test::RunResult predicted = ml("predict --model " + path("one.rlm") + " --data " + test + " --id company --explain 2");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  std::istringstream lines(predicted.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "id,pd,grade,driver_1,contribution_1,driver_2,contribution_2");
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("c0,", 0), 0U) << line;
  std::size_t rows = 1;
  while (std::getline(lines, line)) ++rows;
  EXPECT_EQ(rows, 150U);

  const risklab::test::RunResult evaluated = ml("eval --model " + path("one.rlm") + " --data " + test + " --label default --compare " +
                           path("two.rlm"));
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const auto metrics = nlohmann::json::parse(evaluated.out);
  EXPECT_GT(metrics["auc"].get<double>(), 0.7);
  EXPECT_LT(metrics["ece"].get<double>(), 0.2);
  EXPECT_EQ(metrics["rows"].get<int>(), 150);
  EXPECT_FALSE(metrics["grades"].empty());
  EXPECT_TRUE(metrics.contains("hosmer_lemeshow"));
  EXPECT_TRUE(metrics["psi_features"].contains("x1"));
  EXPECT_DOUBLE_EQ(metrics["compare"]["delong_p"].get<double>(), 1.0);  // identical models
}

TEST_F(MlCliTest, ScoringAFileWithoutAModelFeatureNamesItAndExits2) {
  const std::string train = write_training_csv("train.csv", 200, 4);
  ASSERT_EQ(ml("train --data " + train + " --label default --id company --trees 5 --out " + path("m.rlm")).exit_code, 0);
  const std::string lacking = dir_.write("lacking.csv", "company,x0,x2\nc1,0.5,0.1\n");
  const risklab::test::RunResult run = ml("predict --model " + path("m.rlm") + " --data " + lacking);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("feature 'x1' is missing"), std::string::npos) << run.err;
}

TEST_F(MlCliTest, BadInputsExit2WithAClearMessage) {
  const std::string train = write_training_csv("train.csv", 200, 5);
  const std::string not_a_model = dir_.write("bad.rlm", "Bankrupt?,a\n1,2\n");
  risklab::test::RunResult run = ml("predict --model " + not_a_model + " --data " + train);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("not a RiskLab model"), std::string::npos) << run.err;
  run = ml("train --data " + train + " --label default --calibration beta --out " + path("x.rlm"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("calibration"), std::string::npos);
  run = ml("train --data " + train + " --label missing_label --out " + path("x.rlm"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("missing_label"), std::string::npos);
  const std::string scale = dir_.write("scale.json", R"({"grades": [{"grade": "A", "lower_pd": 0.001, "upper_pd": 0.5},
    {"grade": "B", "lower_pd": 0.4, "upper_pd": 1.0}], "default_grade": "D"})");
  run = ml("train --data " + train + " --label default --id company --master-scale " + scale + " --out " + path("x.rlm"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("gap or overlap"), std::string::npos) << run.err;
  run = ml("split --data " + train + " --label default --test 1.5");
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace risklab::ml
