# Every third-party library comes from a Debian package (scripts/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED CONFIG COMPONENTS headers)  # Asio: the HTTP server's sockets
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(TBB REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(simdjson REQUIRED)  # on-demand parsing of stored scoring inputs (monitoring)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
# cpp-httplib (Debian libcpp-httplib-dev 0.11, a compiled library): the web module, and the
# fuzz target that checks our reading of plain requests against it.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
if(RISKLAB_MIMALLOC AND NOT RISKLAB_SANITIZE)
  find_package(mimalloc 2.0 REQUIRED)  # the executable's malloc (docs/adr/0010-mimalloc.md)
endif()

# libcsv (Debian libcsv-dev): RFC 4180 streaming parser; no CMake config or .pc file.
find_path(CSV_INCLUDE_DIR csv.h REQUIRED)
find_library(CSV_LIB csv REQUIRED)
add_library(Csv::csv UNKNOWN IMPORTED)
set_target_properties(Csv::csv PROPERTIES IMPORTED_LOCATION "${CSV_LIB}"
  INTERFACE_INCLUDE_DIRECTORIES "${CSV_INCLUDE_DIR}")

# libxgboost (Debian libxgboost-dev 1.7): the gbdt model family, through its C API only.
find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
find_library(XGBOOST_LIB xgboost REQUIRED)
add_library(Xgboost::xgboost UNKNOWN IMPORTED)
set_target_properties(Xgboost::xgboost PROPERTIES IMPORTED_LOCATION "${XGBOOST_LIB}"
  INTERFACE_INCLUDE_DIRECTORIES "${XGBOOST_INCLUDE_DIR}")

# SOCI 4.0.3 ships no CMake config and no .pc file (../shared/INFRA.md section 3). Backends are
# loaded by name at run time, so only soci_core is linked; its headers need libboost-dev.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIB soci_core REQUIRED)
add_library(Soci::core UNKNOWN IMPORTED)
set_target_properties(Soci::core PROPERTIES IMPORTED_LOCATION "${SOCI_CORE_LIB}"
  INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}")
target_link_libraries(Soci::core INTERFACE ${CMAKE_DL_LIBS})
# SQLite's C API itself (libsqlite3-dev, the library the SOCI backend loads): only the WAL
# checkpointer uses it, for what SQL cannot do (store/detail/wal_checkpointer.cpp).
find_package(SQLite3 REQUIRED)

if(RISKLAB_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
