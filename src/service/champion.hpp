#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/name_index.hpp"
#include "ml/model.hpp"
#include "ml/tree_shap.hpp"
#include "store/model_repository.hpp"

namespace risklab::lake {
class Lake;
}
namespace risklab::store {
class Database;
}

namespace risklab::service {

/// A champion model loaded for scoring: the pipeline, its registry row, a feature index, and a
/// pool of TreeSHAP explainers (one explainer must not be shared between threads).
class LoadedModel {
 public:
  LoadedModel(store::ModelRecord record, ml::Model model);

  const store::ModelRecord& record() const { return record_; }
  const ml::Model& model() const { return model_; }
  /// Position of feature `name` in the model, if it is one of its features.
  std::optional<std::size_t> feature_index(std::string_view name) const;
  /// The same, trying position `expected` first (core::NameIndex::find).
  std::optional<std::size_t> feature_index(std::string_view name, std::size_t expected) const {
    return index_.find(name, expected);
  }

  /// An explainer leased from the pool; returned when the lease ends.
  class ExplainerLease {
   public:
    ExplainerLease(const LoadedModel& owner, std::unique_ptr<ml::TreeExplainer> explainer);
    ~ExplainerLease();
    ExplainerLease(const ExplainerLease&) = delete;
    ExplainerLease& operator=(const ExplainerLease&) = delete;
    ml::TreeExplainer& get() { return *explainer_; }

   private:
    const LoadedModel& owner_;
    std::unique_ptr<ml::TreeExplainer> explainer_;
  };
  ExplainerLease explainer() const;

 private:
  store::ModelRecord record_;
  ml::Model model_;
  core::NameIndex index_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<ml::TreeExplainer>> pool_;
};

/// Loads registered model `id`: reads its artifact, checks the SHA-256 recorded at registration,
/// and deserialises it. Throws NotFound, Unavailable (artifact unreadable) or InvalidInput
/// (mismatch, corrupt file).
std::shared_ptr<const LoadedModel> load_registered_model(store::Database& db, long long id,
                                                         lake::Lake* lake = nullptr);

/// The current champion, shared by every request thread. A swap is atomic: a scoring that
/// started on the old model finishes on it (it holds a shared_ptr), new ones get the new one.
class Champion {
 public:
  /// `lake` is needed for models trained by training jobs, whose artifacts live in the lake.
  explicit Champion(store::Database& db, lake::Lake* lake = nullptr) : db_(db), lake_(lake) {}

  /// The loaded champion, or null if there is none (or it could not be loaded).
  std::shared_ptr<const LoadedModel> current() const { return current_.load(); }

  /// Reads the registry's champion id; if it changed, loads and checks the artifact (SHA-256
  /// against the registry) and swaps it in. A model that fails to load is not served: the
  /// current one stays, and last_error() says why. Returns true if the model changed.
  bool refresh();
  /// Why the last load failed (empty if it did not).
  std::string last_error() const;

 private:
  store::Database& db_;
  lake::Lake* lake_ = nullptr;
  std::atomic<std::shared_ptr<const LoadedModel>> current_;
  mutable std::mutex mutex_;  // one refresh at a time; guards last_error_
  std::string last_error_;
  std::optional<long long> failed_id_;
};

}  // namespace risklab::service
