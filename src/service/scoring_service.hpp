#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/role.hpp"

namespace risklab::ml {
class MasterScale;
}
namespace risklab::store {
class Database;
}

namespace risklab::service {

class Champion;
class LoadedModel;
namespace detail {
class GroupCommit;
class Explanations;
}

/// Turns a grade into the model's recommendation: grades up to `approve_up_to` → approve, from
/// `decline_from` on (and the default grade) → decline, between → refer. Nothing is ever
/// decided automatically: a person records the decision.
struct DecisionPolicy {
  std::string approve_up_to = "R6";
  std::string decline_from = "R9";

  /// "approve", "refer" or "decline" for `grade` on `scale`. Throws InvalidInput
  /// ("bad_policy") if the policy's grades are not on the scale or out of order.
  std::string recommend(const ml::MasterScale& scale, const std::string& grade) const;
};

/// Feature values by name (null = a known missing value), in the order given; a name given
/// twice counts with its last value. A flat list whose names share one buffer: filling it from
/// a request costs no allocation per name (a map costs a node and a rebalance, a list of
/// strings one allocation per name). Names read from it are views into that buffer, valid
/// until the next add() or operator[].
class FeatureValues {
 public:
  using Entry = std::pair<std::string_view, std::optional<double>>;

  /// Adds a value; a later one for the same name wins. `text`, when given, is the JSON number
  /// the value was read from (so it reads back as exactly `value`): the stored inputs keep it
  /// as the caller wrote it instead of printing the value again.
  void add(std::string_view name, std::optional<double> value, std::string_view text = {}) {
    slots_.push_back({names_.size(), name.size(), text.size(), value});
    names_.append(name);
    names_.append(text);
  }
  /// The latest value given for `name`, added (as null) if there is none yet. Its JSON text,
  /// if any, is dropped: the value may be changed through the reference.
  std::optional<double>& operator[](std::string_view name);
  /// The i-th entry (in the order added) and the JSON text of its value (empty if none).
  Entry entry(std::size_t i) const {
    const Slot& slot = slots_[i];
    return {std::string_view(names_).substr(slot.offset, slot.length), slot.value};
  }
  std::string_view text(std::size_t i) const {
    const Slot& slot = slots_[i];
    return std::string_view(names_).substr(slot.offset + slot.length, slot.text_length);
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Entry;

    const_iterator() = default;
    Entry operator*() const { return owner_->entry(at_); }
    const_iterator& operator++() {
      ++at_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++at_;
      return before;
    }
    bool operator==(const const_iterator& other) const { return at_ == other.at_; }

   private:
    friend class FeatureValues;
    const_iterator(const FeatureValues* owner, std::size_t at) : owner_(owner), at_(at) {}
    const FeatureValues* owner_ = nullptr;
    std::size_t at_ = 0;
  };

  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, slots_.size()}; }
  std::size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  /// Room for `n` names of ~40 bytes and their values' text.
  void reserve(std::size_t n) {
    slots_.reserve(n);
    names_.reserve(n * 60);
  }

 private:
  struct Slot {
    std::size_t offset;  // of the name in names_, its value's text right after it
    std::size_t length;
    std::size_t text_length;
    std::optional<double> value;
  };

  std::string names_;
  std::vector<Slot> slots_;
};

/// What to score: a stored statement, or feature values given directly. A feature given as
/// null is a known missing value (the model imputes it, as documented); a feature left out
/// is an error.
struct ScoreInput {
  std::optional<long long> statement_id;
  std::optional<std::string> company;
  FeatureValues features;
  std::size_t top_k = 5;  ///< drivers to return; 0 = none (skips TreeSHAP)
};

struct ScoreDriver {
  std::string feature;
  std::optional<double> value;  ///< as given (null if missing)
  double contribution = 0.0;    ///< SHAP contribution to the raw forest score
  std::string direction;        ///< "increases_risk" or "decreases_risk"
};

struct OutOfRange {
  std::string feature;
  double value = 0.0;
  double min = 0.0;  ///< of the training data
  double max = 0.0;
};

struct ScoreResult {
  long long assessment_id = 0;
  long long model_id = 0;
  std::string model_version;
  double pd = 0.0;
  std::string grade;
  std::string recommendation;
  std::vector<ScoreDriver> drivers;
  std::vector<OutOfRange> out_of_range;
  std::vector<std::string> ignored_features;  ///< given but not used by the model
  std::vector<std::string> imputed_features;  ///< given as null, imputed
  std::string created_at;
};

/// The drivers as stored in an assessment and returned by the API.
nlohmann::json drivers_json(const std::vector<ScoreDriver>& drivers);
/// The out-of-range warnings as stored in an assessment and returned by the API.
nlohmann::json out_of_range_json(const std::vector<OutOfRange>& items);

/// A stored assessment as people see it.
struct AssessmentView {
  long long id = 0;
  long long model_id = 0;
  std::optional<long long> statement_id;
  std::optional<std::string> company;
  double pd = 0.0;
  std::string grade;
  std::string recommendation;
  nlohmann::json inputs;
  nlohmann::json drivers;
  nlohmann::json out_of_range;
  std::string created_at;
  std::string created_by;
};

/// How a queued scoring ends (ScoringService::score_async): with its stored result, or with
/// the error storing it threw (then `result` is null). Called once, on the group commit's
/// writer thread: it should hand any real work to another thread.
using ScoreCallback = std::function<void(ScoreResult* result, std::exception_ptr error)>;

/// Real-time scoring with the champion: PD, grade, recommendation, exact TreeSHAP drivers,
/// out-of-range warnings; each scoring is stored as an immutable assessment with its audit row
/// before score() returns. Concurrent scorings share write transactions (group commit).
class ScoringService {
 public:
  ScoringService(store::Database& db, Champion& champion, DecisionPolicy policy = {});
  ~ScoringService();
  ScoringService(const ScoringService&) = delete;
  ScoringService& operator=(const ScoringService&) = delete;

  /// Scores one input and stores it (assessment + audit row, committed before this returns;
  /// with other concurrent calls in one transaction). Needs the analyst or risk officer role.
  /// Throws InvalidInput
  /// ("feature_missing", "feature_not_finite") naming the feature, NotFound for an unknown
  /// statement, Unavailable("no_champion") if no model is being served.
  ScoreResult score(const core::Actor& actor, const ScoreInput& input);

  /// As score(), without waiting for the commit: computes the scoring, queues it for the group
  /// commit and returns; `done` gets the result once its transaction has committed. Throws
  /// (and never calls `done`) what score() throws before storing: role, champion, input.
  void score_async(const core::Actor& actor, const ScoreInput& input, ScoreCallback done);

  /// Scores many inputs in one transaction: all are stored or none (the first bad input's
  /// error names its position).
  std::vector<ScoreResult> score_batch(const core::Actor& actor, const std::vector<ScoreInput>& inputs);
  /// The same with a given registered model instead of the champion (`risklab score --model`).
  std::vector<ScoreResult> score_batch(const core::Actor& actor, const LoadedModel& model,
                                       const std::vector<ScoreInput>& inputs);

  /// One stored assessment (any signed-in role); NotFound if unknown.
  AssessmentView get(const core::Actor& actor, long long id);

  const DecisionPolicy& policy() const { return policy_; }

 private:
  store::Database& db_;
  Champion& champion_;
  DecisionPolicy policy_;
  std::unique_ptr<detail::GroupCommit> commits_;
  /// Declared after commits_: stopping, it explains what is queued and hands it to commits_.
  std::unique_ptr<detail::Explanations> explanations_;
};

}  // namespace risklab::service
