// The stored form of a scoring's inputs: one value per model feature in model order, numbers that
// read back as the same doubles; rows stored earlier as {"name": value} objects still read.
#include "service/stored_inputs.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace risklab::service {
namespace {

const std::vector<std::string> kFeatures{"Debt ratio %", "ROA(C)", "Quick \"Ratio\"",
                                         "Cash/Assets"};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(StoredInputsTest, EncodesOneShortestNumberOrNullPerFeatureInModelOrder) {
  EXPECT_EQ(encode_stored_inputs({1.0, 1e-7, kNaN, -0.1}), "[1.0,1e-07,null,-0.1]");
  EXPECT_EQ(encode_stored_inputs({}), "[]");
}

TEST(StoredInputsTest, EncodedValuesReadBackAsTheSameDoubles) {
  const std::vector<double> raw{0.0012376614285859, 5.47e9, kNaN,
                                std::numeric_limits<double>::denorm_min()};
  StoredInputsReader reader(kFeatures);
  std::vector<double> row;
  reader.read(encode_stored_inputs(raw), row);
  ASSERT_EQ(row.size(), raw.size());
  EXPECT_EQ(row[0], raw[0]);
  EXPECT_EQ(row[1], raw[1]);
  EXPECT_TRUE(std::isnan(row[2]));
  EXPECT_EQ(row[3], raw[3]);
}

TEST(StoredInputsTest, TheRequestsOwnNumberTextIsKeptAndOtherValuesArePrinted) {
  // As a request wrote them: trailing zeros, an exponent; no text for the second value, and a
  // text beside a missing value is not used.
  const std::vector<double> raw{0.25, 1e-7, kNaN, 1234.5};
  const std::vector<std::string_view> texts{"0.2500", "", "0.5", "1.2345E+3"};
  EXPECT_EQ(encode_stored_inputs(raw, texts), "[0.2500,1e-07,null,1.2345E+3]");
  StoredInputsReader reader(kFeatures);
  std::vector<double> row;
  reader.read(encode_stored_inputs(raw, texts), row);
  ASSERT_EQ(row.size(), raw.size());
  EXPECT_EQ(row[0], raw[0]);
  EXPECT_EQ(row[1], raw[1]);
  EXPECT_TRUE(std::isnan(row[2]));
  EXPECT_EQ(row[3], raw[3]);
}

TEST(StoredInputsTest, ObjectsStoredByNameReadIntoModelPositionsSkippingOtherNames) {
  StoredInputsReader reader(kFeatures);
  std::vector<double> row;
  reader.read(R"j({"Cash/Assets":4.0,"Debt ratio %":1.5,"not a feature":9,"ROA(C)":null})j", row);
  ASSERT_EQ(row.size(), 4U);
  EXPECT_EQ(row[0], 1.5);
  EXPECT_TRUE(std::isnan(row[1])) << "null is missing";
  EXPECT_TRUE(std::isnan(row[2])) << "absent is missing";
  EXPECT_EQ(row[3], 4.0);
}

TEST(StoredInputsTest, AnArrayOfAnotherLengthOrTextThatIsNotJsonIsRefusedByName) {
  StoredInputsReader reader(kFeatures);
  std::vector<double> row;
  for (const std::string bad : {"[1.0,2.0,3.0]", "[1.0,2.0,3.0,4.0,5.0]", "[1.0,", "nonsense"}) {
    try {
      reader.read(bad, row);
      ADD_FAILURE() << bad << " was read";
    } catch (const core::InvalidInput& error) {
      EXPECT_EQ(error.code(), "bad_inputs") << bad;
    }
  }
  reader.read("[1.0,2.0,3.0,4.0]", row);  // the reader is still usable after a refusal
  EXPECT_EQ(row[3], 4.0);
}

TEST(StoredInputsTest, TheObjectPeopleSeeNamesEveryFeature) {
  const auto object = stored_inputs_object("[1.0,null,2.5,-3.0]", kFeatures);
  ASSERT_EQ(object.size(), 4U);
  EXPECT_TRUE(object["Debt ratio %"].is_number_float());
  EXPECT_EQ(object["Debt ratio %"].get<double>(), 1.0);
  EXPECT_TRUE(object["ROA(C)"].is_null());
  EXPECT_EQ(object["Quick \"Ratio\""].get<double>(), 2.5);
  EXPECT_EQ(object["Cash/Assets"].get<double>(), -3.0);
}

}  // namespace
}  // namespace risklab::service
