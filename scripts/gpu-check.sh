#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The GPU check, in two halves.
#   scripts/gpu-check.sh prepare   (here, with packages) copies the header-only dependencies and GoogleTest's source
#                                  into third_party_cache/ (ignored by git; carry it to the GPU machine).
#   scripts/gpu-check.sh run       (on the GPU machine: CUDA LibTorch from pip's torch, no OpenCV, no Qt, no
#                                  registry) builds the engine, CLI and tests, runs the tests and the lab on CUDA,
#                                  and writes everything it measured into $OUT (default out/gpu).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "${1:-}" in
prepare)
  rm -rf third_party_cache && mkdir -p third_party_cache/include
  cp -r /usr/include/CLI /usr/include/nlohmann third_party_cache/include/
  cp -r /usr/src/googletest third_party_cache/googletest
  du -sh third_party_cache
  ;;
run)
  out="${OUT:-out/gpu}"
  mkdir -p "$out"
  prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' | tee "$out/torch.txt"
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DES_WITH_OPENCV=OFF \
    -DES_BUILD_GUI=OFF -DES_THIRD_PARTY_DIR="$PWD/third_party_cache" 2>&1 | tee "$out/configure.log" | tail -12
  cmake --build build-gpu -j "$(nproc)" > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
  build-gpu/bin/edgescope-cli devices --json > "$out/devices.json"
  ctest --test-dir build-gpu -j 8 --output-on-failure > "$out/ctest.log" 2>&1 || true
  tail -5 "$out/ctest.log"
  for size in 768x576; do
    build-gpu/bin/edgescope-cli run --synthetic "$size" --steps all --frames 48 --warmup 4 --device cuda \
      -o "$out/lab-cuda-$size.json" 2> "$out/lab-cuda-$size.err" | tee "$out/lab-cuda-$size.txt"
  done
  build-gpu/bin/bench_postprocess 5 4 > "$out/bench_postprocess_host.txt" 2>&1 || true
  ;;
*)
  echo "usage: scripts/gpu-check.sh prepare|run" >&2
  exit 2
  ;;
esac
