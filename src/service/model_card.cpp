#include "service/model_card.hpp"

#include <cstdio>

#include "ml/artifact.hpp"
#include "ml/hyperparameters.hpp"
#include "ml/validation_report.hpp"

namespace risklab::service {
namespace {

using nlohmann::json;

std::string method_text(const ml::Model& model) {
  if (model.is_gbdt()) {
    return "Gradient-boosted trees (libxgboost) on the raw ratios, missing values routed natively; "
           "PDs "
           "calibrated on 5-fold out-of-fold predictions, then mapped to the master scale.";
  }
  return "Median imputation and standard scaling fitted on the training rows, SMOTE on the scaled "
         "training rows "
         "only, random forest (sklearn semantics), prior correction from the resampled to the real "
         "default rate, "
         "then " +
         ml::to_string(model.calibrator.method()) +
         " calibration on out-of-bag predictions, then the master scale.";
}

json limitations(const ml::Model& model, const std::optional<store::SnapshotRecord>& snapshot) {
  json out = json::array();
  out.push_back(
      "Decision support only: the model recommends, a person decides; every decision against the "
      "recommendation is an override with a rationale and a reason code.");
  out.push_back(
      "Trained on " + std::to_string(model.profile.n_rows) + " statements with " +
      std::to_string(model.profile.n_positive) +
      " defaults; PDs of grades with few defaults rest on few observations (see the Pluto-Tasche "
      "bounds in monitoring).");
  out.push_back(
      "Valid for companies like those in the training data: inputs outside the training range of a "
      "ratio are flagged as out of range at scoring; drift is monitored by PSI on frozen bins.");
  out.push_back(
      "Financial ratios only: no macro-economic, sector or qualitative information; such knowledge "
      "enters through documented overrides.");
  if (!snapshot) {
    out.push_back(
        "Registered from a file: no content-addressed training snapshot and no validation report "
        "bind its data lineage.");
  }
  return out;
}

std::string cell(const json& value) {
  if (value.is_string()) return ml::html_escape(value.get<std::string>());
  if (value.is_null()) return "&mdash;";
  return ml::html_escape(value.dump());
}

}  // namespace

json build_model_card(const ModelCardInput& input) {
  const ml::Model& model = *input.model;
  const auto& record = input.record;
  json data = nullptr;
  if (input.snapshot) {
    const auto& s = *input.snapshot;
    data = {{"snapshot_id", s.id},        {"dataset", s.dataset},
            {"rows", s.row_count},        {"defaults", s.default_count},
            {"data_key", s.data_key},     {"manifest_key", s.manifest_key},
            {"created_at", s.created_at}, {"created_by", s.created_by}};
  }
  json bands = json::array();
  for (const auto& band : model.master_scale.bands()) {
    bands.push_back(
        {{"grade", band.grade}, {"lower_pd", band.lower_pd}, {"upper_pd", band.upper_pd}});
  }
  const json registry_metrics = json::parse(record.metrics_json);
  return {
      {"card_version", 1},
      {"model",
       {{"id", record.id},
        {"version", record.version},
        {"family", record.family},
        {"artifact_uri", record.artifact_uri},
        {"artifact_sha256", record.artifact_sha256},
        {"created_at", record.created_at},
        {"trained_by", record.created_by}}},
      {"purpose",
       "Probability of default of a small or medium-sized enterprise from its financial ratios, "
       "with a grade "
       "on the master scale and the drivers of the score, to support a credit analyst's decision."},
      {"data", data},
      {"features", model.features},
      {"method", {{"family", model.family}, {"description", method_text(model)}}},
      {"parameters", ml::model_parameters_json(model)},
      {"metrics", model.metrics},
      {"validation_report", registry_metrics.value("validation_report", json(nullptr))},
      {"calibration",
       {{"method",
         model.is_gbdt() ? "isotonic (out-of-fold)" : ml::to_string(model.calibrator.method())},
        {"base_rate", model.calibrator.base_rate()},
        {"pd_floor", model.master_scale.pd_floor()}}},
      {"master_scale", {{"bands", bands}, {"default_grade", model.master_scale.default_grade()}}},
      {"limitations", limitations(model, input.snapshot)},
      {"approvals",
       {{"trained_by", record.created_by},
        {"approved_by", input.approved_by},
        {"approved_at", input.approved_at},
        {"note", input.note},
        {"four_eyes", record.created_by != input.approved_by}}}};
}

std::string model_card_html(const json& card) {
  const json& m = card.at("model");
  const json& a = card.at("approvals");
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Model card " +
      cell(m.at("version")) +
      "</"
      "title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#"
      "1b1b1b}"
      "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.25rem "
      ".5rem;text-align:left}"
      "</style></head><body>\n<h1>Model card: " +
      cell(m.at("version")) + "</h1>\n<h2>Purpose</h2>\n<p>" + cell(card.at("purpose")) +
      "</p>\n<h2>Approvals</h2>\n<table><tbody><tr><th scope=\"row\">trained by</th><td>" +
      cell(a.at("trained_by")) + "</td></tr><tr><th scope=\"row\">approved by</th><td>" +
      cell(a.at("approved_by")) + " at " + cell(a.at("approved_at")) +
      "</td></tr><tr><th scope=\"row\">note</th><td>" + cell(a.at("note")) +
      "</td></tr></tbody></table>\n<h2>Model</h2>\n<table><tbody>";
  for (const char* key : {"id", "family", "artifact_sha256", "artifact_uri", "created_at"}) {
    html +=
        std::string("<tr><th scope=\"row\">") + key + "</th><td>" + cell(m.at(key)) + "</td></tr>";
  }
  html += "</tbody></table>\n<h2>Method</h2>\n<p>" + cell(card.at("method").at("description")) +
          "</p>\n<h2>Data</h2>\n";
  if (card.at("data").is_object()) {
    html += "<table><tbody>";
    for (const auto& [key, value] : card.at("data").items()) {
      html += "<tr><th scope=\"row\">" + ml::html_escape(key) + "</th><td>" + cell(value) +
              "</td></tr>";
    }
    html += "</tbody></table>\n";
  } else {
    html += "<p>Registered from a file; no training snapshot.</p>\n";
  }
  html += "<h2>Parameters</h2>\n<table><tbody>";
  for (const auto& [key, value] : card.at("parameters").items()) {
    html +=
        "<tr><th scope=\"row\">" + ml::html_escape(key) + "</th><td>" + cell(value) + "</td></tr>";
  }
  html += "</tbody></table>\n<h2>Metrics</h2>\n<table><tbody>";
  for (const auto& [key, value] : card.at("metrics").items()) {
    html +=
        "<tr><th scope=\"row\">" + ml::html_escape(key) + "</th><td>" + cell(value) + "</td></tr>";
  }
  html += "</tbody></table>\n<h2>Calibration and master scale</h2>\n<p>" +
          cell(card.at("calibration").at("method")) + " calibration; PD floor " +
          cell(card.at("calibration").at("pd_floor")) +
          ".</p>\n<table><thead><tr><th scope=\"col\">grade</th>"
          "<th scope=\"col\">PD from</th><th scope=\"col\">PD to</th></tr></thead><tbody>";
  for (const auto& band : card.at("master_scale").at("bands")) {
    html += "<tr><td>" + cell(band.at("grade")) + "</td><td>" + cell(band.at("lower_pd")) +
            "</td><td>" + cell(band.at("upper_pd")) + "</td></tr>";
  }
  html += "</tbody></table>\n<h2>Limitations</h2>\n<ul>";
  for (const auto& item : card.at("limitations")) html += "<li>" + cell(item) + "</li>";
  html += "</ul>\n<h2>Features (" + std::to_string(card.at("features").size()) + ")</h2>\n<ol>";
  for (const auto& feature : card.at("features")) html += "<li>" + cell(feature) + "</li>";
  return html + "</ol>\n</body></html>\n";
}

}  // namespace risklab::service
