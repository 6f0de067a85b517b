// TreeExplainer's walk for any x86-64 CPU: four rows a vector (SSE2).
#define RISKLAB_SHAP_NS sse2
#define RISKLAB_SHAP_LANES 4
#include "ml/detail/tree_shap_walk_impl.hpp"

namespace risklab::ml::detail {

ShapWalker* new_shap_walker_sse2(const ShapWalkModel& model) { return new sse2::Walker(model); }

}  // namespace risklab::ml::detail
