# risklab_add_module(NAME SOURCES ... [DEPENDS ...] [PRIVATE_DEPENDS ...])
# Creates the static library risklab_<NAME> with the alias risklab::<NAME>. Sources are an
# explicit list (no GLOB); includes are rooted at src/ so code writes #include "core/error.hpp".
function(risklab_add_module name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  add_library(risklab_${name} STATIC ${arg_SOURCES})
  add_library(risklab::${name} ALIAS risklab_${name})
  target_include_directories(risklab_${name} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  target_link_libraries(risklab_${name}
    PUBLIC ${arg_DEPENDS} risklab_sanitizers
    PRIVATE ${arg_PRIVATE_DEPENDS} risklab_warnings)
endfunction()

# risklab_add_test(NAME SOURCES ... DEPENDS ... LABELS ...)
# One test binary per module; each gtest case becomes its own ctest test carrying LABELS.
function(risklab_add_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPENDS;LABELS;FIXTURES" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_DEPENDS} GTest::gtest GTest::gtest_main
    risklab_warnings risklab_sanitizers)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  set(props LABELS "${arg_LABELS}")
  if(arg_FIXTURES)
    list(APPEND props FIXTURES_REQUIRED "${arg_FIXTURES}")
  endif()
  gtest_discover_tests(${name}
    PROPERTIES ${props}
    DISCOVERY_TIMEOUT 60)
endfunction()
