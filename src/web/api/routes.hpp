#pragma once

namespace risklab::web {

class Router;

/// Each registers one resource's routes; the table of each fits on one screen.
void register_system_routes(Router& router);      // /healthz, /metrics, /api/v1/openapi.json
void register_session_routes(Router& router);     // /api/v1/session
void register_score_routes(Router& router);       // /api/v1/score, /score/batch, /assessments
void register_model_routes(Router& router);       // /api/v1/models
void register_audit_routes(Router& router);       // /api/v1/audit
void register_user_routes(Router& router);        // /api/v1/users, /api/v1/tokens
void register_outcome_routes(Router& router);     // /api/v1/outcomes, /api/v1/outbox
void register_snapshot_routes(Router& router);    // /api/v1/snapshots
void register_training_routes(Router& router);    // /api/v1/training-jobs
void register_monitoring_routes(Router& router);  // /api/v1/monitoring

}  // namespace risklab::web
