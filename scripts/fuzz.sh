#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan + UBSan) and runs the targets in fuzz/
# (docs/FUZZING.md). Any crash, leak, timeout or sanitizer report fails the run; the input
# that caused it is saved in build/fuzz/artifacts/ and the log in build/fuzz/logs/.
#
#   scripts/fuzz.sh [TARGET ...] [--runs N | --time S] [--smoke] [--no-build]
#
#   TARGET      csv_import, json_bodies, artifact_reader, url_config, http_framing (default: all)
#   --runs N    stop each target after N executions (default 10000000: the long run)
#   --time S    stop each target after S seconds instead
#   --smoke     what CI runs: each target runs every committed input (earlier crashes
#               included), then fuzzes for 25 s
#   --no-build  use the binaries already in build/fuzz
#   --merge     minimise build/fuzz/corpus/TARGET + fuzz/corpus/TARGET into fuzz/corpus/TARGET
#   --part K    one of several processes sharing a long run of a target on several cores
#               (e.g. two with --runs 5000000 each): logs to build/fuzz/logs/TARGET.partK.log
#
# Targets run one after the other, one process each (one core). New inputs go to
# build/fuzz/corpus/TARGET; fuzz/corpus/TARGET is only read, except by --merge.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(csv_import json_bodies artifact_reader url_config http_framing http_direct)
targets=()
runs=10000000
seconds=""
smoke=0
build=1
merge=0
part=""
while (($#)); do
  case $1 in
    --runs) runs=$2; seconds=""; shift ;;
    --time) seconds=$2; shift ;;
    --smoke) smoke=1; seconds=25 ;;
    --no-build) build=0 ;;
    --merge) merge=1 ;;
    --part) part=.part$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *)
      if [[ " ${all[*]} " == *" $1 "* ]]; then targets+=("$1"); else
        echo "fuzz.sh: unknown target or option '$1'" >&2; exit 2
      fi ;;
  esac
  shift
done
((${#targets[@]})) || targets=("${all[@]}")

out=build/fuzz
if ((build)); then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "${RISKLAB_FUZZ_JOBS:-$(nproc)}" \
    --target $(printf 'fuzz_%s ' "${targets[@]}")
fi
mkdir -p "$out/logs" "$out/artifacts"

# Inputs larger than this are not worth the time: the parsers' interesting structure fits.
max_len() {
  case $1 in
    url_config) echo 1024 ;;
    json_bodies | http_framing) echo 4096 ;;
    *) echo 8192 ;;
  esac
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

failed=()
for target in "${targets[@]}"; do
  bin="$out/fuzz/fuzz_$target"
  corpus="fuzz/corpus/$target"
  work="$out/corpus/$target"
  log="$out/logs/$target$part.log"
  mkdir -p "$work"
  flags=(-rss_limit_mb=2048 -timeout=10 -max_len="$(max_len "$target")" -print_final_stats=1
         -artifact_prefix="$out/artifacts/$target-")
  [[ -f fuzz/dict/$target.dict ]] && flags+=(-dict="fuzz/dict/$target.dict")

  if ((merge)); then
    # Named inputs (seeds, crash_*, regression_*) stay as they are; of the rest, and of the
    # new finds, only those that add coverage are kept (under their content hash).
    echo "fuzz.sh: $target: minimising $work + $corpus into $corpus"
    tmp=$(mktemp -d)
    find "$corpus" -maxdepth 1 -type f -regextype posix-extended ! -regex '.*/[0-9a-f]{40}' -exec cp {} "$tmp" \;
    "$bin" "${flags[@]}" -merge=1 "$tmp" "$corpus" "$work" >"$log" 2>&1
    rm -rf "$corpus" && mv "$tmp" "$corpus" && chmod 755 "$corpus"
    echo "fuzz.sh: $target: $(ls "$corpus" | wc -l) inputs, $(du -sh --apparent-size "$corpus" | cut -f1)"
    continue
  fi
  if [[ -n $seconds ]]; then
    flags+=(-max_total_time="$seconds")
    echo "fuzz.sh: $target: corpus, then $seconds s (log $log)"
  else
    flags+=(-runs="$runs")
    echo "fuzz.sh: $target: corpus, then $runs runs (log $log)"
  fi
  if "$bin" "${flags[@]}" "$work" "$corpus" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    echo "fuzz.sh: $target: ok, $execs executions, $rate exec/s"
  else
    echo "fuzz.sh: $target: FAILED (see $log; input in $out/artifacts/)"
    grep -m5 -E 'ERROR|runtime error|SUMMARY' "$log" || true
    failed+=("$target")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
