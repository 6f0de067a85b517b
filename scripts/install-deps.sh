#!/usr/bin/env bash
# Installs everything RiskLab needs to build, test and benchmark on a fresh Debian 12 machine.
# Idempotent: re-running only installs what is missing. Run as root.
#   scripts/install-deps.sh            build + test dependencies (apt and npm)
#   scripts/install-deps.sh --bench    also the Python reference stack used by bench/
set -euo pipefail
cd "$(dirname "$0")/.."

with_bench=0
for arg in "$@"; do
  case $arg in
    --bench) with_bench=1 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

# Build toolchain and C++ libraries (see ../shared/STYLE.md for why each one); clang-14 and
# libFuzzer build the fuzz preset (scripts/fuzz.sh, docs/FUZZING.md).
apt_build=(
  g++ cmake ninja-build pkg-config git ca-certificates curl
  libsoci-dev libsoci-sqlite3-4.0 libsoci-mysql4.0 libsoci-postgresql4.0 libboost-dev libsqlite3-dev
  libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev libcli11-dev libsodium-dev
  libkainjow-mustache-dev libtbb-dev libtomlplusplus-dev libxgboost-dev
  libcurl4-openssl-dev libssl-dev libcsv-dev libsimdjson-dev libmimalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
)
# Real servers the test suite starts on 127.0.0.1 (never as system services), and the tools its
# scripts drive: chromium (tests/e2e) and sqlmap (scripts/sqlmap.sh).
apt_test=(mariadb-server mariadb-client postgresql postgresql-client sqlite3 procps python3
          chromium sqlmap)
# The Python reference stack the benchmarks compare against.
apt_bench=(python3-sklearn python3-imblearn python3-scipy python3-xgboost python3-pandas
           python3-fastapi python3-uvicorn wrk valgrind)

wanted=("${apt_build[@]}" "${apt_test[@]}")
[[ $with_bench == 1 ]] && wanted+=("${apt_bench[@]}")

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Debian's nodejs ships npm as a separate package; a NodeSource nodejs carries its own (and
# conflicts with Debian's npm), so add it only when no npm is on the PATH.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}"
else
  echo "install-deps: apt packages already installed"
fi

# npm packages from the committed package-lock.json: the web UI's assets (htmx, Chart.js, Pico
# CSS; embedded in the binary at build time) and test tools (Azurite, playwright-core, axe-core).
if [[ -f package-lock.json ]]; then
  if [[ ! -d node_modules ]] || ! npm ls --silent >/dev/null 2>&1; then
    echo "install-deps: npm ci"
    npm ci --no-audit --no-fund
  fi
fi
echo "install-deps: done"
