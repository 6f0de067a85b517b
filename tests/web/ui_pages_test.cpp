// The web UI through HTTP on every backend: sign-in redirects, safe `next`, role gates that show
// no data, CSRF refusal of forged forms (nothing changes), the CSP and no inline script on every
// page, escaping of hostile input, static assets, and the scoring -> override -> audit flow.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>

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
#include "store/assessment_repository.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/overview_repository.hpp"
#include "store/transaction.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/registry_fixture.hpp"
#include "support/temp_dir.hpp"
#include "web/server.hpp"
#include "html_checks.hpp"
#include "web_stack.hpp"
#include "web/ui/html.hpp"

namespace risklab::web {
namespace {

const core::Actor kSystem{
    0, "test-setup", {core::Role::admin, core::Role::analyst, core::Role::risk_officer}};
const std::string kHostile = "<script>alert(1)</script> & Sons";

class UiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    web_ = std::make_unique<test::WebStack>(GetParam(), dir_.path());
    for (const auto& [name, roles] :
         std::vector<std::pair<std::string, std::string>>{{"admin", "admin"},
                                                          {"ana", "analyst"},
                                                          {"rita", "risk_officer"},
                                                          {"vic", "viewer"},
                                                          {"dora", "data_steward"}}) {
      web_->auth->create_user(kSystem, name, "", name + "-password-1", roles);
    }
    const auto model = web_->registry->register_artifact(kSystem, test::reference_model_path());
    test::approve_and_promote(*web_->registry, model.id);
    web_->champion->refresh();
    // 20 statements; the first company has a hostile name.
    std::ifstream in(test::reference_head_csv(dir_.path().string(), 20));
    std::ofstream out(dir_.path() / "portfolio.csv");
    std::string line;
    for (int row = 0; std::getline(in, line); ++row) {
      if (row == 0)
        out << "company_id,company_name," << line << '\n';
      else
        out << "acme-" << row << ',' << (row == 1 ? kHostile : "Acme " + std::to_string(row)) << ','
            << line << '\n';
    }
    out.close();
    service::ImportOptions import;
    import.file = (dir_.path() / "portfolio.csv").string();
    import.label_column = "Bankrupt?";
    import.id_column = "company_id";
    import.name_column = "company_name";
    service::ImportService(*web_->db).import_csv(import);
  }

  httplib::Client client() { return web_->client(); }

  struct Browser {
    std::string cookie;  // "risklab_session=…"
    std::string csrf;
  };

  static std::string hidden_value(const std::string& body, const std::string& name) {
    const auto at = body.find("name=\"" + name + "\" value=\"");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 15;
    return body.substr(start, body.find('"', start) - start);
  }

  // Signs in through the log-in form, as a browser does.
  Browser sign_in(const std::string& user) {
    auto c = client();
    auto form = c.Get("/login");
    EXPECT_EQ(form->status, 200);
    const auto login_cookie = form->get_header_value("Set-Cookie");
    const auto token = hidden_value(form->body, "login_token");
    httplib::Params params{{"username", user},
                           {"password", user + "-password-1"},
                           {"login_token", token},
                           {"next", "/"}};
    const auto res =
        c.Post("/login", {{"Cookie", login_cookie.substr(0, login_cookie.find(';'))}}, params);
    EXPECT_EQ(res->status, 303) << res->body;
    std::string session;
    for (const auto& [name, value] : res->headers) {
      if (name == "Set-Cookie" && value.rfind("risklab_session=", 0) == 0) session = value;
    }
    EXPECT_NE(session.find("HttpOnly"), std::string::npos) << session;
    EXPECT_NE(session.find("SameSite=Strict"), std::string::npos) << session;
    Browser browser{session.substr(0, session.find(';')), ""};
    const auto page = get(browser, "/");
    browser.csrf = hidden_value(page->body, "csrf_token");
    EXPECT_EQ(browser.csrf.size(), 64u);
    return browser;
  }

  httplib::Result get(const Browser& browser, const std::string& path) {
    return client().Get(path, {{"Cookie", browser.cookie}, {"Accept", "text/html"}});
  }
  httplib::Result post(const Browser& browser, const std::string& path, httplib::Params params) {
    return client().Post(path, {{"Cookie", browser.cookie}}, params);
  }

  // Follows a 303 as a browser does, with the one-time flash cookie it set.
  httplib::Result follow(const Browser& browser, const httplib::Result& res) {
    std::string cookies = browser.cookie;
    for (const auto& [name, value] : res->headers) {
      if (name == "Set-Cookie" && value.rfind("risklab_flash=", 0) == 0) {
        cookies += "; " + value.substr(0, value.find(';'));
      }
    }
    return client().Get(res->get_header_value("Location"), {{"Cookie", cookies}});
  }

  httplib::Result upload(const Browser& browser, const std::string& path, const std::string& name,
                         const std::string& content,
                         const std::vector<std::pair<std::string, std::string>>& fields = {}) {
    httplib::MultipartFormDataItems items = {{"csrf_token", browser.csrf, "", ""},
                                             {"file", content, name, "text/csv"}};
    for (const auto& [field, value] : fields) items.push_back({field, value, "", ""});
    return client().Post(path, {{"Cookie", browser.cookie}}, items);
  }

  long long count(const std::string& table) {
    store::Transaction tx(*web_->db, store::Transaction::Mode::read);
    return table == "statements" ? store::OverviewRepository().statement_count(tx)
                                 : static_cast<long long>(
                                       store::OverviewRepository().recent_outcomes(tx, 200).size());
  }

  long long assessments() {
    store::Transaction tx(*web_->db, store::Transaction::Mode::read);
    return store::AssessmentRepository().count(tx);
  }

  // Scores statement 1 as `browser` and returns the assessment's page path.
  std::string score_first_statement(const Browser& browser) {
    const auto res = post(browser, "/score", {{"csrf_token", browser.csrf}, {"statement_id", "1"}});
    EXPECT_EQ(res->status, 303) << res->body;
    return res->get_header_value("Location");
  }

  static void expect_security_headers(const httplib::Result& res, const std::string& what) {
    const auto csp = res->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << what;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << what;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << what;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << what;
    EXPECT_FALSE(res->get_header_value("Referrer-Policy").empty()) << what;
  }

  test::TempDir dir_;
  std::unique_ptr<test::WebStack> web_;
};

TEST_P(UiTest, PagesNeedSignInAndRedirectToTheLogInWithTheirPath) {
  for (const std::string path : {"/", "/score", "/audit", "/assessments/1", "/audit/verify"}) {
    const auto res = client().Get(path + "?x=1");
    ASSERT_EQ(res->status, 303) << path;
    // (httplib's client decodes the Location header; the server sends it percent-encoded)
    EXPECT_EQ(ui::url_decode(res->get_header_value("Location")), "/login?next=" + path + "?x=1");
    EXPECT_EQ(res->body.find("acme"), std::string::npos) << path;
  }
  const auto before = assessments();
  const auto res = client().Post("/score", httplib::Params{{"statement_id", "1"}});
  EXPECT_EQ(res->status, 303);
  EXPECT_EQ(res->get_header_value("Location"), "/login");
  EXPECT_EQ(assessments(), before);
}

TEST_P(UiTest, LogInRedirectsOnlyToLocalPaths) {
  for (const auto& [next, expected] :
       std::vector<std::pair<std::string, std::string>>{{"/audit?after_id=3", "/audit?after_id=3"},
                                                        {"//evil.com", "/"},
                                                        {"https://evil", "/"},
                                                        {"/\\evil.com", "/"},
                                                        {"javascript:alert(1)", "/"},
                                                        {"/\r\nSet-Cookie: x=1", "/"}}) {
    auto c = client();
    const auto form = c.Get("/login?next=" + ui::url_encode(next));
    ASSERT_EQ(form->status, 200);
    EXPECT_EQ(form->body.find("evil"), std::string::npos) << next;
    const auto cookie = form->get_header_value("Set-Cookie");
    const auto res =
        c.Post("/login", {{"Cookie", cookie.substr(0, cookie.find(';'))}},
               httplib::Params{{"username", "rita"},
                               {"password", "rita-password-1"},
                               {"login_token", hidden_value(form->body, "login_token")},
                               {"next", next}});
    ASSERT_EQ(res->status, 303) << next;
    EXPECT_EQ(res->get_header_value("Location"), expected) << next;
  }
}

TEST_P(UiTest, LogInFormWithoutItsTokenOrWithAWrongPasswordSignsNobodyIn) {
  auto res =
      client().Post("/login", httplib::Params{{"username", "ana"}, {"password", "ana-password-1"}});
  EXPECT_EQ(res->status, 403);
  EXPECT_TRUE(res->get_header_value("Set-Cookie").rfind("risklab_session=", 0) != 0);
  auto c = client();
  const auto form = c.Get("/login");
  const auto cookie = form->get_header_value("Set-Cookie");
  res = c.Post("/login", {{"Cookie", cookie.substr(0, cookie.find(';'))}},
               httplib::Params{{"username", "ana"},
                               {"password", "wrong-password"},
                               {"login_token", hidden_value(form->body, "login_token")}});
  EXPECT_EQ(res->status, 401);
  EXPECT_NE(res->body.find("Wrong user name or password"), std::string::npos);
}

TEST_P(UiTest, RolesGatePagesWithA403ThatShowsNoDataAndTheNavigationFollowsTheRole) {
  const auto vic = sign_in("vic");
  auto res = get(vic, "/");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->body.find("href=\"/score\""), std::string::npos) << "viewers cannot score";
  EXPECT_EQ(res->body.find("href=\"/audit\""), std::string::npos);
  for (const std::string path : {"/score", "/score?q=acme", "/audit", "/audit/verify"}) {
    res = get(vic, path);
    EXPECT_EQ(res->status, 403) << path;
    EXPECT_EQ(res->body.find("acme"), std::string::npos) << path;
    EXPECT_EQ(res->body.find("user.created"), std::string::npos) << path;
  }
  const auto before = assessments();
  res = post(vic, "/score", {{"csrf_token", vic.csrf}, {"statement_id", "1"}});
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(assessments(), before);

  const auto ana = sign_in("ana");
  res = get(ana, "/");
  EXPECT_NE(res->body.find("href=\"/score\""), std::string::npos);
  EXPECT_EQ(res->body.find("href=\"/audit\""), std::string::npos);
  EXPECT_EQ(get(ana, "/audit")->status, 403);
  const auto rita = sign_in("rita");
  res = get(rita, "/");
  EXPECT_NE(res->body.find("href=\"/audit\""), std::string::npos);
}

TEST_P(UiTest, AForgedFormWithoutTheCsrfTokenIsRefusedAndChangesNothing) {
  const auto ana = sign_in("ana");
  const auto before = assessments();
  for (const auto& token : {std::string(), std::string(64, 'a')}) {
    httplib::Params params{{"statement_id", "1"}};
    if (!token.empty()) params.emplace("csrf_token", token);
    const auto res = post(ana, "/score", params);
    EXPECT_EQ(res->status, 403) << res->body;
    EXPECT_NE(res->body.find("CSRF"), std::string::npos);
  }
  EXPECT_EQ(assessments(), before);

  const auto page = score_first_statement(ana);
  EXPECT_EQ(assessments(), before + 1);
  const auto id = std::stoll(page.substr(page.rfind('/') + 1));
  auto res = post(
      ana, page + "/decision",
      {{"decision", "refer"}, {"rationale", "forged by another site"}, {"reason_code", "other"}});
  EXPECT_EQ(res->status, 403);
  EXPECT_FALSE(web_->decisions->find(id));
  res = post(ana, "/logout", {});
  EXPECT_EQ(res->status, 403) << "log-out is a state change too";
  EXPECT_EQ(get(ana, "/")->status, 200) << "still signed in";
}

TEST_P(UiTest, ScoreThenOverrideNeedsRationaleAndReasonAndShowsOnThePage) {
  const auto ana = sign_in("ana");
  auto res = post(ana, "/score", {{"csrf_token", ana.csrf}, {"statement_id", "1"}});
  ASSERT_EQ(res->status, 303);
  const auto path = res->get_header_value("Location");
  ASSERT_EQ(path.rfind("/assessments/", 0), 0u) << path;
  res = follow(ana, res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("Scored with model rf-"), std::string::npos) << "the flash";
  EXPECT_NE(res->body.find("id=\"grade\""), std::string::npos);
  EXPECT_NE(res->body.find("data-chart=\"{&quot;labels&quot;"), std::string::npos);
  EXPECT_NE(res->body.find("Master scale"), std::string::npos);
  const auto id = std::stoll(path.substr(path.rfind('/') + 1));
  const auto recommended = web_->scoring->get(kSystem, id).recommendation;
  const std::string against = recommended == "approve" ? "decline" : "approve";

  res = post(ana, path + "/decision", {{"csrf_token", ana.csrf}, {"decision", against}});
  EXPECT_EQ(res->status, 422);
  EXPECT_NE(res->body.find("id=\"decision-error\""), std::string::npos);
  EXPECT_FALSE(web_->decisions->find(id));

  res = post(ana, path + "/decision",
             {{"csrf_token", ana.csrf},
              {"decision", against},
              {"rationale", "Strong guarantee from the parent company"},
              {"reason_code", "guarantee"}});
  ASSERT_EQ(res->status, 303) << res->body;
  res = follow(ana, res);
  EXPECT_NE(res->body.find("Override recorded"), std::string::npos);
  EXPECT_EQ(get(ana, path)->body.find("Override recorded"), std::string::npos) << "shown once";
  EXPECT_NE(res->body.find("badge-warning\">override"), std::string::npos);
  ASSERT_TRUE(web_->decisions->find(id));
  EXPECT_TRUE(web_->decisions->find(id)->is_override);

  const auto rita = sign_in("rita");
  res = get(rita, "/audit?action=decision.override");
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("<td>decision.override</td>"), std::string::npos);
  EXPECT_EQ(res->body.find("<td>assessment.created</td>"), std::string::npos) << "filtered";
  res = get(rita, "/audit");
  const auto newest = res->body.find("<td>decision.override</td>");
  const auto older = res->body.find("<td>assessment.created</td>");
  ASSERT_NE(newest, std::string::npos);
  ASSERT_NE(older, std::string::npos);
  EXPECT_LT(newest, older) << "the newest entry comes first";
  res = get(rita, "/audit/verify");
  EXPECT_NE(res->body.find("The chain is intact"), std::string::npos);
  res = client().Get("/audit/verify", {{"Cookie", rita.cookie}, {"HX-Request", "true"}});
  EXPECT_EQ(res->body.rfind("<div id=\"verify-result\"", 0), 0u) << "htmx gets the fragment";
}

TEST_P(UiTest, HostileTextIsEscapedEverywhere) {
  const auto ana = sign_in("ana");
  score_first_statement(ana);
  const auto res = client().Post("/score", {{"Cookie", ana.cookie}},
                                 httplib::Params{{"csrf_token", ana.csrf},
                                                 {"company", "<img src=x onerror=alert(1)>"},
                                                 {"figures", "x = 1"}});
  EXPECT_EQ(res->status, 422);
  std::vector<std::string> bodies = {res->body, get(ana, "/")->body,
                                     get(ana, "/score?q=acme")->body,
                                     get(ana, "/score?q=%3Cscript%3Ealert(2)%3C/script%3E")->body};
  for (const auto& body : bodies) {
    EXPECT_EQ(body.find("<script>alert"), std::string::npos);
    EXPECT_EQ(body.find("<img src=x"), std::string::npos);
    test::expect_no_inline_script(body, "hostile page");
  }
  EXPECT_NE(bodies[0].find("value=\"&lt;img src=x onerror=alert(1)&gt;\""), std::string::npos);
  EXPECT_NE(
      get(ana, "/score?q=acme")->body.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons"),
      std::string::npos);
}

TEST_P(UiTest, EveryPageCarriesTheCspAndNoInlineScript) {
  const auto rita = sign_in("rita");
  const auto path = score_first_statement(rita);
  std::vector<std::pair<std::string, httplib::Result>> pages;
  pages.emplace_back("/login", client().Get("/login"));
  for (const std::string& p :
       std::vector<std::string>{"/", "/score", "/score?q=acme", path, "/audit", "/audit/verify",
                                "/assessments/999999", "/no-such-page"}) {
    pages.emplace_back(p, get(rita, p));
  }
  pages.emplace_back("403", get(sign_in("vic"), "/audit"));
  const auto admin = sign_in("admin");
  pages.emplace_back("/portfolio", get(admin, "/portfolio"));
  pages.emplace_back("/ground-truth", get(admin, "/ground-truth"));
  for (const auto& [what, res] : pages) {
    ASSERT_TRUE(res) << what;
    EXPECT_NE(res->get_header_value("Content-Type").find("text/html"), std::string::npos) << what;
    expect_security_headers(res, what);
    test::expect_no_inline_script(res->body, what);
    EXPECT_EQ(res->body.find(rita.cookie.substr(std::string("risklab_session=").size())),
              std::string::npos)
        << what << ": the session secret is never in a page";
  }
  EXPECT_EQ(pages[7].second->status, 404);
  EXPECT_EQ(pages[8].second->status, 404);
}

TEST_P(UiTest, GovernancePagesEnforceFourEyesRolesAndCsrfAndCarryTheCsp) {
  service::SnapshotService snapshots(*web_->db, *web_->lake);
  service::TrainingService training(*web_->db, *web_->lake);
  service::MonitoringService monitoring(*web_->db, web_->lake.get());
  web_->app->snapshots = &snapshots;
  web_->app->training = &training;
  web_->app->monitoring = &monitoring;
  web_->auth->create_user(kSystem, "max", "", "max-password-1",
                     "model_developer,risk_officer,data_steward");
  const auto max = sign_in("max");
  const auto created = post(max, "/snapshots", {{"csrf_token", max.csrf}, {"note", "ui test"}});
  ASSERT_EQ(created->status, 303) << created->body;
  const std::string snapshot = snapshots.list(kSystem).front().id;
  const auto queued = post(max, "/training",
                           {{"csrf_token", max.csrf},
                            {"snapshot_id", snapshot},
                            {"trees", "5"},
                            {"seed", "3"},
                            {"test_fraction", "0.5"}});
  ASSERT_EQ(queued->status, 303) << queued->body;
  service::WorkerSettings worker;
  worker.name = "ui-test";
  const auto job = training.run_next(worker);
  ASSERT_TRUE(job && job->model_id) << (job && job->error ? *job->error : "no job");
  const std::string model = "/models/" + std::to_string(*job->model_id);

  // The trainer sees why he cannot approve; the server refuses him even with the role.
  const auto own = get(max, model);
  ASSERT_EQ(own->status, 200);
  EXPECT_NE(own->body.find("You trained this model"), std::string::npos);
  EXPECT_EQ(own->body.find("id=\"approve-model\""), std::string::npos);
  EXPECT_EQ(post(max, model + "/approve", {{"csrf_token", max.csrf}, {"note", "mine"}})->status,
            403);
  const auto rita = sign_in("rita");
  EXPECT_EQ(post(rita, model + "/approve", {{"note", "forged"}})->status, 403) << "no CSRF token";
  EXPECT_EQ(web_->registry->get(kSystem, *job->model_id).status, "candidate")
      << "refusals change nothing";
  EXPECT_EQ(get(sign_in("ana"), "/training")->status, 403);
  EXPECT_EQ(get(sign_in("vic"), "/monitoring")->status, 403);
  EXPECT_EQ(
      post(sign_in("admin"), model + "/approve", {{"csrf_token", sign_in("admin").csrf}})->status,
      403);

  EXPECT_EQ(
      post(rita, model + "/approve", {{"csrf_token", rita.csrf}, {"note", "reviewed"}})->status,
      303);
  EXPECT_EQ(post(rita, model + "/promote", {{"csrf_token", rita.csrf}})->status, 303);
  EXPECT_EQ(web_->registry->get(kSystem, *job->model_id).status, "champion");
  const auto card = get(rita, model + "/card");
  ASSERT_EQ(card->status, 200);
  EXPECT_NE(card->body.find("Model card"), std::string::npos);
  EXPECT_EQ(card->get_header_value_count("Content-Security-Policy"), 1u) << "one policy, the card's own";

  for (const std::string& path :
       std::vector<std::string>{"/snapshots", "/snapshots/" + snapshot, "/training",
                                "/training/jobs", "/models", model, "/monitoring"}) {
    const auto res = get(rita, path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path << ": " << res->body.substr(0, 400);
    expect_security_headers(res, path);
    test::expect_no_inline_script(res->body, path);
  }
  EXPECT_NE(get(rita, model)->body.find("Validation report"), std::string::npos);
  web_->app->snapshots = nullptr;
  web_->app->training = nullptr;
  web_->app->monitoring = nullptr;
}

TEST_P(UiTest, StaticAssetsAreEmbeddedVersionedAndCached) {
  const auto body = client().Get("/login")->body;
  for (const std::string name :
       {"pico.min.css", "app.css", "htmx.min.js", "chart.umd.js", "app.js"}) {
    const auto at = body.find(name + "\"");
    ASSERT_NE(at, std::string::npos) << name;
    const auto start = body.rfind('"', at) + 1;
    const auto url = body.substr(start, at + name.size() - start);
    ASSERT_EQ(url.rfind("/static/", 0), 0u) << url;
    const auto res = client().Get(url);
    ASSERT_EQ(res->status, 200) << url;
    EXPECT_NE(res->get_header_value("Content-Type")
                  .find(name.ends_with(".css") ? "text/css" : "text/javascript"),
              std::string::npos);
    EXPECT_NE(res->get_header_value("Cache-Control").find("immutable"), std::string::npos);
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
    const auto etag = res->get_header_value("ETag");
    EXPECT_EQ(client().Get(url, {{"If-None-Match", etag}})->status, 304);
  }
  EXPECT_EQ(client().Get("/static/nothing.js")->status, 404);
  EXPECT_EQ(client().Get("/static/../../etc/passwd")->status, 404);
}

TEST_P(UiTest, OverviewShowsThePortfolioTheChampionAndRecentWork) {
  const auto ana = sign_in("ana");
  score_first_statement(ana);
  const auto res = get(ana, "/");
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("id=\"companies\">20<"), std::string::npos);
  EXPECT_NE(res->body.find("id=\"statements\">20<"), std::string::npos);
  EXPECT_NE(res->body.find("id=\"champion-version\">rf-"), std::string::npos);
  EXPECT_NE(res->body.find("href=\"/assessments/1\""), std::string::npos);
  EXPECT_NE(res->body.find("data-chart=\"{&quot;labels&quot;:[&quot;R1&quot;"), std::string::npos);
}

TEST_P(UiTest, PortfolioImportNamesEachProblemByLineAndColumnAndChangesNothing) {
  const auto ana = sign_in("ana");
  const auto before = count("statements");
  auto res = upload(ana, "/portfolio/import", "new.csv",
                    "company_id,Current Ratio,Debt ratio %\nn-1,0.5,0.2\nn-2,abc,0.3\nn-3,0.4,\n",
                    {{"id_column", "company_id"}});
  ASSERT_EQ(res->status, 422) << res->body;
  EXPECT_NE(res->body.find("new.csv was refused"), std::string::npos);
  EXPECT_NE(res->body.find("<td>3</td><td>Current Ratio</td>"), std::string::npos) << res->body;
  EXPECT_EQ(res->body.find("/tmp/"), std::string::npos) << "no server path in the page";
  EXPECT_EQ(count("statements"), before);

  res = upload(ana, "/portfolio/import", "new.csv",
               "company_id,Current Ratio,Debt ratio %\nn-1,0.5,0.2\nn-2,0.7,0.3\n",
               {{"id_column", "company_id"}});
  ASSERT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(count("statements"), before + 2);
  EXPECT_NE(follow(ana, res)->body.find("Imported 2 statements"), std::string::npos);

  res = post(ana, "/portfolio/statements",
             {{"csrf_token", ana.csrf},
              {"dataset", "new"},
              {"company", "n-9"},
              {"period", "2026-06-30"},
              {"figures", "Current Ratio = 1.5\nDebt ratio % = x"}});
  EXPECT_EQ(res->status, 422);
  EXPECT_NE(res->body.find("id=\"entry-problems\""), std::string::npos);
  res = post(ana, "/portfolio/statements",
             {{"csrf_token", ana.csrf},
              {"dataset", "new"},
              {"company", "n-9"},
              {"period", "2026-06-30"},
              {"figures", "Current Ratio = 1.5"}});
  ASSERT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(count("statements"), before + 3);
  EXPECT_NE(get(ana, "/portfolio?q=n-9")->body.find("2026-06-30"), std::string::npos);

  const auto vic = sign_in("vic");
  EXPECT_EQ(get(vic, "/portfolio")->status, 200) << "every role reads the portfolio";
  EXPECT_EQ(get(vic, "/portfolio")->body.find("action=\"/portfolio/import\""), std::string::npos);
  EXPECT_EQ(upload(vic, "/portfolio/import", "v.csv", "company_id,Current Ratio\nv-1,1\n",
                   {{"id_column", "company_id"}})
                ->status,
            403);
  EXPECT_EQ(count("statements"), before + 3);
}

TEST_P(UiTest, GroundTruthRecordsOutcomesAllOrNothingAndShowsTheirSyncState) {
  const auto dora = sign_in("dora");
  const auto before = count("outcomes");
  auto res = post(dora, "/ground-truth",
                  {{"csrf_token", dora.csrf},
                   {"company", "acme-2"},
                   {"defaulted", "1"},
                   {"observed_at", "2026-10-02"},
                   {"note", "insolvency filing"}});
  ASSERT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(count("outcomes"), before + 1);
  res = follow(dora, res);
  EXPECT_NE(res->body.find("recorded for acme-2; it ships to the lake as ground_truth/"),
            std::string::npos)
      << "the whole flash, ';' included";
  EXPECT_NE(res->body.find("outcome.recorded"), std::string::npos) << "the outbox row";
  EXPECT_NE(res->body.find("badge-warning\">pending"), std::string::npos) << "not shipped yet";

  res = post(dora, "/ground-truth",
             {{"csrf_token", dora.csrf}, {"company", "nobody"}, {"defaulted", "0"}});
  EXPECT_EQ(res->status, 404);
  res = upload(dora, "/ground-truth/import", "outcomes.csv",
               "company,defaulted\nacme-3,1\nacme-4,2\n");
  EXPECT_EQ(res->status, 422);
  EXPECT_NE(res->body.find("outcomes.csv:3"), std::string::npos) << res->body;
  EXPECT_EQ(count("outcomes"), before + 1);
  res = upload(dora, "/ground-truth/import", "outcomes.csv",
               "company,defaulted\nacme-3,1\nacme-4,0\n");
  EXPECT_EQ(res->status, 303) << res->body;
  EXPECT_EQ(count("outcomes"), before + 3);

  EXPECT_EQ(get(sign_in("ana"), "/ground-truth")->status, 403);
  EXPECT_EQ(
      post(sign_in("vic"), "/ground-truth", {{"company", "acme-5"}, {"defaulted", "1"}})->status,
      403);
  EXPECT_EQ(count("outcomes"), before + 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, UiTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

}  // namespace
}  // namespace risklab::web
