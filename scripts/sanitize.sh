#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The reliability builds that CI runs after the tests (each installs what it misses, builds into its own folder):
#   scripts/sanitize.sh asan           AddressSanitizer + UBSan build (build-asan): the whole Qt-free suite
#   scripts/sanitize.sh tsan           ThreadSanitizer build (build-tsan): the profiler's tests, which run the
#                                      sampler, CUPTI drain and tegrastats reader threads and the session writer
#   scripts/sanitize.sh fuzz [SECONDS] every fuzz target replays its corpus, then fuzzes SECONDS (default 10) each
#   scripts/sanitize.sh all [SECONDS]  the three, in that order
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ES_ROOT"
ES_EXTRA_PACKAGES+=(clang libclang-rt-14-dev) # libFuzzer and clang's sanitizer runtimes
es_install_missing

run_asan() {
  cmake --preset dev-asan >&2
  cmake --build --preset dev-asan --parallel "${ES_JOBS:-2}" >&2
  # LibTorch and its dependencies are not instrumented: their one-definition and leak reports are not ours.
  QT_QPA_PLATFORM=offscreen ctest --preset dev-asan
}

run_tsan() {
  cmake --preset dev-tsan >&2
  # Only what the profiler's tests need: no LibTorch translation unit is built.
  cmake --build --preset dev-tsan --parallel "${ES_JOBS:-2}" --target es_profiler_tests >&2
  ctest --preset dev-tsan
}

run_fuzz() {
  scripts/fuzz.sh "${1:-10}"
}

case "${1:-all}" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  fuzz) run_fuzz "${2:-}" ;;
  all) run_asan && run_tsan && run_fuzz "${2:-}" ;;
  *) echo "usage: scripts/sanitize.sh asan|tsan|fuzz [SECONDS]|all [SECONDS]" >&2; exit 2 ;;
esac
