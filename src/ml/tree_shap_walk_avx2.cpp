// TreeExplainer's walk for CPUs with AVX2 and FMA: eight rows a vector. This file alone is
// compiled with -mavx2 -mfma (src/ml/CMakeLists.txt); TreeExplainer calls into it only where
// shap_walk_runs(ShapWalkKind::avx2).
#define RISKLAB_SHAP_NS avx2
#define RISKLAB_SHAP_LANES 8
#include "ml/detail/tree_shap_walk_impl.hpp"

namespace risklab::ml::detail {

ShapWalker* new_shap_walker_avx2(const ShapWalkModel& model) { return new avx2::Walker(model); }

}  // namespace risklab::ml::detail
