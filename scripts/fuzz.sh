#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every fuzz target (or those named) for SECONDS each with libFuzzer, ASan and UBSan, and prints per target the
# executions, the coverage reached and the crashes found. Builds the `fuzz` preset first (clang 14).
#   scripts/fuzz.sh SECONDS [TARGET...]      e.g. scripts/fuzz.sh 600, scripts/fuzz.sh 30 y4m kineto
# Corpora grow in build-fuzz/corpus/<target> (seeded from tests/data/fuzz/<target>); crash inputs land in
# build-fuzz/crashes/<target>/. Keep a crash as a regression: fix it, then copy its input into
# tests/data/fuzz/<target>/ (the fuzz_replay_<target> CTest test runs every file there in every build).
# FUZZ_JOBS=N runs N targets at once (default 1). Exit status: 1 when any target crashed.
set -euo pipefail
ES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ES_ROOT"
SECONDS_EACH="${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}"
shift
ALL_TARGETS=(kineto nvtxt nsys_sqlite session tegrastats sysfs y4m cli_values)
TARGETS=("${@:-${ALL_TARGETS[@]}}")
BUILD=build-fuzz

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing: apt-get install clang-14 libclang-rt-14-dev" >&2; exit 1; }
[ -f "$BUILD/CMakeCache.txt" ] || cmake --preset fuzz >&2
cmake --build --preset fuzz --parallel "${ES_JOBS:-2}" >&2

declare -A DICT=([kineto]=json.dict [nvtxt]=nvtxt.dict [y4m]=y4m.dict [tegrastats]=tegrastats.dict)
declare -A MAXLEN=([nsys_sqlite]=65536 [session]=65536 [kineto]=16384 [sysfs]=4096 [y4m]=8192)

run_target() {
  local name=$1 corpus="$BUILD/corpus/$1" crashes="$BUILD/crashes/$1" log="$BUILD/logs/$1.log"
  mkdir -p "$corpus" "$crashes" "$BUILD/logs"
  local args=(-max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
              -artifact_prefix="$crashes/" -max_len="${MAXLEN[$name]:-4096}")
  [ -n "${DICT[$name]:-}" ] && args+=(-dict="tests/fuzz/${DICT[$name]}")
  # Leaks are reported by the ASan build of the tests; here only crashes, hangs and undefined behaviour count.
  ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "$BUILD/bin/fuzz_$name" "${args[@]}" "$corpus" "tests/data/fuzz/$name" >"$log" 2>&1 || true
}

running=0
for name in "${TARGETS[@]}"; do
  [ -x "$BUILD/bin/fuzz_$name" ] || { echo "fuzz.sh: no target $name (known: ${ALL_TARGETS[*]})" >&2; exit 2; }
  echo "fuzzing $name for $SECONDS_EACH s" >&2
  run_target "$name" &
  running=$((running + 1))
  if [ "$running" -ge "${FUZZ_JOBS:-1}" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

status=0
printf '%-12s %14s %10s %8s %8s %10s %8s\n' target executions exec/s cov ft corpus crashes
for name in "${TARGETS[@]}"; do
  log="$BUILD/logs/$name.log"
  execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | awk '{print $2}' | tail -1)
  speed=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | awk '{print $2}' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  crashes=$(find "$BUILD/crashes/$name" -type f | wc -l)
  if grep -qE 'ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:' "$log"; then
    crashes=$((crashes > 0 ? crashes : 1))
  fi
  [ "$crashes" -eq 0 ] || status=1
  printf '%-12s %14s %10s %8s %8s %10s %8s\n' "$name" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes"
  [ "$crashes" -eq 0 ] || { grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" | sed 's/^/    /'; echo "    log: $log"; }
done
exit $status
