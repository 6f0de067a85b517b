#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "service/decision_service.hpp"
#include "service/scoring_service.hpp"
#include "web/api/routes.hpp"
#include "web/detail/request_bodies.hpp"
#include "web/detail/score_answer.hpp"
#include "web/detail/score_body.hpp"
#include "web/router.hpp"

namespace risklab::web {
namespace {

nlohmann::json decision_json(const service::DecisionView& decision) {
  return {{"id", decision.id},
          {"assessment_id", decision.assessment_id},
          {"decision", decision.decision},
          {"recommendation", decision.recommendation},
          {"override", decision.is_override},
          {"rationale", decision.rationale ? nlohmann::json(*decision.rationale) : nullptr},
          {"reason_code", decision.reason_code ? nlohmann::json(*decision.reason_code) : nullptr},
          {"decided_by", decision.decided_by},
          {"decided_at", decision.decided_at}};
}

}  // namespace

void register_score_routes(Router& router) {
  App& app = router.app();
  Metrics& metrics = router.metrics();
  router.add(
      "POST", "/api/v1/score", Access::signed_in,
      [&app, &metrics](const httplib::Request& req, httplib::Response&, RequestContext& ctx) {
        // The request thread does not wait for the group commit: the answer is sent once the
        // scoring's transaction has committed, and the thread serves the next request meanwhile.
        const auto input = detail::read_score_body(req.body);
        // A statement's features are read from the database: not on an I/O thread.
        if (ctx.on_io_thread && input.statement_id) return ctx.hand_to_worker();
        auto done = ctx.defer();
        app.scoring.score_async(
            *ctx.actor, input,
            [done, &metrics](service::ScoreResult* result, std::exception_ptr error) {
              if (!result) return done->fail(error);
              // Called by the group commit's writer right after its commit, for every scoring
              // it stored: the answer is built, counted, logged and written by the I/O thread
              // of its connection, which the writer wakes once for the answers it hands over
              // together. Built by the writer itself (sessions 20-21), it held up the next
              // commit by ~30 % of the writer's time; by a request worker (sessions 7-19), each
              // answer woke that worker (docs/PERFORMANCE.md "Session 22").
              done->hand_off([done, &metrics, result = std::move(*result)] {
                metrics.add_scorings(1);
                std::string answer;
                try {
                  answer = detail::score_answer(result);
                } catch (...) {
                  return done->fail(std::current_exception());
                }
                done->reply(201, std::move(answer));
              });
            });
      },
      Placement::io_thread_unless_blocking);
  router.add(
      "POST", "/api/v1/score/batch", Access::signed_in,
      [&app, &metrics](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
        const auto inputs = detail::score_batch_inputs(json_body(req));
        const auto results = app.scoring.score_batch(*ctx.actor, inputs);
        metrics.add_scorings(static_cast<long long>(results.size()));
        std::string out = "{\"results\":[";
        for (std::size_t i = 0; i < results.size(); ++i) {
          if (i) out += ',';
          out += detail::score_answer(results[i]);
        }
        res.status = 201;
        res.set_content(out + "]}", "application/json");
      });
  router.add("GET", "/api/v1/assessments/{id}", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               const long long id = id_param(req);
               const auto record = app.scoring.get(*ctx.actor, id);
               const auto decision = app.decisions.find(id);
               reply(res, 200,
                     {{"id", record.id},
                      {"model_id", record.model_id},
                      {"statement_id",
                       record.statement_id ? nlohmann::json(*record.statement_id) : nullptr},
                      {"company", record.company ? nlohmann::json(*record.company) : nullptr},
                      {"pd", record.pd},
                      {"grade", record.grade},
                      {"recommendation", record.recommendation},
                      {"inputs", record.inputs},
                      {"drivers", record.drivers},
                      {"out_of_range", record.out_of_range},
                      {"created_at", record.created_at},
                      {"created_by", record.created_by},
                      {"decision", decision ? decision_json(*decision) : nullptr}});
             });
  router.add("POST", "/api/v1/assessments/{id}/decision", Access::signed_in,
             [&app](const httplib::Request& req, httplib::Response& res, RequestContext& ctx) {
               auto input = detail::decision_input(json_body(req));
               input.assessment_id = id_param(req);
               reply(res, 201, decision_json(app.decisions.decide(*ctx.actor, input)));
             });
  router.add("GET", "/api/v1/decision-reasons", Access::signed_in,
             [](const httplib::Request&, httplib::Response& res, RequestContext&) {
               reply(res, 200, {{"reason_codes", service::override_reason_codes()}});
             });
}

}  // namespace risklab::web
