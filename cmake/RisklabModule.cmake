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

# risklab_add_test(NAME SOURCES ... DEPENDS ... LABELS ... [FIXTURES ...] [RUN_SERIAL])
# One test binary per module; each gtest case becomes its own ctest test carrying LABELS.
# RUN_SERIAL: ctest runs each of its cases with no other test beside it (timing-sensitive drills).
function(risklab_add_test name)
  cmake_parse_arguments(arg "RUN_SERIAL" "" "SOURCES;DEPENDS;LABELS;FIXTURES" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_DEPENDS} GTest::gtest GTest::gtest_main
    risklab_warnings risklab_sanitizers)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  # gtest_discover_tests hands its PROPERTIES over a command line that splits a list of labels
  # apart (the second would be read as a property name), so it gets the first label and the
  # discovered tests get all of them from a ctest include file that runs after its own.
  list(GET arg_LABELS 0 first_label)
  set(props LABELS "${first_label}")
  list(LENGTH arg_LABELS label_count)
  if(label_count GREATER 1)
    set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
    file(WRITE "${labels_file}"
      "foreach(test IN LISTS ${name}_TESTS)\n"
      "  set_tests_properties(\"\${test}\" PROPERTIES LABELS \"${arg_LABELS}\")\n"
      "endforeach()\n")
  endif()
  if(arg_FIXTURES)
    list(APPEND props FIXTURES_REQUIRED "${arg_FIXTURES}")
  endif()
  if(arg_RUN_SERIAL)
    list(APPEND props RUN_SERIAL TRUE)
  endif()
  gtest_discover_tests(${name}
    PROPERTIES ${props}
    DISCOVERY_TIMEOUT 60)
  if(label_count GREATER 1)
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
  endif()
endfunction()
