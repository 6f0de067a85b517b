#pragma once

#include <string_view>

namespace risklab::core {

/// The release of this build (from the CMake project version).
inline constexpr std::string_view kVersion = RISKLAB_VERSION;

}  // namespace risklab::core
