#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is needed, builds the
# ASan + UBSan test build, checks the layering, and runs every test (unit, integration, on
# SQLite, MariaDB and PostgreSQL), then a short fuzz smoke run. Extra arguments go to ctest
# (e.g. -L unit) and skip the fuzz smoke unless RISKLAB_FUZZ_SMOKE=1; RISKLAB_FUZZ_SMOKE=0
# always skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev -j "$(nproc)"
scripts/check_layers.sh
ctest --preset dev -j "$(nproc)" "$@"
# The fuzz smoke (docs/FUZZING.md): builds the clang fuzz preset, replays every committed
# corpus input (earlier crashes included) and fuzzes each target for 25 s; fails on any crash,
# leak or sanitizer report.
if [[ ${RISKLAB_FUZZ_SMOKE:-$(( $# == 0 ))} == 1 ]]; then
  scripts/fuzz.sh --smoke
fi
