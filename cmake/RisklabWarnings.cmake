# Warnings are errors in every preset; sanitizers come from RISKLAB_SANITIZE (the dev preset).
add_library(risklab_warnings INTERFACE)
target_compile_options(risklab_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)

add_library(risklab_sanitizers INTERFACE)
if(RISKLAB_SANITIZE)
  target_compile_options(risklab_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
    # SOCI's Debian build hides the typeinfo of its internal classes, which UBSan's vptr check
    # needs at link time; every other UBSan check stays on.
    -fno-sanitize=vptr)
  target_link_options(risklab_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(RISKLAB_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "RISKLAB_BUILD_FUZZ needs clang (libFuzzer); use the fuzz preset")
  endif()
  # Every library carries libFuzzer's coverage instrumentation, so the targets in fuzz/ are
  # guided through our real code; only the targets themselves link libFuzzer's main.
  target_compile_options(risklab_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
  target_link_options(risklab_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()
