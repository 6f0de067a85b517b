// Every API route and every page, asked by every role of SPEC section 6 plus nobody, a revoked
// token and a disabled user: 401 without valid credentials, 403 (role_required) for a role the
// route does not accept, neither for one it does. The expected table is written here from
// docs/ARCHITECTURE.md and docs/UI.md, not read from the code it checks; a route or page
// without an entry fails the test, so a new one cannot ship without its row.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "security_fixture.hpp"

namespace risklab::web::test_security {
namespace {

using core::Role;
using nlohmann::json;

/// Who may call a route.
struct Rule {
  enum class Kind { open, any_role, roles } kind = Kind::roles;
  std::set<Role> roles;
  std::string body = "{}";  ///< a valid JSON (API) or form (pages) body for POST
  std::string query;        ///< appended to the path

  bool allows(Role role) const { return kind != Kind::roles || roles.contains(role); }
};

Rule open_to_all() { return {Rule::Kind::open, {}, "{}", ""}; }
Rule any_role(std::string body = "{}", std::string query = "") {
  return {Rule::Kind::any_role, {}, std::move(body), std::move(query)};
}
Rule only(std::set<Role> roles, std::string body = "{}", std::string query = "") {
  return {Rule::Kind::roles, std::move(roles), std::move(body), std::move(query)};
}

const std::set<Role> kScorers = {Role::analyst, Role::risk_officer};
const std::set<Role> kAuditors = {Role::risk_officer, Role::admin};
const std::set<Role> kMonitors = {Role::risk_officer, Role::model_developer, Role::admin};
const std::set<Role> kTrainers = {Role::model_developer, Role::admin};
const std::set<Role> kSnapshotters = {Role::data_steward, Role::model_developer, Role::admin};
const std::set<Role> kStewards = {Role::data_steward, Role::admin};

/// "METHOD /api/v1/…" -> who may call it (docs/ARCHITECTURE.md "Roles", docs/UI.md "Pages").
std::map<std::string, Rule> api_rules(const std::string& snapshot_id) {
  const std::string window = "from=2000-01-01&to=2100-01-01";
  return {
      {"GET /healthz", open_to_all()},
      {"GET /metrics", open_to_all()},
      {"GET /api/v1/openapi.json", open_to_all()},
      {"POST /api/v1/session", open_to_all()},  // body: the log-in of a spare account
      {"GET /api/v1/session", any_role()},
      {"DELETE /api/v1/session", any_role()},
      {"POST /api/v1/score", only(kScorers, R"({"statement_id": 2})")},
      {"POST /api/v1/score/batch", only(kScorers, R"({"rows": [{"statement_id": 3}]})")},
      {"GET /api/v1/assessments/{id}", any_role()},
      {"POST /api/v1/assessments/{id}/decision",
       only(
           kScorers,
           R"({"decision": "refer", "rationale": "authorization matrix", "reason_code": "other"})")},
      {"GET /api/v1/decision-reasons", any_role()},
      {"GET /api/v1/models", any_role()},
      {"GET /api/v1/models/{id}", any_role()},
      {"GET /api/v1/models/{id}/card", any_role()},
      {"GET /api/v1/models/{id}/report", any_role()},
      {"POST /api/v1/models/{id}/approve", only({Role::risk_officer}, R"({"note": "matrix"})")},
      {"POST /api/v1/models/{id}/reject", only({Role::risk_officer}, R"({"reason": "matrix"})")},
      {"POST /api/v1/models/{id}/promote", only(kAuditors)},
      {"POST /api/v1/models/{id}/rollback", only(kAuditors)},
      {"GET /api/v1/audit", only(kAuditors)},
      {"GET /api/v1/audit/verify", only(kAuditors)},
      {"GET /api/v1/users", only({Role::admin})},
      {"POST /api/v1/users",
       only({Role::admin},
            R"({"username": "new-user", "password": "new-user-password-1", "roles": "viewer"})")},
      {"POST /api/v1/users/{username}/disable", only({Role::admin})},
      // Anyone may create their own token; only an admin one for somebody else.
      {"POST /api/v1/tokens", any_role(R"({"name": "matrix"})")},
      // {id} is another user's token: only an admin may revoke it.
      {"DELETE /api/v1/tokens/{id}", only({Role::admin})},
      {"POST /api/v1/outcomes", only(kStewards, R"({"company": "acme-2", "defaulted": false})")},
      {"GET /api/v1/outbox", any_role()},
      {"GET /api/v1/snapshots", any_role()},
      {"GET /api/v1/snapshots/{snapshot_id}", any_role()},
      {"POST /api/v1/snapshots", only(kSnapshotters, R"({"note": "matrix"})")},
      {"POST /api/v1/snapshots/{snapshot_id}/verify",
       only({Role::data_steward, Role::model_developer, Role::risk_officer, Role::admin})},
      {"POST /api/v1/training-jobs",
       only(kTrainers, json{{"snapshot_id", snapshot_id}, {"parameters", {{"trees", 5}}}}.dump())},
      {"GET /api/v1/training-jobs", any_role()},
      {"GET /api/v1/training-jobs/{id}", any_role()},
      {"POST /api/v1/training-jobs/{id}/cancel", only(kTrainers)},
      {"GET /api/v1/monitoring/drift", only(kMonitors, "{}", window)},
      {"GET /api/v1/monitoring/backtest", only(kMonitors, "{}", window)},
      {"GET /api/v1/monitoring/overrides", only(kMonitors, "{}", window)},
      {"GET /api/v1/monitoring/migration",
       only(kMonitors, "{}", window + "&first=2026-01-01&second=2026-06-30")},
      {"GET /api/v1/monitoring/report", only(kMonitors, "{}", window)},
  };
}

/// "METHOD /page" -> who may use it (docs/UI.md "Pages").
std::map<std::string, Rule> page_rules(const std::string& snapshot_id) {
  return {
      {"GET /login", open_to_all()},
      {"POST /login", open_to_all()},
      {"POST /logout", any_role()},
      {"GET /", any_role()},
      {"GET /portfolio", any_role("", "q=acme")},
      {"POST /portfolio/import", only({Role::analyst, Role::data_steward, Role::admin})},
      {"POST /portfolio/statements",
       only({Role::analyst, Role::data_steward, Role::admin},
            "dataset=portfolio&company=acme-30&period=2026-06-30&figures=Current+Ratio+%3D+1.5")},
      {"GET /ground-truth", only(kStewards)},
      {"POST /ground-truth", only(kStewards, "company=acme-3&defaulted=1&observed_at=2026-10-02")},
      {"POST /ground-truth/import", only(kStewards)},
      {"GET /score", only(kScorers, "", "q=acme")},
      {"POST /score", only(kScorers, "statement_id=4")},
      {"GET /assessments/{id}", any_role()},
      {"POST /assessments/{id}/decision",
       only(kScorers, "decision=refer&rationale=authorization+matrix&reason_code=other")},
      {"GET /audit", only(kAuditors)},
      {"GET /audit/verify", only(kAuditors)},
      {"GET /snapshots", any_role()},
      {"POST /snapshots", only(kSnapshotters, "note=matrix")},
      {"GET /snapshots/{snapshot_id}", any_role()},
      {"POST /snapshots/{snapshot_id}/verify",
       only({Role::data_steward, Role::model_developer, Role::risk_officer, Role::admin})},
      {"GET /training", only(kMonitors)},
      {"GET /training/jobs", only(kMonitors)},
      {"POST /training", only(kTrainers, "snapshot_id=" + snapshot_id + "&trees=5&seed=1")},
      {"POST /training/jobs/{id}/cancel", only(kTrainers)},
      {"GET /models", any_role()},
      {"GET /models/{id}", any_role()},
      {"GET /models/{id}/card", any_role()},
      {"POST /models/{id}/approve", only({Role::risk_officer}, "note=matrix")},
      {"POST /models/{id}/reject", only({Role::risk_officer}, "reason=matrix")},
      {"POST /models/{id}/promote", only(kAuditors)},
      {"POST /models/{id}/rollback", only(kAuditors)},
      {"GET /monitoring", only(kMonitors)},
  };
}

std::string key(const RouteInfo& route) { return route.method + " " + route.path; }

/// "METHOD /path" -> the text after "Roles: " in the operation's description in
/// web/openapi.json (the contract clients read), "" where it says nothing.
std::map<std::string, std::string> documented_roles() {
  std::ifstream in(test::source_dir() / "web" / "openapi.json");
  const auto doc = json::parse(in);
  std::map<std::string, std::string> out;
  for (const auto& [path, methods] : doc["paths"].items()) {
    for (const auto& [method, op] : methods.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const std::string text = op.value("description", std::string());
      const auto at = text.find("Roles: ");
      out[upper + " " + path] =
          at == std::string::npos ? "" : text.substr(at + 7, text.find('.', at) - at - 7);
    }
  }
  return out;
}

/// The roles a rule accepts, spelled as openapi.json spells them ("any", "a, b").
std::string spelled(const Rule& rule) {
  if (rule.kind == Rule::Kind::any_role) return "any";
  if (rule.kind == Rule::Kind::open) return "";
  std::vector<std::string> names;
  for (const auto role : rule.roles) names.emplace_back(core::role_name(role));
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string sorted_list(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream in(text);
  std::string name;
  while (std::getline(in, name, ',')) names.push_back(name.substr(name.find_first_not_of(' ')));
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& item : names) out += (out.empty() ? "" : ", ") + item;
  return out;
}

class AuthorizationMatrixTest : public SecureServerTest {
 protected:
  httplib::Result call_api(const std::string& method, const std::string& path, const Rule& rule,
                           const httplib::Headers& headers) {
    const std::string target = rule.query.empty() ? path : path + "?" + rule.query;
    auto c = client();
    if (method == "GET") return c.Get(target, headers);
    if (method == "DELETE") return c.Delete(target, headers);
    return c.Post(target, headers, rule.body, "application/json");
  }

  // Asks every API route as `who` and checks the answer against the table.
  void check_api_as(const std::string& who, const httplib::Headers& headers,
                    std::optional<Role> role) {
    const auto rules = api_rules(snapshot_id_);
    for (const auto& route : web_->server->routes()) {
      const auto rule_it = rules.find(key(route));
      ASSERT_NE(rule_it, rules.end()) << key(route) << " has no row in the matrix";
      Rule rule = rule_it->second;
      if (key(route) == "POST /api/v1/session") {
        rule.body = json{{"username", "rita"}, {"password", password_of("rita")}}.dump();
      }
      const auto res = call_api(route.method, concrete(route.method, route.path), rule, headers);
      ASSERT_TRUE(res) << key(route) << " as " << who;
      const std::string what = key(route) + " as " + who + " -> " + std::to_string(res->status) +
                               " " + res->body.substr(0, 300);
      ++checked_;
      EXPECT_LT(res->status, 500) << what;
      if (rule.kind == Rule::Kind::open) {
        EXPECT_NE(res->status, 401) << what;
        EXPECT_NE(res->status, 403) << what;
      } else if (!role) {
        EXPECT_EQ(res->status, 401) << what;
      } else if (rule.allows(*role)) {
        EXPECT_NE(res->status, 401) << what;
        EXPECT_NE(res->status, 403) << what;
      } else {
        EXPECT_EQ(res->status, 403) << what;
        EXPECT_NE(res->body.find("role_required"), std::string::npos) << what;
      }
    }
  }

  // Asks every page as `who` (a session cookie, or none); POST forms carry the right token.
  void check_pages_as(const std::string& who, const std::optional<Session>& session,
                      std::optional<Role> role) {
    const auto rules = page_rules(snapshot_id_);
    std::vector<RouteInfo> pages = web_->server->page_routes();
    // Signing out ends the session the later requests need: last.
    std::stable_partition(pages.begin(), pages.end(),
                          [](const RouteInfo& page) { return page.path != "/logout"; });
    for (const auto& page : pages) {
      const auto rule_it = rules.find(key(page));
      ASSERT_NE(rule_it, rules.end()) << key(page) << " has no row in the matrix";
      const Rule& rule = rule_it->second;
      if (key(page) == "POST /login") continue;  // its own token: web_security_test
      std::string path = concrete(page.method, page.path);
      if (!rule.query.empty()) path += "?" + rule.query;
      httplib::Headers headers = {{"Accept", "text/html"}};
      if (session) headers.emplace("Cookie", session->cookie);
      auto c = client();
      std::string body = rule.body == "{}" ? "" : rule.body;
      if (session) body += (body.empty() ? "" : "&") + std::string("csrf_token=") + session->csrf;
      const auto res = page.method == "GET"
                           ? c.Get(path, headers)
                           : c.Post(path, headers, body, "application/x-www-form-urlencoded");
      ASSERT_TRUE(res) << key(page) << " as " << who;
      const std::string what = key(page) + " as " + who + " -> " + std::to_string(res->status) +
                               " " + res->get_header_value("Location");
      ++checked_;
      EXPECT_LT(res->status, 500) << what << res->body.substr(0, 300);
      if (rule.kind == Rule::Kind::open) {
        EXPECT_NE(res->status, 403) << what;
      } else if (!session || !role) {
        EXPECT_EQ(res->status, 303) << what;
        EXPECT_EQ(res->get_header_value("Location").rfind("/login", 0), 0u) << what;
      } else if (rule.allows(*role)) {
        EXPECT_NE(res->status, 403) << what << res->body.substr(0, 300);
        if (page.method == "GET") {
          EXPECT_EQ(res->status, 200) << what;
        }
      } else {
        EXPECT_EQ(res->status, 403) << what;
        EXPECT_NE(res->body.find("role does not give access"), std::string::npos) << what;
        EXPECT_EQ(res->body.find("acme-"), std::string::npos)
            << what << ": a refusal shows no data";
      }
    }
  }

  int checked_ = 0;
};

TEST_P(AuthorizationMatrixTest, EveryRouteAndPageHasARowAndEveryRowIsServed) {
  std::set<std::string> served;
  for (const auto& route : web_->server->routes()) served.insert(key(route));
  for (const auto& page : web_->server->page_routes()) served.insert("page " + key(page));
  std::set<std::string> expected;
  for (const auto& [name, rule] : api_rules(snapshot_id_)) expected.insert(name);
  for (const auto& [name, rule] : page_rules(snapshot_id_)) expected.insert("page " + name);
  for (const auto& name : served) EXPECT_TRUE(expected.contains(name)) << name << ": no row";
  for (const auto& name : expected) EXPECT_TRUE(served.contains(name)) << name << ": not served";
  // The API table covers what openapi.json documents (api_test checks openapi.json = routes).
  EXPECT_GE(web_->server->routes().size(), 41u);
}

TEST_P(AuthorizationMatrixTest, TheApiRowsAgreeWithTheRolesOpenApiDocuments) {
  const auto documented = documented_roles();
  for (const auto& [name, rule] : api_rules(snapshot_id_)) {
    const auto it = documented.find(name);
    ASSERT_NE(it, documented.end()) << name << " is not in openapi.json";
    if (it->second == "any (admin for others)") {
      // Own tokens: any role; the matrix aims DELETE at another user's token (admin only).
      EXPECT_TRUE(spelled(rule) == "any" || spelled(rule) == "admin") << name;
      continue;
    }
    EXPECT_EQ(spelled(rule), it->second == "any" ? "any" : sorted_list(it->second))
        << name << ": the matrix and openapi.json disagree";
  }
}

TEST_P(AuthorizationMatrixTest, EveryApiRouteAnswersEachRoleAsSection6Says) {
  for (const auto& [user, role] : kRoleUsers) {
    SCOPED_TRACE(user);
    check_api_as(std::string(core::role_name(role)),
                 {{"Authorization", "Bearer " + token_of(user)}}, role);
  }
  EXPECT_GE(checked_, 6 * 41);
}

TEST_P(AuthorizationMatrixTest, EveryProtectedApiRouteRefusesNobodyARevokedTokenAndADisabledUser) {
  check_api_as("anonymous", {}, std::nullopt);
  const auto revoked = web_->auth->create_token(kSetup, "adam", "to revoke");
  web_->auth->revoke_token(kSetup, revoked.id);
  check_api_as("revoked token", {{"Authorization", "Bearer " + revoked.secret}}, std::nullopt);
  web_->auth->create_user(kSetup, "gone", "", password_of("gone"), "admin");
  const auto gone_token = token_of("gone");
  web_->auth->disable_user(kSetup, "gone");
  check_api_as("disabled admin", {{"Authorization", "Bearer " + gone_token}}, std::nullopt);
  check_api_as("malformed token", {{"Authorization", "Bearer rlk_0000"}}, std::nullopt);
  check_api_as("unknown session", {{"Cookie", "risklab_session=" + std::string(64, 'a')}},
               std::nullopt);
}

TEST_P(AuthorizationMatrixTest, EveryPageAnswersEachRoleAsTheUiTableSays) {
  for (const auto& [user, role] : kRoleUsers) {
    SCOPED_TRACE(user);
    check_pages_as(std::string(core::role_name(role)), sign_in(user), role);
  }
  check_pages_as("anonymous", std::nullopt, std::nullopt);
  auto ended = sign_in("adam");
  ASSERT_EQ(client()
                .Delete("/api/v1/session", {{"Cookie", ended.cookie}, {"X-CSRF-Token", ended.csrf}})
                ->status,
            204);
  check_pages_as("signed-out session", ended, std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthorizationMatrixTest,
                         ::testing::ValuesIn(test::all_backends()), test::BackendName());

}  // namespace
}  // namespace risklab::web::test_security
