// The REST API end to end on every backend: accounts, sessions and tokens, scoring by statement
// and by features, decisions and overrides, the audit trail, and the error shape of every route.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

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
#include "store/detail/session.hpp"
#include "store/migrations.hpp"
#include "support/backends.hpp"
#include "support/model_fixture.hpp"
#include "support/registry_fixture.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "web/server.hpp"
#include "web_stack.hpp"

namespace risklab::web {
namespace {

using nlohmann::json;

const core::Actor kSystem{
    0, "test-setup", {core::Role::admin, core::Role::analyst, core::Role::risk_officer}};

class ApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    test::WebStackOptions options;
    options.max_body_bytes = 256 * 1024;
    web_ = std::make_unique<test::WebStack>(GetParam(), dir_.path(), options);
    for (const auto& [name, roles] : std::vector<std::pair<std::string, std::string>>{
             {"admin", "admin"}, {"ana", "analyst"}, {"rita", "risk_officer"}, {"vic", "viewer"}}) {
      web_->auth->create_user(kSystem, name, "", name + "-password-1", roles);
    }
  }

  // Registers the reference model and makes it the champion; imports 30 statements.
  void with_model_and_statements() {
    const auto model = web_->registry->register_artifact(kSystem, test::reference_model_path());
    test::approve_and_promote(*web_->registry, model.id);
    web_->champion->refresh();
    service::ImportOptions import;
    import.file = test::reference_head_csv(dir_.path().string(), 30);
    import.label_column = "Bankrupt?";
    service::ImportService(*web_->db).import_csv(import);
  }

  httplib::Client client() { return web_->client(); }

  // Signs in and returns a client that sends the session cookie and CSRF header.
  struct Session {
    httplib::Headers headers;
  };
  Session sign_in(const std::string& user) {
    auto c = client();
    const auto res = c.Post("/api/v1/session",
                            json{{"username", user}, {"password", user + "-password-1"}}.dump(),
                            "application/json");
    EXPECT_EQ(res->status, 200) << res->body;
    const auto cookie = res->get_header_value("Set-Cookie");
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    return {{{"Cookie", cookie.substr(0, cookie.find(';'))},
             {"X-CSRF-Token", json::parse(res->body)["csrf_token"].get<std::string>()}}};
  }

  httplib::Result post(const Session& session, const std::string& path, const json& body) {
    return client().Post(path, session.headers, body.dump(), "application/json");
  }
  httplib::Result get(const Session& session, const std::string& path) {
    return client().Get(path, session.headers);
  }

  json features_of_row(std::size_t row) {
    service::ImportOptions unused;
    std::ifstream in(test::shared_data("taiwan_bankruptcy.csv"));
    std::string header, line;
    std::getline(in, header);
    for (std::size_t i = 0; i <= row; ++i) std::getline(in, line);
    json features = json::object();
    std::stringstream names(header), values(line);
    std::string name, value;
    std::getline(names, name, ',');
    std::getline(values, value, ',');  // the label
    while (std::getline(names, name, ',') && std::getline(values, value, ',')) {
      features[name.substr(name.find_first_not_of(' '))] = std::stod(value);
    }
    return features;
  }

  long long assessments() {
    store::Transaction tx(*web_->db);
    return store::AssessmentRepository().count(tx);
  }

  static void expect_error_shape(const httplib::Result& res, int status) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    const auto body = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << res->body;
    EXPECT_TRUE(body["error"]["code"].is_string()) << res->body;
    EXPECT_TRUE(body["error"]["message"].is_string()) << res->body;
  }

  test::TempDir dir_;
  std::unique_ptr<test::WebStack> web_;
};

TEST_P(ApiTest, ScoreByStatementAndFeaturesDecideOverrideAndAuditEndToEnd) {
  with_model_and_statements();
  const auto ana = sign_in("ana");

  auto res = post(ana, "/api/v1/score", {{"statement_id", 1}});
  ASSERT_EQ(res->status, 201) << res->body;
  const auto by_statement = json::parse(res->body);
  EXPECT_GT(by_statement["pd"].get<double>(), 0.0);
  EXPECT_LT(by_statement["pd"].get<double>(), 1.0);
  EXPECT_FALSE(by_statement["grade"].get<std::string>().empty());
  EXPECT_EQ(by_statement["drivers"].size(), 5u);
  EXPECT_TRUE(by_statement["model_version"].get<std::string>().starts_with("rf-"));

  res = post(ana, "/api/v1/score",
             {{"company", "acme"}, {"features", features_of_row(0)}, {"top_k", 3}});
  ASSERT_EQ(res->status, 201) << res->body;
  const auto by_features = json::parse(res->body);
  EXPECT_DOUBLE_EQ(by_features["pd"].get<double>(), by_statement["pd"].get<double>())
      << "the same row scores the same by statement and by features";
  EXPECT_EQ(by_features["drivers"].size(), 3u);

  // A decision that follows the recommendation needs no rationale.
  const auto follow_id = by_statement["assessment_id"].get<long long>();
  const std::string recommended = by_statement["recommendation"];
  res = post(ana, "/api/v1/assessments/" + std::to_string(follow_id) + "/decision",
             {{"decision", recommended}});
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_FALSE(json::parse(res->body)["override"].get<bool>());
  expect_error_shape(post(ana, "/api/v1/assessments/" + std::to_string(follow_id) + "/decision",
                          {{"decision", recommended}}),
                     409);

  // Against the recommendation: an override, refused without rationale and reason code.
  const auto other_id = by_features["assessment_id"].get<long long>();
  const std::string against = recommended == "approve" ? "decline" : "approve";
  const std::string path = "/api/v1/assessments/" + std::to_string(other_id) + "/decision";
  expect_error_shape(post(ana, path, {{"decision", against}}), 422);
  expect_error_shape(
      post(ana, path, {{"decision", against}, {"rationale", "strong guarantor in place"}}), 422);
  res = post(ana, path,
             {{"decision", against},
              {"rationale", "strong guarantor in place"},
              {"reason_code", "guarantee"}});
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_TRUE(json::parse(res->body)["override"].get<bool>());

  res = get(ana, "/api/v1/assessments/" + std::to_string(other_id));
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["decision"]["reason_code"], "guarantee");

  const auto rita = sign_in("rita");
  res = get(rita, "/api/v1/audit?entity_type=assessment");
  ASSERT_EQ(res->status, 200) << res->body;
  std::set<std::string> actions;
  const auto audit = json::parse(res->body);
  for (const auto& entry : audit["entries"]) actions.insert(entry["action"]);
  EXPECT_TRUE(actions.contains("assessment.created"));
  EXPECT_TRUE(actions.contains("decision.recorded"));
  EXPECT_TRUE(actions.contains("decision.override"));
  res = get(rita, "/api/v1/audit/verify");
  EXPECT_TRUE(json::parse(res->body)["ok"].get<bool>()) << res->body;

  // Tampering with one row directly in the database is found and named by the CLI.
  {
    store::Transaction tx(*web_->db);
    store::detail::sql(tx) << "UPDATE audit_log SET actor = 'mallory' WHERE id = 3";
    tx.commit();
  }
  const auto verify = test::run_risklab({"--db", web_->test_db->url(), "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 4) << verify.out << verify.err;
  EXPECT_NE(verify.err.find("broken at row 3"), std::string::npos) << verify.err;
}

TEST_P(ApiTest, EveryProtectedRouteAnswers401WithoutCredentials) {
  const std::set<std::string> open = {"/healthz", "/metrics", "/api/v1/openapi.json"};
  for (const auto& route : web_->server->routes()) {
    if (open.contains(route.path) || (route.path == "/api/v1/session" && route.method == "POST"))
      continue;
    std::string path = route.path;
    for (const char* param : {"{id}", "{username}"}) {
      if (const auto at = path.find(param); at != std::string::npos)
        path.replace(at, std::strlen(param), "1");
    }
    if (const auto at = path.find("{snapshot_id}"); at != std::string::npos) {
      path.replace(at, std::strlen("{snapshot_id}"), std::string(64, 'a'));
    }
    auto c = client();
    httplib::Result res = route.method == "GET"      ? c.Get(path)
                          : route.method == "DELETE" ? c.Delete(path)
                                                     : c.Post(path, "{}", "application/json");
    expect_error_shape(res, 401);
  }
}

TEST_P(ApiTest, WrongRoleIs403AndWritesNothing) {
  with_model_and_statements();
  const auto before = assessments();
  expect_error_shape(post(sign_in("vic"), "/api/v1/score", {{"statement_id", 1}}), 403);
  expect_error_shape(get(sign_in("ana"), "/api/v1/users"), 403);
  expect_error_shape(post(sign_in("ana"), "/api/v1/models/1/promote", json::object()), 403);
  expect_error_shape(get(sign_in("ana"), "/api/v1/audit"), 403);
  EXPECT_EQ(assessments(), before);
}

TEST_P(ApiTest, BadInputIs4xxWithTheErrorShapeAndWritesNothing) {
  with_model_and_statements();
  const auto ana = sign_in("ana");
  const auto before = assessments();
  auto c = client();
  expect_error_shape(c.Post("/api/v1/score", ana.headers, "{not json", "application/json"), 422);
  auto features = features_of_row(0);
  features.erase("Net Income Flag");
  auto res = post(ana, "/api/v1/score", {{"features", features}});
  expect_error_shape(res, 422);
  EXPECT_NE(res->body.find("Net Income Flag"), std::string::npos) << res->body;
  features = features_of_row(0);
  features["Cash Flow Per Share"] = "abc";
  res = post(ana, "/api/v1/score", {{"features", features}});
  expect_error_shape(res, 422);
  EXPECT_NE(res->body.find("Cash Flow Per Share"), std::string::npos) << res->body;
  expect_error_shape(
      c.Post("/api/v1/score", ana.headers, R"({"features": {"a": 1e999}})", "application/json"),
      422);
  expect_error_shape(
      c.Post("/api/v1/score", ana.headers, std::string(300 * 1024, ' '), "application/json"), 413);
  expect_error_shape(post(ana, "/api/v1/score", {{"statement_id", 999999}}), 404);
  EXPECT_EQ(assessments(), before);
}

TEST_P(ApiTest, MissingValuesSentAsNullAreImputedAndExtraFeaturesReported) {
  with_model_and_statements();
  auto features = features_of_row(1);
  features["Cash Flow Per Share"] = nullptr;
  features["Not A Model Feature"] = 1.0;
  const auto res = post(sign_in("ana"), "/api/v1/score", {{"features", features}});
  ASSERT_EQ(res->status, 201) << res->body;
  const auto body = json::parse(res->body);
  EXPECT_EQ(body["imputed_features"], json::array({"Cash Flow Per Share"}));
  EXPECT_EQ(body["ignored_features"], json::array({"Not A Model Feature"}));
}

TEST_P(ApiTest, CookieSessionsNeedTheCsrfHeaderToChangeState) {
  with_model_and_statements();
  auto session = sign_in("ana");
  session.headers.erase("X-CSRF-Token");
  const auto res = post(session, "/api/v1/score", {{"statement_id", 1}});
  expect_error_shape(res, 403);
  EXPECT_NE(res->body.find("csrf"), std::string::npos);
}

TEST_P(ApiTest, ApiTokensWorkUntilRevoked) {
  with_model_and_statements();
  const auto ana = sign_in("ana");
  auto res = post(ana, "/api/v1/tokens", {{"name", "loan origination system"}});
  ASSERT_EQ(res->status, 201) << res->body;
  const auto token = json::parse(res->body);
  const httplib::Headers bearer = {
      {"Authorization", "Bearer " + token["token"].get<std::string>()}};
  auto c = client();
  res = c.Post("/api/v1/score", bearer, json{{"statement_id", 2}}.dump(), "application/json");
  EXPECT_EQ(res->status, 201) << res->body;
  res = client().Delete("/api/v1/tokens/" + std::to_string(token["id"].get<long long>()),
                        ana.headers);
  EXPECT_EQ(res->status, 204) << res->body;
  expect_error_shape(
      c.Post("/api/v1/score", bearer, json{{"statement_id", 2}}.dump(), "application/json"), 401);
}

TEST_P(ApiTest, RepeatedFailedLoginsAreRateLimited) {
  auto c = client();
  for (int attempt = 0; attempt < 5; ++attempt) {
    expect_error_shape(
        c.Post("/api/v1/session", R"({"username":"ana","password":"wrong-password"})",
               "application/json"),
        401);
  }
  expect_error_shape(c.Post("/api/v1/session", R"({"username":"ana","password":"ana-password-1"})",
                            "application/json"),
                     429);
}

TEST_P(ApiTest, HealthAndMetricsReportTheChampion) {
  auto res = client().Get("/healthz");
  EXPECT_EQ(json::parse(res->body)["status"], "degraded");
  with_model_and_statements();
  res = client().Get("/healthz");
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["status"], "ok");
  post(sign_in("ana"), "/api/v1/score", {{"statement_id", 1}});
  res = client().Get("/metrics");
  EXPECT_NE(res->body.find("risklab_scorings_total 1"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("risklab_http_request_duration_seconds_bucket{route=\"/api/v1/score\""),
            std::string::npos);
  EXPECT_NE(res->body.find("risklab_champion_info{version=\"rf-"), std::string::npos);
}

TEST_P(ApiTest, SnapshotsAreCreatedListedShownAndVerifiedWithRolesChecked) {
  with_model_and_statements();
  service::SnapshotService snapshots(*web_->db, *web_->lake);
  web_->app->snapshots = &snapshots;
  web_->auth->create_user(kSystem, "sam", "", "sam-password-1", "data_steward");
  const auto steward = sign_in("sam");

  expect_error_shape(post(sign_in("ana"), "/api/v1/snapshots", json::object()), 403);
  expect_error_shape(post(steward, "/api/v1/snapshots", {{"note", 5}}), 422);
  expect_error_shape(post(steward, "/api/v1/snapshots", {{"dataset", "nope"}}), 404);
  EXPECT_TRUE(web_->lake->list("snapshots/").empty()) << "refused requests write nothing";

  const auto created = post(steward, "/api/v1/snapshots", {{"note", "quarter end"}});
  ASSERT_EQ(created->status, 201) << created->body;
  const auto snapshot = json::parse(created->body);
  const std::string id = snapshot["id"];
  EXPECT_EQ(snapshot["rows"], 30);
  EXPECT_EQ(snapshot["created"], true);
  EXPECT_EQ(snapshot["note"], "quarter end");
  const auto same = post(steward, "/api/v1/snapshots", json::object());
  ASSERT_EQ(same->status, 200) << same->body;
  EXPECT_EQ(json::parse(same->body)["id"], id);
  EXPECT_EQ(json::parse(same->body)["created"], false);

  const auto viewer = sign_in("vic");
  const auto listed = get(viewer, "/api/v1/snapshots");
  ASSERT_EQ(listed->status, 200);
  EXPECT_EQ(json::parse(listed->body)["snapshots"].size(), 1u);
  const auto shown = get(viewer, "/api/v1/snapshots/" + id);
  ASSERT_EQ(shown->status, 200) << shown->body;
  EXPECT_EQ(json::parse(shown->body)["manifest"]["rows"], 30);
  expect_error_shape(get(viewer, "/api/v1/snapshots/" + std::string(64, '0')), 404);
  expect_error_shape(post(viewer, "/api/v1/snapshots/" + id + "/verify", json::object()), 403);
  const auto verified =
      post(sign_in("rita"), "/api/v1/snapshots/" + id + "/verify", json::object());
  ASSERT_EQ(verified->status, 200) << verified->body;
  EXPECT_EQ(json::parse(verified->body)["ok"], true);
  web_->app->snapshots = nullptr;
}

TEST_P(ApiTest, TrainingJobsAreQueuedFollowedAndCancelledWithRolesChecked) {
  with_model_and_statements();
  service::SnapshotService snapshots(*web_->db, *web_->lake);
  service::TrainingService training(*web_->db, *web_->lake);
  web_->app->snapshots = &snapshots;
  web_->app->training = &training;
  const std::string snapshot = snapshots.create(kSystem, {}).snapshot.id;
  web_->auth->create_user(kSystem, "dev", "", "dev-password-1", "model_developer");
  const auto developer = sign_in("dev");

  expect_error_shape(post(sign_in("ana"), "/api/v1/training-jobs", {{"snapshot_id", snapshot}}),
                     403);
  expect_error_shape(post(developer, "/api/v1/training-jobs", json::object()), 422);
  expect_error_shape(post(developer, "/api/v1/training-jobs",
                          {{"snapshot_id", snapshot}, {"parameters", {{"depth", 3}}}}),
                     422);
  expect_error_shape(
      post(developer, "/api/v1/training-jobs", {{"snapshot_id", std::string(64, 'c')}}), 404);

  const auto queued = post(developer, "/api/v1/training-jobs",
                           {{"snapshot_id", snapshot},
                            {"family", "rf"},
                            {"parameters", {{"trees", 6}, {"test_fraction", 0.4}}}});
  ASSERT_EQ(queued->status, 201) << queued->body;
  const long long id = json::parse(queued->body)["id"];
  EXPECT_EQ(json::parse(queued->body)["status"], "queued");

  service::WorkerSettings worker;
  worker.name = "api-test-worker";
  ASSERT_TRUE(training.run_next(worker));
  const auto done = get(sign_in("vic"), "/api/v1/training-jobs/" + std::to_string(id));
  ASSERT_EQ(done->status, 200) << done->body;
  const auto job = json::parse(done->body);
  EXPECT_EQ(job["status"], "succeeded") << done->body;
  EXPECT_EQ(job["progress"], 1.0);
  EXPECT_EQ(job["split"]["test_fraction"], 0.4);
  EXPECT_TRUE(job["model_id"].is_number());
  const auto model =
      get(developer, "/api/v1/models/" + std::to_string(job["model_id"].get<long long>()));
  EXPECT_EQ(json::parse(model->body)["status"], "candidate") << model->body;
  expect_error_shape(
      post(developer, "/api/v1/training-jobs/" + std::to_string(id) + "/cancel", json::object()),
      409);
  const std::string model_path =
      "/api/v1/models/" + std::to_string(job["model_id"].get<long long>());
  const auto report = get(sign_in("vic"), model_path + "/report");
  ASSERT_EQ(report->status, 200) << report->body;
  EXPECT_EQ(json::parse(report->body)["holdout"]["rows"], 12);
  const auto page = get(developer, model_path + "/report?format=html");
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("<table"), std::string::npos);
  expect_error_shape(get(developer, "/api/v1/models/1/report"),
                     404);  // registered by hand: no report
  const auto listed = get(developer, "/api/v1/training-jobs");
  EXPECT_EQ(json::parse(listed->body)["training_jobs"].size(), 1u);

  // Four-eyes: the developer who started the job cannot approve (nor lacks only the role: an
  // analyst cannot either); promotion waits for a risk officer's approval.
  web_->auth->create_user(kSystem, "dora", "", "dora-password-1", "model_developer,risk_officer");
  const auto dora = sign_in("dora");
  const auto job_by_dora =
      post(dora, "/api/v1/training-jobs",
           {{"snapshot_id", snapshot}, {"parameters", {{"trees", 5}, {"test_fraction", 0.4}}}});
  ASSERT_EQ(job_by_dora->status, 201) << job_by_dora->body;
  ASSERT_TRUE(training.run_next(worker));
  const auto dora_job = json::parse(
      get(dora, "/api/v1/training-jobs/" +
                    std::to_string(json::parse(job_by_dora->body)["id"].get<long long>()))
          ->body);
  ASSERT_TRUE(dora_job["model_id"].is_number()) << dora_job.dump();
  const std::string dora_model =
      "/api/v1/models/" + std::to_string(dora_job["model_id"].get<long long>());
  const auto own = post(dora, dora_model + "/approve", {{"note", "mine"}});
  expect_error_shape(own, 403);
  EXPECT_EQ(json::parse(own->body)["error"]["code"], "four_eyes") << own->body;
  expect_error_shape(post(sign_in("ana"), model_path + "/approve", json::object()), 403);
  expect_error_shape(post(developer, model_path + "/approve", json::object()), 403);
  const auto rita = sign_in("rita");
  expect_error_shape(post(rita, model_path + "/promote", json::object()), 409);
  expect_error_shape(post(rita, dora_model + "/reject", json::object()), 422);
  const auto rejected = post(rita, dora_model + "/reject", {{"reason", "not needed"}});
  ASSERT_EQ(rejected->status, 200) << rejected->body;
  EXPECT_EQ(json::parse(rejected->body)["review"]["verdict"], "rejected");
  EXPECT_EQ(json::parse(get(sign_in("vic"), dora_model)->body)["status"], "rejected");

  expect_error_shape(get(rita, model_path + "/card"), 404);  // not approved yet: no card
  const auto approved = post(rita, model_path + "/approve", {{"note", "report reviewed"}});
  ASSERT_EQ(approved->status, 200) << approved->body;
  // The model card is frozen at approval, in the lake, bound by sha256.
  const auto card = get(sign_in("vic"), model_path + "/card");
  ASSERT_EQ(card->status, 200) << card->body;
  const auto card_json = json::parse(card->body);
  EXPECT_EQ(card_json["approvals"]["approved_by"], "rita");
  EXPECT_EQ(card_json["approvals"]["trained_by"], "dev");
  EXPECT_EQ(card_json["approvals"]["four_eyes"], true);
  EXPECT_EQ(card_json["data"]["snapshot_id"], snapshot);
  EXPECT_EQ(card_json["features"].size(), 95u);
  const auto card_page = get(rita, model_path + "/card?format=html");
  ASSERT_EQ(card_page->status, 200);
  EXPECT_NE(card_page->body.find("<h2>Limitations</h2>"), std::string::npos);
  EXPECT_EQ(json::parse(approved->body)["status"], "approved");
  EXPECT_EQ(json::parse(approved->body)["review"]["reviewer"], "rita");
  const auto promoted = post(rita, model_path + "/promote", json::object());
  ASSERT_EQ(promoted->status, 200) << promoted->body;
  const std::string new_version = json::parse(promoted->body)["version"];
  const auto scored = post(sign_in("ana"), "/api/v1/score", {{"statement_id", 1}});
  ASSERT_EQ(scored->status, 201) << scored->body;
  EXPECT_EQ(json::parse(scored->body)["model_version"], new_version);

  // Rollback restores the retired hand-registered champion (model 1).
  expect_error_shape(post(sign_in("ana"), "/api/v1/models/1/rollback", json::object()), 403);
  const auto rolled = post(rita, "/api/v1/models/1/rollback", json::object());
  ASSERT_EQ(rolled->status, 200) << rolled->body;
  EXPECT_EQ(json::parse(rolled->body)["status"], "champion");
  EXPECT_EQ(json::parse(get(rita, model_path)->body)["status"], "retired");
  web_->app->training = nullptr;
  web_->app->snapshots = nullptr;
}

TEST_P(ApiTest, MonitoringIsReadByRiskOfficersWithBadWindowsNamed) {
  with_model_and_statements();
  service::MonitoringService monitoring(*web_->db, web_->lake.get());
  web_->app->monitoring = &monitoring;
  const auto ana = sign_in("ana");
  for (int i = 1; i <= 10; ++i) post(ana, "/api/v1/score", {{"statement_id", i}});
  const auto rita = sign_in("rita");
  expect_error_shape(get(ana, "/api/v1/monitoring/drift"), 403);
  const auto drift = get(rita, "/api/v1/monitoring/drift");
  ASSERT_EQ(drift->status, 200) << drift->body;
  EXPECT_EQ(json::parse(drift->body)["scorings"], 10);
  EXPECT_EQ(json::parse(drift->body)["features"].size(), 95u);
  const auto bad = get(rita, "/api/v1/monitoring/backtest?from=2026-02-30");
  expect_error_shape(bad, 422);
  EXPECT_NE(bad->body.find("from"), std::string::npos) << bad->body;
  expect_error_shape(get(rita, "/api/v1/monitoring/overrides?performance_months=x"), 422);
  expect_error_shape(get(rita, "/api/v1/monitoring/migration?first=2026-01-01"), 422);
  expect_error_shape(get(rita, "/api/v1/monitoring/drift?model_id=999"), 404);
  const auto backtest = get(rita, "/api/v1/monitoring/backtest");
  ASSERT_EQ(backtest->status, 200) << backtest->body;
  EXPECT_EQ(json::parse(backtest->body)["maturity"]["immature"], 10);
  const auto page = get(rita, "/api/v1/monitoring/report?format=html");
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("Drift of recent scorings"), std::string::npos);
  const auto metrics = client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("risklab_drift_scorings{model_version=\"rf-"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("risklab_backtest_grades{"), std::string::npos);
  web_->app->monitoring = nullptr;
  expect_error_shape(get(rita, "/api/v1/monitoring/drift"), 503);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::ValuesIn(test::all_backends()),
                         test::BackendName());

TEST(OpenApi, EveryRouteIsDocumentedAndEveryDocumentedRouteExists) {
  test::TestDatabase test_db("sqlite");
  auto db = store::Database::open(test_db.url());
  service::AuthService auth(*db);
  service::Champion champion(*db);
  service::ScoringService scoring(*db, champion);
  service::DecisionService decisions(*db);
  service::RegistryService registry(*db);
  service::AuditService audit(*db);
  service::OutcomeService outcomes(*db);
  test::TempDir dir;
  const auto lake = lake::open_lake("file://" + dir.path().string());
  service::OutboxService outbox(*db, *lake);
  App app{*db, auth, scoring, decisions, registry, audit, champion, outcomes, outbox, false};
  Server server(app, {});
  std::ifstream in(test::source_dir() / "web" / "openapi.json");
  const auto doc = json::parse(in);
  std::set<std::pair<std::string, std::string>> documented, registered;
  for (const auto& [path, methods] : doc["paths"].items()) {
    for (const auto& [method, op] : methods.items()) {
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(c));
      documented.emplace(upper, path);
    }
  }
  for (const auto& route : server.routes()) registered.emplace(route.method, route.path);
  for (const auto& route : registered) {
    EXPECT_TRUE(documented.contains(route))
        << route.first << " " << route.second << " is not in openapi.json";
  }
  for (const auto& route : documented) {
    EXPECT_TRUE(registered.contains(route))
        << route.first << " " << route.second << " is documented but not served";
  }
}

}  // namespace
}  // namespace risklab::web
