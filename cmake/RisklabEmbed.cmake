# risklab_embed(TARGET NAME FILES ...)
# Generates a source that holds the given files as byte arrays, so migrations (and later web
# assets) ship inside the binary. Exposes `risklab::embedded::<NAME>()` returning
# std::span<const risklab::core::EmbeddedFile>, declared in core/embedded_file.hpp.
function(risklab_embed target name)
  cmake_parse_arguments(arg "" "BASE" "FILES" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/embedded_${name}.cpp")
  set(script "${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake")
  add_custom_command(OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAME=${name} -DBASE=${arg_BASE}
            "-DFILES=${arg_FILES}" -P "${script}"
    DEPENDS ${arg_FILES} "${script}"
    COMMENT "Embedding ${name}" VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
