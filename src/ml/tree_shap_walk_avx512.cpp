// TreeExplainer's walk for CPUs with AVX-512 F, DQ and VL: sixteen rows a vector. This file alone
// is compiled with -mavx512f -mavx512dq -mavx512vl -mfma (src/ml/CMakeLists.txt); TreeExplainer
// calls into it only where shap_walk_runs(ShapWalkKind::avx512).
#define RISKLAB_SHAP_NS avx512
#define RISKLAB_SHAP_LANES 16
#include "ml/detail/tree_shap_walk_impl.hpp"

namespace risklab::ml::detail {

ShapWalker* new_shap_walker_avx512(const ShapWalkModel& model) { return new avx512::Walker(model); }

}  // namespace risklab::ml::detail
