#!/usr/bin/env bash
# One command, one run: RiskLab rf and gbdt vs scikit-learn + imbalanced-learn and Python xgboost on the
# same stratified 80/20 train/test files, 300 trees, 2 threads each, on every dataset in
# ../shared/data. Writes bench/ml_vs_sklearn/results/*.jsonl and the "## ML engine" section of
# docs/PERFORMANCE.md.
#
#   bench/ml_vs_sklearn/run.sh            (BUILD_DIR=build/bench TREES=300 THREADS=2 SEED=42)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build/bench}
TREES=${TREES:-300}
THREADS=${THREADS:-2}
SEED=${SEED:-42}
DATA_DIR=${DATA_DIR:-$ROOT/../shared/data}
OUT=bench/ml_vs_sklearn/results
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cmake --preset bench -B "$BUILD_DIR" >/dev/null
cmake --build "$BUILD_DIR" --target risklab_ml_bench -j"$THREADS" >/dev/null
mkdir -p "$OUT"

run_dataset() {
  local name=$1 label=$2
  # The same files as `risklab ml split --data F --label L --test 0.2 --seed $SEED`.
  "$BUILD_DIR/risklab_ml_bench" split "$DATA_DIR/$name.csv" "$label" "$SEED" \
    "$WORK/${name}_train.csv" "$WORK/${name}_test.csv"
  local args=(--train "$WORK/${name}_train.csv" --test "$WORK/${name}_test.csv" --label "$label"
              --trees "$TREES" --threads "$THREADS")
  {
    "$BUILD_DIR/risklab_ml_bench" "${args[@]}" --seed "$SEED"
    "$BUILD_DIR/risklab_ml_bench" "${args[@]}" --seed "$SEED" --family gbdt
    # numpy's OpenBLAS must see the real CPU when timing the Python stack.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/ml_vs_sklearn/reference.py \
      --engine sklearn "${args[@]}" --seed "$SEED"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/ml_vs_sklearn/reference.py \
      --engine xgboost "${args[@]}" --seed "$SEED"
  } > "$OUT/$name.jsonl"
}

run_dataset taiwan_bankruptcy 'Bankrupt?'
run_dataset polish_5year class

SECTION=$(/usr/bin/python3 bench/ml_vs_sklearn/report.py "bench/ml_vs_sklearn/run.sh  # TREES=$TREES THREADS=$THREADS SEED=$SEED, $(nproc) cores" \
  "$OUT/taiwan_bankruptcy.jsonl" "$OUT/polish_5year.jsonl")
echo "$SECTION"
/usr/bin/python3 - "$SECTION" <<'PY'
import pathlib, re, sys
path = pathlib.Path("docs/PERFORMANCE.md")
text = path.read_text() if path.exists() else "# Performance\n"
begin, end = "<!-- ml-bench:begin -->", "<!-- ml-bench:end -->"
block = f"{begin}\n{sys.argv[1]}\n{end}"
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n## ML engine\n\n" + block + "\n"
path.write_text(text)
PY
