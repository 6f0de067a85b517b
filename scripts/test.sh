#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is needed, builds the
# ASan + UBSan test build, checks the layering, and runs every test (unit, integration, on
# SQLite, MariaDB and PostgreSQL). Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev -j "$(nproc)"
scripts/check_layers.sh
ctest --preset dev -j "$(nproc)" "$@"
