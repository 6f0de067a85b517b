#include "web/error_mapping.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "web/detail/score_body.hpp"

namespace risklab::web {
namespace {

TEST(ErrorMapping, InvalidInputIsA422WithCodeAndMessage) {
  const auto mapped = map_error(core::InvalidInput("bad_json", "not JSON"), "r-1");
  EXPECT_EQ(mapped.status, 422);
  const auto body = nlohmann::json::parse(mapped.body);
  EXPECT_EQ(body["error"]["code"], "bad_json");
  EXPECT_EQ(body["error"]["message"], "not JSON");
  EXPECT_EQ(body["error"]["request_id"], "r-1");
}

// Found by fuzz/json_bodies: the parse error of a body with a byte that is not UTF-8 quotes
// that byte, and dumping it as JSON threw, so the client got a 500 instead of a 422.
TEST(ErrorMapping, MessagesThatAreNotUtf8StillGiveAJsonBody) {
  try {
    detail::read_score_body("{\"fea\xf3tures\":{}}");
    FAIL() << "accepted";
  } catch (const core::InvalidInput& error) {
    const auto mapped = map_error(error, "r-2");
    EXPECT_EQ(mapped.status, 422);
    EXPECT_EQ(nlohmann::json::parse(mapped.body)["error"]["code"], "bad_json");
  }
  const auto mapped = map_error(core::InvalidInput("bad_id", "id '\xff' is bad"), "");
  EXPECT_EQ(nlohmann::json::parse(mapped.body)["error"]["message"], "id '\xEF\xBF\xBD' is bad");
}

}  // namespace
}  // namespace risklab::web
