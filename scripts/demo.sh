#!/usr/bin/env bash
# `risklab demo` from a fresh Debian 12 machine: installs what is needed, builds the optimised
# binary, and runs the demo. Extra arguments go to `risklab demo` (e.g. --dir ./demo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
exec build/release/risklab demo "$@"
