#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# EdgeScope for 64-bit ARM, built and tested here: cross-compiles the whole project (the application included)
# against a Debian 12 arm64 root, which is what Raspberry Pi OS bookworm 64-bit is and the architecture of every
# Jetson, then runs under qemu-aarch64 every test that can finish there (labels profiler, engine, cli, gui, fuzz,
# boundaries, scripts; the few that need native speed or an arm64 child process are named below) and a short lab
# run of every step on the sample clip, and prints the ctest summary and the lab's step table.
#
#   scripts/cross-arm64.sh              everything above
#   scripts/cross-arm64.sh --ci         CI's share of it, within CI's time: without the test programs that run natively
#                                       only and the GUI's tests (the application itself is still built), and the lab
#                                       run of steps 0 and 4 only (ES_ARM64_GUI_TESTS=1, ES_ARM64_LAB_STEPS=all: all)
#   scripts/cross-arm64.sh --build-only the root and the build, no emulated run
# The root is kept in $ES_CACHE_DIR (default ~/.cache/edgescope) and made again only when its package list changes;
# the build goes to build-arm64/. Emulated code runs about 70x slower than native for a model's forward pass: the lab
# run is one frame per step, and its FPS measure the emulator, not a board.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/roots.sh

build_only=0 ci=0
case "${1:-}" in
  --build-only) build_only=1 ;;
  --ci) ci=1 ;;
  "") ;;
  *) echo "cross-arm64: unknown argument '$1' (--ci, --build-only)" >&2; exit 2 ;;
esac
build="${ES_ARM64_BUILD_DIR:-build-arm64}"
sysroot="${ES_SYSROOT:-$ES_CACHE_DIR/sysroot-bookworm-arm64}"
started=$SECONDS

# The arm64 side: what the project links against on Raspberry Pi OS 64-bit (Debian 12's names).
root_packages=(libc6-dev libstdc++-12-dev libtorch-dev libopenblas0-pthread libopencv-dev libsqlite3-dev zlib1g-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libcurl4-openssl-dev qt6-base-dev qt6-svg-dev qt6-charts-dev
  libqt6opengl6-dev fonts-dejavu-core)
es_host_packages mmdebstrap qemu-user g++-aarch64-linux-gnu qt6-base-dev-tools cmake ninja-build python3
es_debian_root "$sysroot" bookworm arm64 extract "${root_packages[@]}"

# --variant=extract runs no maintainer script, so the BLAS alternatives LibTorch links through are not set: point
# them (and libopenblas.so.0, which they need) at OpenBLAS as update-alternatives would.
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  [[ -e "$sysroot/usr/lib/aarch64-linux-gnu/$lib" ]] || ln -sf "openblas-pthread/$lib" "$sysroot/usr/lib/aarch64-linux-gnu/$lib"
done

configure=(-S . -B "$build")
[[ -f "$build/CMakeCache.txt" ]] || configure+=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchains/aarch64-linux-gnu.cmake"
  -DES_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DES_WITH_CUDA=OFF
  -DES_BUILD_BENCH=OFF)
mkdir -p "$build"
es_run_or_stop "rm -rf $build && scripts/cross-arm64.sh (see $build/configure.log)" \
  cmake "${configure[@]}" > "$build/configure.log" 2>&1
grep -E "^-- +(LibTorch|OpenCV|Qt|CLI11|Compiler|Tests) " "$build/configure.log" >&2 || true
# Test programs whose every test runs natively only (see below), and the GPU ones: --ci does not build them.
native_only_programs=(test_faults test_gate_cli test_lab_trust test_session_cli test_soak test_weights_cli tst_gui_run
  tst_weights test_cuda_lab test_cupti_gpu)
# Under emulation the GUI's offscreen tests take about 6 CPU-minutes and their programs a few more to build: the full
# run has them, CI's (--ci) leaves them out to stay well inside its time.
gui_tests="${ES_ARM64_GUI_TESTS:-$((1 - ci))}"
lab_steps="${ES_ARM64_LAB_STEPS:-$([[ $ci == 1 ]] && echo 0,4 || echo all)}"
targets=()
if [[ $ci == 1 ]]; then
  while read -r program; do
    [[ $gui_tests == 0 && "$program" == tst_* ]] && continue
    [[ " ${native_only_programs[*]} " == *" $program "* ]] || targets+=("$program")
  done < <(ninja -C "$build" -t targets all | sed -n 's/^bin\/\([^:]*\): CXX_EXECUTABLE_LINKER.*/\1/p' | sort -u)
fi
build_started=$SECONDS
es_run_or_stop "scripts/cross-arm64.sh (the build goes on where it stopped)" \
  cmake --build "$build" --parallel "${ES_JOBS:-2}" ${targets[@]+--target "${targets[@]}"} >&2
es_say "arm64 build: $((SECONDS - build_started)) s; $(file -b "$build/bin/edgescope-cli" | cut -d, -f1-2)"
[[ $build_only == 1 ]] && exit 0

# Tests under qemu-aarch64: every test but those that cannot finish there. A model's forward pass runs about 70x
# slower under emulation (SSD300's shape test: 3 s native, 235 s emulated), so the tests that run the lab or whole
# models stay native-only, as do those that start edgescope-cli as a child process (no binfmt here to run an arm64
# child) and those that judge how quiet the machine is. The lab run below covers the pipeline end to end.
native_only='^(Lab|LabTrust|ModelBench|Soak|SoakCli|SessionCli|CliFaults|GateCli|WeightsCli)\.'
native_only+='|^Cli\.(BenchJson|RunJson)|^Ssd300\.ProducesFeatureMaps|^Checkpoint\.FullSize|^FlopCounter\.MatchesThePublished'
native_only+='|^ModelZoo\.(OutputsHaveTheShapes|CalibratedBatchNorm)|^tst_gui_run$|^tst_weights$|^import_compare$|_NOT_BUILT$'
labels='profiler|engine|cli|boundaries|scripts|fuzz'
[[ $gui_tests == 1 ]] && labels+='|gui'
es_say "tests under qemu-aarch64 (labels $labels)"
# Qt finds its platform plugins (offscreen) in the root, not in the host's folder of the same name.
export QT_QPA_PLATFORM=offscreen QT_PLUGIN_PATH="$sysroot/usr/lib/aarch64-linux-gnu/qt6/plugins"
status=0
(cd "$build" && ctest -L "$labels" -E "$native_only" --output-on-failure -j "${ES_JOBS:-2}" --timeout 900) \
  > "$build/ctest-arm64.log" 2>&1 || status=$?
grep -E "tests passed|Total Test time|\(Failed\)|\(Timeout\)|Not Run" "$build/ctest-arm64.log" || true
[[ $status -ne 0 ]] && { tail -60 "$build/ctest-arm64.log" >&2; echo "FAILED: ctest under qemu-aarch64 (see $build/ctest-arm64.log)" >&2; exit "$status"; }

es_say "a short lab run under qemu-aarch64: steps $lab_steps, one frame of the sample clip"
es_run_or_stop "qemu-aarch64 -L $sysroot $build/bin/edgescope-cli run --video sample_videos/vtest_pedestrians.mp4 --steps $lab_steps" \
  qemu-aarch64 -L "$sysroot" "$build/bin/edgescope-cli" run --video sample_videos/vtest_pedestrians.mp4 --steps "$lab_steps" \
  --frames 1 --warmup 0 --no-detector-only --output "$build/lab-arm64.json"
es_say "arm64: built and tested under emulation in $((SECONDS - started)) s"
