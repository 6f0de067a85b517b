#pragma once

namespace risklab::web::ui {

class Ui;

/// Each registers one workflow's pages on the UI (one file each, like api/*.cpp).
void register_session_pages(Ui& ui);   // /login, /logout
void register_overview_page(Ui& ui);   // /
void register_score_pages(Ui& ui);     // /score, /assessments/{id}
void register_audit_page(Ui& ui);      // /audit, /audit/verify
void register_ground_truth_pages(Ui& ui);  // /ground-truth, /ground-truth/import
void register_portfolio_pages(Ui& ui);
void register_snapshot_pages(Ui& ui);    // /snapshots, /snapshots/{snapshot_id}
void register_model_pages(Ui& ui);       // /training, /models, /models/{id}
void register_monitoring_page(Ui& ui);   // /monitoring  // /portfolio, /portfolio/import, /portfolio/statements

}  // namespace risklab::web::ui
