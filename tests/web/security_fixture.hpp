#pragma once

// A served RiskLab (API + UI, every optional service configured) with one user per role and a
// little of everything to point requests at: statements of companies with hostile names, an
// assessment, the champion model (approved, so it has a card), a snapshot, a queued training
// job and another user's API token. Shared by the authorization matrix and the web security
// tests.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "lake/lake.hpp"
#include "service/audit_service.hpp"
#include "service/auth_service.hpp"
#include "service/champion.hpp"
#include "service/decision_service.hpp"
#include "service/import_service.hpp"
#include "service/monitoring_service.hpp"
#include "service/outcome_service.hpp"
#include "service/registry_service.hpp"
#include "service/scoring_service.hpp"
#include "service/snapshot_service.hpp"
#include "service/training_service.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/registry_fixture.hpp"
#include "support/temp_dir.hpp"
#include "web/server.hpp"
#include "web_stack.hpp"

namespace risklab::web::test_security {

inline const core::Actor kSetup{
    0, "test-setup", {core::Role::admin, core::Role::analyst, core::Role::risk_officer}};

/// The company name of statement 1: markup that must come out escaped wherever it is shown.
inline const std::string kHostileName =
    "<script>alert('name')</script>\"><img src=x onerror=alert(1)>";

/// One user per role of SPEC section 6 (user name -> role).
inline const std::vector<std::pair<std::string, core::Role>> kRoleUsers = {
    {"vic", core::Role::viewer},        {"ana", core::Role::analyst},
    {"dora", core::Role::data_steward}, {"max", core::Role::model_developer},
    {"rita", core::Role::risk_officer}, {"adam", core::Role::admin}};

inline std::string password_of(const std::string& user) { return user + "-password-1"; }

/// The value of the hidden form field `name` in a page, "" if it has none.
inline std::string hidden_value(const std::string& body, const std::string& name) {
  const auto at = body.find("name=\"" + name + "\" value=\"");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 15;
  return body.substr(start, body.find('"', start) - start);
}

class SecureServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test::WebStackOptions options;
    options.optional_services = true;
    web_ = std::make_unique<test::WebStack>(GetParam(), dir_.path(), options);

    for (const auto& [name, role] : kRoleUsers) {
      web_->auth->create_user(kSetup, name, "", password_of(name), std::string(core::role_name(role)));
    }
    // A user name with '_' (allowed by AuthService) that other users' requests aim at.
    web_->auth->create_user(kSetup, kVictim, "", password_of(kVictim), "viewer");
    victim_token_ = web_->auth->create_token(kSetup, kVictim, "victim's integration").id;

    const auto model = web_->registry->register_artifact(kSetup, test::reference_model_path());
    model_id_ = test::approve_and_promote(*web_->registry, model.id).id;
    web_->champion->refresh();
    import_statements();
    assessment_id_ = web_->scoring->score(kSetup, statement_input(1)).assessment_id;
    snapshot_id_ = web_->snapshots->create(kSetup, {std::nullopt, "security fixture"}).snapshot.id;
    service::TrainingRequest request;
    request.snapshot_id = snapshot_id_;
    request.parameters = {{"trees", 5}, {"seed", 3}, {"test_fraction", 0.5}};
    job_id_ = web_->training->submit(kSetup, request).id;
  }

  httplib::Client client() { return web_->client(); }

  /// A signed-in browser or API client: the session cookie ("risklab_session=…") and its CSRF
  /// token.
  struct Session {
    std::string cookie;
    std::string csrf;
  };

  /// Signs in through POST /api/v1/session (the same cookie the pages use).
  Session sign_in(const std::string& user) {
    const auto res =
        client().Post("/api/v1/session",
                      nlohmann::json{{"username", user}, {"password", password_of(user)}}.dump(),
                      "application/json");
    EXPECT_TRUE(res && res->status == 200) << user << ": " << (res ? res->body : "no answer");
    const auto cookie = res->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')),
            nlohmann::json::parse(res->body)["csrf_token"].get<std::string>()};
  }

  /// A fresh API token of `user`.
  std::string token_of(const std::string& user) {
    return web_->auth->create_token(kSetup, user, "security test").secret;
  }

  /// Every Set-Cookie value of a response.
  static std::vector<std::string> set_cookies(const httplib::Result& res) {
    std::vector<std::string> out;
    for (const auto& [name, value] : res->headers) {
      if (name == "Set-Cookie") out.push_back(value);
    }
    return out;
  }

  /// The route template with its parameters replaced by ids of the fixture's rows.
  std::string concrete(const std::string& method, const std::string& path) const {
    std::string out = path;
    auto replace = [&out](const std::string& name, const std::string& value) {
      if (const auto at = out.find(name); at != std::string::npos)
        out.replace(at, name.size(), value);
    };
    std::string id = std::to_string(model_id_);
    if (path.find("/assessments/") != std::string::npos) id = std::to_string(assessment_id_);
    if (path.find("/training-jobs/") != std::string::npos) id = std::to_string(job_id_);
    if (path.find("/training/jobs/") != std::string::npos) id = std::to_string(job_id_);
    if (path.find("/tokens/") != std::string::npos) id = std::to_string(victim_token_);
    (void)method;
    replace("{id}", id);
    replace("{username}", kVictim);
    replace("{snapshot_id}", snapshot_id_);
    return out;
  }

  static constexpr const char* kVictim = "vic_tim";

  test::TempDir dir_;
  std::unique_ptr<test::WebStack> web_;
  long long model_id_ = 0;
  long long assessment_id_ = 0;
  long long job_id_ = 0;
  long long victim_token_ = 0;
  std::string snapshot_id_;

 private:
  // 20 labelled statements of companies acme-1 … acme-20; acme-1 has kHostileName.
  void import_statements() {
    std::ifstream in(test::reference_head_csv(dir_.path().string(), 20));
    std::ofstream out(dir_.path() / "portfolio.csv");
    std::string line;
    for (int row = 0; std::getline(in, line); ++row) {
      if (row == 0) {
        out << "company_id,company_name," << line << '\n';
        continue;
      }
      std::string name = row == 1 ? kHostileName : "Acme " + std::to_string(row);
      // CSV quoting: the hostile name has quotes of its own.
      std::string quoted = "\"";
      for (const char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      out << "acme-" << row << ',' << quoted << "\"," << line << '\n';
    }
    out.close();
    service::ImportOptions import;
    import.file = (dir_.path() / "portfolio.csv").string();
    import.dataset = "portfolio";
    import.label_column = "Bankrupt?";
    import.id_column = "company_id";
    import.name_column = "company_name";
    service::ImportService(*web_->db).import_csv(import);
  }

  static service::ScoreInput statement_input(long long statement_id) {
    service::ScoreInput input;
    input.statement_id = statement_id;
    return input;
  }
};

}  // namespace risklab::web::test_security
