// The UI's small HTML helpers: safe redirects, URL coding, PD formatting, JSON for attributes.
#include <gtest/gtest.h>

#include "web/ui/html.hpp"

namespace risklab::web::ui {
namespace {

TEST(SafeLocalPath, KeepsPathsOnThisSite) {
  EXPECT_EQ(safe_local_path("/"), "/");
  EXPECT_EQ(safe_local_path("/audit?after_id=50&actor=ana"), "/audit?after_id=50&actor=ana");
  EXPECT_EQ(safe_local_path("/assessments/12"), "/assessments/12");
}

TEST(SafeLocalPath, RefusesEverythingThatCouldLeaveTheSite) {
  for (const char* next : {"", "//evil.com", "///evil.com", "https://evil", "http:/evil",
                           "/\\evil.com", "\\\\evil.com", "javascript:alert(1)", "evil.com",
                           "/a\r\nSet-Cookie: x=1", "/a\tb", " /audit"}) {
    EXPECT_EQ(safe_local_path(next), "/") << next;
  }
  EXPECT_EQ(safe_local_path(std::string(3000, '/').replace(1, 2999, std::string(2999, 'a'))), "/");
}

TEST(UrlCoding, RoundTripsAndDecodesFormsLikeABrowser) {
  const std::string text = "a b&c=d/é?%";
  EXPECT_EQ(url_decode(url_encode(text)), text);
  EXPECT_EQ(url_encode("/score?q=1"), "%2Fscore%3Fq%3D1");
  EXPECT_EQ(url_decode("a+b%2B%zz%4"), "a b+%zz%4");
}

TEST(FormatPd, ReadsAsAPercentage) {
  EXPECT_EQ(format_pd(0.0000001), "< 0.01 %");
  EXPECT_EQ(format_pd(0.0042), "0.42 %");
  EXPECT_EQ(format_pd(0.123), "12.3 %");
}

TEST(ScriptSafeJson, CannotCloseAScriptOrStartATag) {
  EXPECT_EQ(script_safe_json(R"({"a":"</script><b>&"})"),
            R"({"a":"\u003c/script\u003e\u003cb\u003e\u0026"})");
}

}  // namespace
}  // namespace risklab::web::ui
