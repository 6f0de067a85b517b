// The web attack cases of SPEC section 6 against a served RiskLab: session fixation and
// server-side log-out, CSRF on every state-changing form and cookie-authenticated API call, open
// redirects through `next`, stored and reflected XSS on every page and HTML document that shows
// user text (with the CSP and content types), and secrets (passwords, tokens, session cookies)
// never written to the log, the audit trail or the database in the clear.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <set>
#include <thread>

#include "html_checks.hpp"
#include "security_fixture.hpp"
#include "support/server_process.hpp"
#include "web/ui/html.hpp"

namespace risklab::web::test_security {
namespace {

using nlohmann::json;

const std::string kHostileText = "<script>alert('text')</script>\"><img src=x onerror=alert(2)>";

// No markup of the hostile strings survived unescaped.
void expect_escaped(const std::string& body, const std::string& what) {
  for (const char* raw : {"<script>alert", "<img src=x", "\"><img"}) {
    EXPECT_EQ(body.find(raw), std::string::npos) << what << ": " << raw << " unescaped";
  }
}

class WebSecurityTest : public SecureServerTest {
 protected:
  // A user holding every role, so that only the check under test can refuse.
  void SetUp() override {
    SecureServerTest::SetUp();
    web_->auth->create_user(kSetup, "omni", "", password_of("omni"),
                       "viewer,analyst,data_steward,model_developer,risk_officer,admin");
  }

  long long audit_rows() { return web_->audit->verify().rows_checked; }

  // The log-in form as a browser gets it: its pre-session cookie and hidden token.
  struct LoginForm {
    std::string cookie;
    std::string token;
  };
  LoginForm login_form(const std::string& extra_cookie = "") {
    httplib::Headers headers;
    if (!extra_cookie.empty()) headers.emplace("Cookie", extra_cookie);
    const auto form = client().Get("/login", headers);
    EXPECT_EQ(form->status, 200);
    const auto cookie = form->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), hidden_value(form->body, "login_token")};
  }

  // Posts the log-in form; `cookies` are what the browser sends besides the form's own.
  httplib::Result post_login(const LoginForm& form, const std::string& user,
                             const std::string& next, const std::string& cookies = "") {
    const std::string cookie = cookies.empty() ? form.cookie : form.cookie + "; " + cookies;
    return client().Post("/login", {{"Cookie", cookie}},
                         httplib::Params{{"username", user},
                                         {"password", password_of(user)},
                                         {"login_token", form.token},
                                         {"next", next}});
  }

  static std::string new_session_cookie(const httplib::Result& res) {
    for (const auto& cookie : set_cookies(res)) {
      if (cookie.rfind("risklab_session=", 0) == 0 && cookie.find("Max-Age=0") == std::string::npos)
        return cookie.substr(0, cookie.find(';'));
    }
    return {};
  }

  bool session_works(const std::string& cookie) {
    return client().Get("/api/v1/session", {{"Cookie", cookie}})->status == 200;
  }
};

TEST_P(WebSecurityTest, ASessionCookiePlantedBeforeLogInIsNeitherKeptNorAccepted) {
  const std::string planted = "risklab_session=" + std::string(64, 'e');
  const auto form = login_form(planted);
  const auto res = post_login(form, "ana", "/", planted);
  ASSERT_EQ(res->status, 303) << res->body;
  const auto issued = new_session_cookie(res);
  ASSERT_FALSE(issued.empty());
  EXPECT_NE(issued, planted);
  EXPECT_TRUE(session_works(issued));
  EXPECT_FALSE(session_works(planted));

  const auto api = client().Post("/api/v1/session", {{"Cookie", planted}},
                                 json{{"username", "ana"}, {"password", password_of("ana")}}.dump(),
                                 "application/json");
  ASSERT_EQ(api->status, 200);
  EXPECT_NE(new_session_cookie(api), planted);
  EXPECT_NE(new_session_cookie(api), issued) << "every log-in gets a new session";
}

TEST_P(WebSecurityTest, LoggingInAgainEndsTheSessionTheBrowserHadBefore) {
  // A shared browser: ana signs in, then rita signs in over her session. Ana's old cookie value
  // must not stay usable (it may sit in a proxy log or a stolen cookie jar).
  const auto ana = sign_in("ana");
  ASSERT_TRUE(session_works(ana.cookie));
  const auto res = post_login(login_form(), "rita", "/", ana.cookie);
  ASSERT_EQ(res->status, 303);
  EXPECT_FALSE(session_works(ana.cookie)) << "the page log-in ended the previous session";
  const auto rita = new_session_cookie(res);
  EXPECT_TRUE(session_works(rita));
  const auto api = client().Post("/api/v1/session", {{"Cookie", rita}},
                                 json{{"username", "ana"}, {"password", password_of("ana")}}.dump(),
                                 "application/json");
  ASSERT_EQ(api->status, 200);
  EXPECT_FALSE(session_works(rita)) << "the API log-in ended the previous session";
}

TEST_P(WebSecurityTest, SigningOutEndsTheSessionOnTheServerNotOnlyTheCookie) {
  const auto page_user = sign_in("ana");
  auto res = client().Post("/logout", {{"Cookie", page_user.cookie}},
                           httplib::Params{{"csrf_token", page_user.csrf}});
  ASSERT_EQ(res->status, 303);
  EXPECT_NE(res->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_FALSE(session_works(page_user.cookie)) << "a replayed cookie is dead";
  res = client().Get("/", {{"Cookie", page_user.cookie}});
  EXPECT_EQ(res->status, 303);

  const auto api_user = sign_in("rita");
  res = client().Delete("/api/v1/session",
                        {{"Cookie", api_user.cookie}, {"X-CSRF-Token", api_user.csrf}});
  ASSERT_EQ(res->status, 204);
  EXPECT_FALSE(session_works(api_user.cookie));

  const auto victim = sign_in(kVictim);
  web_->auth->disable_user(kSetup, kVictim);
  EXPECT_FALSE(session_works(victim.cookie)) << "disabling a user ends their sessions";
}

TEST_P(WebSecurityTest, EveryFormRefusesAMissingForgedOrOtherUsersCsrfTokenAndChangesNothing) {
  const auto omni = sign_in("omni");
  const auto other = sign_in("rita");
  const auto before = audit_rows();
  int forms = 0;
  for (const auto& page : web_->server->page_routes()) {
    if (page.method != "POST" || page.path == "/login") continue;
    ++forms;
    const auto path = concrete(page.method, page.path);
    for (const auto& [what, token] :
         std::vector<std::pair<std::string, std::string>>{{"missing", ""},
                                                          {"forged", std::string(64, 'f')},
                                                          {"another user's", other.csrf},
                                                          {"truncated", omni.csrf.substr(0, 63)}}) {
      std::string body = "note=csrf&statement_id=1&company=acme-2&defaulted=1&decision=refer";
      if (!token.empty()) body += "&csrf_token=" + token;
      const auto res =
          client().Post(path, {{"Cookie", omni.cookie}}, body, "application/x-www-form-urlencoded");
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 403) << page.path << " with a " << what << " token";
      EXPECT_NE(res->body.find("CSRF"), std::string::npos) << page.path << " " << what;
    }
    // A multipart form (the CSV uploads) without the token is refused the same way.
    const auto res =
        client().Post(path, {{"Cookie", omni.cookie}},
                      httplib::MultipartFormDataItems{
                          {"file", "company,defaulted\nacme-2,1\n", "x.csv", "text/csv"}});
    EXPECT_EQ(res->status, 403) << page.path << " multipart";
  }
  EXPECT_GE(forms, 15);
  EXPECT_EQ(audit_rows(), before) << "a refused form changes nothing";
  EXPECT_TRUE(session_works(omni.cookie)) << "a forged log-out did not sign out";

  // The log-in form has its own pre-session token: without it nobody is signed in.
  const auto form = login_form();
  for (const std::string& token : {std::string(), std::string(64, '0')}) {
    const auto res = client().Post(
        "/login", {{"Cookie", form.cookie}},
        httplib::Params{
            {"username", "ana"}, {"password", password_of("ana")}, {"login_token", token}});
    EXPECT_EQ(res->status, 403);
    EXPECT_TRUE(new_session_cookie(res).empty());
  }
}

TEST_P(WebSecurityTest, CookieAuthenticatedApiWritesNeedTheirSessionsCsrfHeaderTokensDoNot) {
  const auto omni = sign_in("omni");
  const auto other = sign_in("rita");
  const auto before = audit_rows();
  int writes = 0;
  for (const auto& route : web_->server->routes()) {
    if (route.method == "GET" || (route.path == "/api/v1/session" && route.method == "POST")) {
      continue;
    }
    ++writes;
    const auto path = concrete(route.method, route.path);
    for (const auto& [what, token] : std::vector<std::pair<std::string, std::string>>{
             {"missing", ""}, {"forged", std::string(64, 'f')}, {"another user's", other.csrf}}) {
      httplib::Headers headers = {{"Cookie", omni.cookie}};
      if (!token.empty()) headers.emplace("X-CSRF-Token", token);
      auto c = client();
      const auto res =
          route.method == "DELETE"
              ? c.Delete(path, headers)
              : c.Post(path, headers, R"({"statement_id": 1, "name": "x"})", "application/json");
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 403) << route.method << " " << route.path << " " << what;
      EXPECT_NE(res->body.find("csrf_failed"), std::string::npos) << route.path;
      EXPECT_TRUE(res->get_header_value("Access-Control-Allow-Origin").empty())
          << "no CORS: another origin cannot read or send the header";
    }
  }
  EXPECT_GE(writes, 17);
  EXPECT_EQ(audit_rows(), before);

  // The same write with the session's own header, and with a token (no cookie, no CSRF).
  auto res =
      client().Post("/api/v1/outcomes", {{"Cookie", omni.cookie}, {"X-CSRF-Token", omni.csrf}},
                    R"({"company": "acme-2", "defaulted": false})", "application/json");
  EXPECT_EQ(res->status, 201) << res->body;
  res = client().Post("/api/v1/outcomes", {{"Authorization", "Bearer " + token_of("omni")}},
                      R"({"company": "acme-3", "defaulted": false})", "application/json");
  EXPECT_EQ(res->status, 201) << res->body;
}

TEST_P(WebSecurityTest, LogInRedirectsOnlyWithinTheSiteWhateverNextSays) {
  const std::vector<std::string> hostile = {
      "//evil.example",           "https://evil.example",
      "http:evil.example",        "/\\evil.example",
      "\\\\evil.example",         "/\\/evil.example",
      "///evil.example",          "/\t/evil.example",
      "/\n/evil.example",         " //evil.example",
      "%2F%2Fevil.example",       "%252F%252Fevil.example",
      "javascript:alert(1)",      "data:text/html,<script>alert(1)</script>",
      "//evil.example@risklab",   "/\r\nLocation: //evil.example",
      std::string("/\0//evil", 8)};
  const auto check = [](const std::string& location, const std::string& next) {
    ASSERT_FALSE(location.empty()) << next;
    EXPECT_EQ(location[0], '/') << next << " -> " << location;
    if (location.size() > 1) {
      EXPECT_NE(location[1], '/') << next << " -> " << location;
      EXPECT_NE(location[1], '\\') << next << " -> " << location;
    }
    EXPECT_EQ(location.find_first_of("\\\t\r\n"), std::string::npos) << next << " -> " << location;
    EXPECT_EQ(location.find("//evil"), std::string::npos) << next << " -> " << location;
  };
  const auto signed_in = sign_in("rita");
  for (const auto& next : hostile) {
    SCOPED_TRACE(next);
    // Posting the form with `next`.
    const auto form = login_form();
    auto res = post_login(form, "ana", next);
    ASSERT_EQ(res->status, 303);
    check(res->get_header_value("Location"), next);
    // Opening the log-in page while signed in redirects to `next` at once.
    res = client().Get("/login?next=" + ui::url_encode(next), {{"Cookie", signed_in.cookie}});
    ASSERT_EQ(res->status, 303);
    check(res->get_header_value("Location"), next);
    // The form shows `next` only as an escaped hidden value.
    res = client().Get("/login?next=" + ui::url_encode(next));
    expect_escaped(res->body, "log-in form with next=" + next);
  }
  // A local path (with its query) is kept.
  const auto res = post_login(login_form(), "ana", "/audit?after_id=3");
  EXPECT_EQ(res->get_header_value("Location"), "/audit?after_id=3");
}

TEST_P(WebSecurityTest, HostileTextIsEscapedOnEveryPageAndDocumentThatShowsIt) {
  const auto ana_token = token_of("ana");
  const auto officer = token_of("rita");
  const auto steward = token_of("dora");
  auto api = [this](const std::string& token, const std::string& path, const json& body) {
    const auto res = client().Post(path, {{"Authorization", "Bearer " + token}}, body.dump(),
                                   "application/json");
    EXPECT_TRUE(res && res->status < 300) << path << ": " << (res ? res->body : "no answer");
    return res ? json::parse(res->body, nullptr, false) : json();
  };
  // An override with a hostile rationale on a new assessment, a hostile outcome note, a
  // snapshot with a hostile note, and a candidate model rejected with a hostile reason.
  const auto scored = api(ana_token, "/api/v1/score", {{"statement_id", 1}});
  const auto assessment = scored["assessment_id"].get<long long>();
  const std::string against = scored["recommendation"] == "approve" ? "decline" : "approve";
  api(ana_token, "/api/v1/assessments/" + std::to_string(assessment) + "/decision",
      {{"decision", against}, {"rationale", kHostileText}, {"reason_code", "other"}});
  api(steward, "/api/v1/outcomes",
      {{"company", "acme-1"}, {"defaulted", true}, {"note", kHostileText}});
  const auto snapshot = api(steward, "/api/v1/snapshots", {{"note", kHostileText}});
  service::WorkerSettings worker;
  worker.name = "security-test";
  worker.threads = 1;
  const auto job = web_->training->run_next(worker);
  ASSERT_TRUE(job && job->model_id) << (job && job->error ? *job->error : "no job");
  const std::string candidate = std::to_string(*job->model_id);
  api(officer, "/api/v1/models/" + candidate + "/reject", {{"reason", kHostileText}});

  const auto rita = sign_in("rita");
  const auto omni = sign_in("omni");
  const std::string a = std::to_string(assessment);
  const std::string model = std::to_string(model_id_);
  // Page -> what of the hostile input it must show (escaped): the company name or the text.
  const std::vector<std::pair<std::string, std::string>> pages = {
      {"/", "name"},
      {"/portfolio?q=acme-1", "name"},
      {"/score?q=acme-1", "name"},
      {"/assessments/" + a, "text"},
      {"/audit?action=decision.override", ""},  // an excerpt of the row
      {"/ground-truth", "text"},
      {"/snapshots", "text"},
      {"/snapshots/" + snapshot.value("id", std::string()), "text"},
      {"/models", ""},
      {"/models/" + candidate, "text"},
      {"/models/" + model, ""},
      {"/models/" + model + "/card", ""},
      {"/training", ""},
      {"/monitoring", ""},
      {"/score?q=%3Cscript%3Ealert(3)%3C%2Fscript%3E", ""},
      {"/portfolio?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(4)%3E", ""},
      {"/audit?actor=%3Cscript%3Ealert(5)%3C%2Fscript%3E", ""},
  };
  for (const auto& [path, shows] : pages) {
    const auto res = client().Get(path, {{"Cookie", omni.cookie}, {"Accept", "text/html"}});
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
    const auto csp = res->get_header_value("Content-Security-Policy");
    EXPECT_FALSE(csp.empty()) << path;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << path;
    EXPECT_TRUE(csp.find("script-src 'self'") != std::string::npos ||
                csp.find("default-src 'none'") != std::string::npos)
        << path << ": " << csp;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    expect_escaped(res->body, path);
    test::expect_no_inline_script(res->body, path);
    if (shows == "name") {
      EXPECT_NE(res->body.find("&lt;script&gt;alert(&apos;name&apos;)"), std::string::npos) << path;
    } else if (shows == "text") {
      EXPECT_NE(res->body.find("&lt;script&gt;alert(&apos;text&apos;)"), std::string::npos) << path;
    }
  }

  // The HTML documents of the API: escaped, and sent with a policy that runs no script.
  for (const std::string& path : {"/api/v1/models/" + model + "/card?format=html",
                                  "/api/v1/models/" + candidate + "/report?format=html",
                                  std::string("/api/v1/monitoring/report?format=html")}) {
    const auto res = client().Get(path, {{"Authorization", "Bearer " + officer}});
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path << ": " << res->body.substr(0, 300);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
    const auto csp = res->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << path << ": " << csp;
    EXPECT_EQ(csp.find("script-src"), std::string::npos) << path << ": " << csp;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    expect_escaped(res->body, path);
    test::expect_no_inline_script(res->body, path);
  }
  (void)rita;
}

TEST_P(WebSecurityTest, JsonAnswersAreJsonAndNeverSniffedAsHtml) {
  const httplib::Headers admin = {{"Authorization", "Bearer " + token_of("omni")}};
  for (const auto& route : web_->server->routes()) {
    if (route.method != "GET") continue;
    const auto path = concrete(route.method, route.path) +
                      (route.path.find("monitoring/migration") != std::string::npos
                           ? "?first=2026-01-01&second=2026-06-30"
                           : "");
    const auto res = client().Get(path, admin);
    ASSERT_TRUE(res) << path;
    const auto type = res->get_header_value("Content-Type");
    if (route.path == "/metrics") {
      EXPECT_EQ(type.rfind("text/plain", 0), 0u) << path;
    } else {
      EXPECT_EQ(type, "application/json") << path << " (" << res->status << ")";
      EXPECT_FALSE(json::parse(res->body, nullptr, false).is_discarded()) << path;
    }
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
  // A reflected value in an error stays inside JSON.
  const auto res = client().Get("/api/v1/audit?limit=%3Cscript%3Ealert(1)%3C/script%3E", admin);
  EXPECT_EQ(res->status, 422);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
}

TEST_P(WebSecurityTest, AUserWhoseNameHasAnUnderscoreCanBeDisabledThroughTheApi) {
  // AuthService accepts '_' in user names; the {username} route pattern did not, so such an
  // account (a compromised "data_steward") could not be locked out through the API.
  const auto victim = token_of(kVictim);
  const auto res =
      client().Post("/api/v1/users/" + std::string(kVictim) + "/disable",
                    {{"Authorization", "Bearer " + token_of("adam")}}, "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204) << res->body;
  EXPECT_EQ(client().Get("/api/v1/session", {{"Authorization", "Bearer " + victim}})->status, 401);
  for (const char* bad : {"a%27b", "a%5Bb%5D", "a%5Eb"}) {
    EXPECT_EQ(client()
                  .Post(std::string("/api/v1/users/") + bad + "/disable",
                        {{"Authorization", "Bearer " + token_of("adam")}}, "", "application/json")
                  ->status,
              404)
        << bad << ": only the characters of a user name reach the route";
  }
}

TEST_P(WebSecurityTest, OverlongTextIsRefusedWith422OnEveryBackendNotWithADatabaseError) {
  // Found by sqlmap on MariaDB: a 'company' longer than its column was a 503 (and failed the
  // other scorings of its group commit); SQLite stores any length, so all backends run this.
  const httplib::Headers ana = {{"Authorization", "Bearer " + token_of("ana")}};
  auto score = [&](const std::string& company) {
    return client().Post("/api/v1/score", ana,
                         json{{"statement_id", 1}, {"company", company}}.dump(),
                         "application/json");
  };
  auto res = score(std::string(201, 'x'));
  EXPECT_EQ(res->status, 422) << res->body;
  EXPECT_NE(res->body.find("company_too_long"), std::string::npos) << res->body;
  res = client().Post(
      "/api/v1/score/batch", ana,
      json{{"rows",
            {{{"statement_id", 2}}, {{"statement_id", 3}, {"company", std::string(300, 'y')}}}}}
          .dump(),
      "application/json");
  EXPECT_EQ(res->status, 422) << res->body;
  EXPECT_EQ(score(std::string(200, 'x'))->status, 201);

  res = client().Post("/api/v1/users", {{"Authorization", "Bearer " + token_of("adam")}},
                      json{{"username", "long-name"},
                           {"display_name", std::string(201, 'n')},
                           {"password", password_of("long-name")},
                           {"roles", "viewer"}}
                          .dump(),
                      "application/json");
  EXPECT_EQ(res->status, 422) << res->body;
}

INSTANTIATE_TEST_SUITE_P(Backends, WebSecurityTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

// `risklab serve` itself, on SQLite: after log-ins (page and API, right and wrong passwords),
// bearer calls and a token created through the API, neither its log nor the audit trail nor the
// database file holds a password, a token, a session cookie or a CSRF token in the clear.
TEST(SecretsInLogs, NoPasswordTokenOrSessionReachesTheLogTheAuditTrailOrTheDatabase) {
  test::TempDir dir;
  const std::string db_url = "sqlite://" + (dir.path() / "risklab.db").string();
  const std::string password = "Correct-Horse-" + service::random_hex_secret().substr(0, 16);
  const std::string wrong_password = "Wrong-Horse-" + service::random_hex_secret().substr(0, 16);
  {
    auto db = store::Database::open(db_url);
    store::migrate(*db);
    service::AuthService auth(*db);
    auth.create_user(kSetup, "ana", "", password, "analyst,admin");
    lake::open_lake("file://" + (dir.path() / "lake").string())->create_container();
  }
  std::vector<std::string> secrets = {password, wrong_password};
  std::string csrf_token;  // kept by the server beside the session (not a credential alone)
  {
    test::ServerProcess server({},
                               {{"RISKLAB_DB", db_url},
                                {"RISKLAB_LOG_LEVEL", "debug"},
                                {"RISKLAB_LAKE", "file://" + (dir.path() / "lake").string()}},
                               dir.path());
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(30, 0);
    // A wrong and a right password through the API.
    auto res =
        c.Post("/api/v1/session", json{{"username", "ana"}, {"password", wrong_password}}.dump(),
               "application/json");
    EXPECT_EQ(res->status, 401);
    res = c.Post("/api/v1/session", json{{"username", "ana"}, {"password", password}}.dump(),
                 "application/json");
    ASSERT_EQ(res->status, 200) << server.log();
    const auto cookie = res->get_header_value("Set-Cookie");
    const std::string session = cookie.substr(0, cookie.find(';'));
    const auto csrf = json::parse(res->body)["csrf_token"].get<std::string>();
    secrets.push_back(session.substr(session.find('=') + 1));
    csrf_token = csrf;
    // A token created through the API, then used (and a wrong one tried).
    res = c.Post("/api/v1/tokens", {{"Cookie", session}, {"X-CSRF-Token", csrf}},
                 R"({"name": "loan system"})", "application/json");
    ASSERT_EQ(res->status, 201) << res->body;
    const auto token = json::parse(res->body)["token"].get<std::string>();
    secrets.push_back(token);
    EXPECT_EQ(c.Get("/api/v1/session", {{"Authorization", "Bearer " + token}})->status, 200);
    EXPECT_EQ(c.Get("/api/v1/users", {{"Authorization", "Bearer " + token}})->status, 200);
    EXPECT_EQ(c.Get("/api/v1/session", {{"Authorization", "Bearer " + token + "x"}})->status, 401);
    EXPECT_EQ(c.Get("/api/v1/session?token=" + token)->status, 401) << "no token in a URL";
    // The log-in page, with a wrong then the right password.
    const auto form = c.Get("/login");
    const auto login_cookie = form->get_header_value("Set-Cookie");
    const auto login_token = hidden_value(form->body, "login_token");
    secrets.push_back(login_token);
    for (const auto& pw : {wrong_password, password}) {
      res = c.Post(
          "/login", {{"Cookie", login_cookie.substr(0, login_cookie.find(';'))}},
          httplib::Params{{"username", "ana"}, {"password", pw}, {"login_token", login_token}});
    }
    ASSERT_EQ(res->status, 303);
    for (const auto& [name, value] : res->headers) {
      if (name == "Set-Cookie" && value.rfind("risklab_session=", 0) == 0)
        secrets.push_back(value.substr(16, value.find(';') - 16));
    }
    EXPECT_EQ(secrets.size(), 6u);
    // A user created through the API: its password is a secret too.
    const std::string new_password = "New-User-" + service::random_hex_secret().substr(0, 16);
    secrets.push_back(new_password);
    res = c.Post("/api/v1/users", {{"Authorization", "Bearer " + token}},
                 json{{"username", "bob"}, {"password", new_password}, {"roles", "viewer"}}.dump(),
                 "application/json");
    EXPECT_EQ(res->status, 201) << res->body;
    // A malformed body quoting a password is refused without logging it.
    res = c.Post("/api/v1/session", "{\"username\": \"ana\", \"password\": \"" + password,
                 "application/json");
    EXPECT_EQ(res->status, 422);
    EXPECT_EQ(server.stop(), 0);
    const auto log = server.log();
    EXPECT_NE(log.find("route=/api/v1/session"), std::string::npos) << "the access log was written";
    for (const auto& secret : secrets) {
      EXPECT_EQ(log.find(secret), std::string::npos) << "the log holds a secret: " << log;
    }
    EXPECT_EQ(log.find(csrf_token), std::string::npos) << "the log holds the CSRF token";
  }
  // The audit trail, row by row, and the raw database file (hashes only).
  auto db = store::Database::open(db_url);
  service::AuditService audit(*db);
  store::AuditQuery query;
  query.limit = 1000;
  std::string trail;
  for (const auto& entry : audit.list(kSetup, query)) {
    trail += entry.action + " " + entry.before_json.value_or("") + " " +
             entry.after_json.value_or("") + "\n";
  }
  EXPECT_NE(trail.find("token.created"), std::string::npos) << trail;
  std::string bytes;
  for (const char* suffix : {"", "-wal", "-journal"}) {
    std::ifstream file(dir.path() / (std::string("risklab.db") + suffix), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 0u);
  EXPECT_EQ(trail.find(csrf_token), std::string::npos);
  for (const auto& secret : secrets) {
    EXPECT_EQ(trail.find(secret), std::string::npos) << "the audit trail holds a secret";
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "the database holds a secret in the clear";
  }
}

// The access log is block-buffered when stderr is a file (web/access_log.hpp): its lines must
// still reach the log while the server runs, not only at shutdown.
TEST(AccessLog, ARunningServersRequestLinesReachItsLogWithinSeconds) {
  test::TempDir dir;
  const std::string db_url = "sqlite://" + (dir.path() / "risklab.db").string();
  {
    auto db = store::Database::open(db_url);
    store::migrate(*db);
  }
  test::ServerProcess server(
      {}, {{"RISKLAB_DB", db_url}, {"RISKLAB_LAKE", "file://" + (dir.path() / "lake").string()}},
      dir.path());
  httplib::Client c("127.0.0.1", server.port());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Get("/metrics"));
  const auto lines = [&server] {
    const std::string log = server.log();
    std::size_t count = 0;
    for (auto pos = log.find("[access] [info]"); pos != std::string::npos;
         pos = log.find("[access] [info]", pos + 1)) {
      if (log.compare(log.find("route=", pos), 15, "route=/metrics ") == 0) ++count;
    }
    return count;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (lines() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(lines(), 3u) << server.log();
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace risklab::web::test_security
