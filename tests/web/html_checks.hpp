#pragma once

// Checks on served HTML shared by the UI and web security tests.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace risklab::test {

// Every <script> loads a file, no tag carries an inline event handler or a javascript: URL.
inline void expect_no_inline_script(const std::string& body, const std::string& what) {
  std::size_t pos = 0;
  while ((pos = body.find('<', pos)) != std::string::npos) {
    const auto end = body.find('>', pos);
    ASSERT_NE(end, std::string::npos) << what;
    const auto tag = body.substr(pos, end - pos + 1);
    if (tag.rfind("<script", 0) == 0) {
      EXPECT_NE(tag.find(" src=\"/static/"), std::string::npos) << what << ": " << tag;
      EXPECT_EQ(body.substr(end + 1, 9), "</script>") << what << ": a script with a body";
    }
    char quote = 0;
    for (std::size_t at = 0; at + 3 < tag.size(); ++at) {
      if (quote) {
        if (tag[at] == quote) quote = 0;
        continue;
      }
      if (tag[at] == '"' || tag[at] == '\'') {
        quote = tag[at];
        continue;
      }
      if (tag.compare(at, 3, " on") != 0) continue;
      std::size_t i = at + 3;
      while (i < tag.size() && std::isalpha(static_cast<unsigned char>(tag[i]))) ++i;
      EXPECT_FALSE(i > at + 3 && i < tag.size() && tag[i] == '=') << what << ": " << tag;
    }
    EXPECT_EQ(tag.find("javascript:"), std::string::npos) << what << ": " << tag;
    pos = end;
  }
}

}  // namespace risklab::test
