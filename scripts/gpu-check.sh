#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The GPU check.
#   scripts/gpu-check.sh prepare   (here, with packages) copies the header-only dependencies and GoogleTest's source
#                                  into third_party_cache/ (ignored by git; carry it to the GPU machine).
#   scripts/gpu-check.sh OUTDIR    (on a bare GPU machine: CUDA, a CUDA-enabled PyTorch, no Qt, no OpenCV, no network)
#                                  configures and builds the profiler, engine, CLI and tests against pip's LibTorch,
#                                  runs the gpu-labelled tests, runs the lab on a synthetic source for every step with
#                                  --profile off and --profile full, runs the model bench (fp32, fp16, bf16 at batch 1
#                                  and 8), and writes the sessions, the stats reports, the
#                                  run JSON, a summary and a log into OUTDIR. About 3-5 minutes on 16 cores.
#   scripts/gpu-check.sh run       the same into $OUT (default out/gpu).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ "${1:-}" == "prepare" ]]; then
  set -e
  rm -rf third_party_cache && mkdir -p third_party_cache/include
  cp -r /usr/include/CLI /usr/include/nlohmann /usr/include/sqlite3.h /usr/include/sqlite3ext.h \
    third_party_cache/include/
  cp -r /usr/src/googletest third_party_cache/googletest
  du -sh third_party_cache
  exit 0
fi
if [[ -z "${1:-}" || "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  echo "usage: scripts/gpu-check.sh prepare | OUTDIR | run" >&2
  exit 2
fi
out="$1"
[[ "$out" == "run" ]] && out="${OUT:-out/gpu}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
log="$out/gpu-check.log"
: > "$log"
say() { echo "[gpu-check $(date +%T)] $*" | tee -a "$log"; }
started=$(date +%s)

say "machine: $(nproc) cores; $(nvidia-smi -L 2>/dev/null | head -1 || echo 'nvidia-smi missing')"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' \
  > "$out/torch.txt" 2>&1
tee -a "$log" < "$out/torch.txt"
prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>>"$log")"
third_party=()
[[ -d third_party_cache ]] && third_party=(-DES_THIRD_PARTY_DIR="$PWD/third_party_cache")
# A machine with SQLite's library but not its header (no -dev package): the header comes from the cache.
if [[ ! -e /usr/include/sqlite3.h && -e third_party_cache/include/sqlite3.h ]]; then
  sqlite_lib="$(ldconfig -p 2>/dev/null | awk '/libsqlite3\.so(\.0)? .*x86-64/ {print $NF; exit}')"
  [[ -z "$sqlite_lib" ]] && sqlite_lib="$(ls /usr/lib/x86_64-linux-gnu/libsqlite3.so* 2>/dev/null | head -1)"
  say "SQLite: header from third_party_cache, library $sqlite_lib"
  third_party+=(-DSQLite3_INCLUDE_DIR="$PWD/third_party_cache/include" -DSQLite3_LIBRARY="$sqlite_lib")
fi
configure() {
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DES_WITH_OPENCV=OFF \
    -DES_BUILD_GUI=OFF -DCMAKE_CUDA_ARCHITECTURES=90 "${third_party[@]}" "$@" > "$out/configure.log" 2>&1
}
say "configure"
configure -DES_USE_TORCH_CUDA_HEADERS=ON || { tail -30 "$out/configure.log"; exit 1; }
grep -E "^-- +(LibTorch|CUDA|OpenCV|Qt|Tests)" "$out/configure.log" | tee -a "$log"
say "build"
if ! cmake --build build-gpu -j "$(nproc)" > "$out/build.log" 2>&1; then
  # LibTorch's CUDA-only headers change between releases: retry without them rather than lose the run.
  say "build failed with LibTorch's CUDA headers; retrying without them (see build-with-torch-cuda-headers.log)"
  cp "$out/build.log" "$out/build-with-torch-cuda-headers.log"
  configure -DES_USE_TORCH_CUDA_HEADERS=OFF
  cmake --build build-gpu -j "$(nproc)" > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
fi
say "built in $(( $(date +%s) - started )) s"
cli=build-gpu/bin/edgescope-cli
$cli devices --json > "$out/devices.json" 2>&1
$cli devices | tee -a "$log"

say "model bench (fp32, fp16, bf16; batch 1 and 8)"
rm -f "$out/bench.sqlite"
for batch in 1 8; do
  timeout 150 $cli bench --models all --precisions fp32,fp16,bf16 --batch $batch --device cuda --min-time 1 \
    --out "$out/bench.sqlite" --json > "$out/bench-b$batch.json" 2> "$out/bench-b$batch.err"
  echo "bench batch $batch exit $?" | tee -a "$log"
done
$cli stats "$out/bench.sqlite" --report model_bench > "$out/bench-table.txt" 2>&1
cat "$out/bench-table.txt" >> "$log"

say "gpu tests"
timeout 240 ctest --test-dir build-gpu -L gpu --output-on-failure -V > "$out/ctest-gpu.log" 2>&1
echo "ctest gpu exit $?" >> "$log"
grep -E "CUPTI:|DtoH copies per frame|NVTX|tests passed|Passed|Failed|SKIPPED" "$out/ctest-gpu.log" | tail -20 \
  | tee -a "$log"
say "profiler tests"
timeout 60 ctest --test-dir build-gpu -L profiler -j 16 > "$out/ctest-profiler.log" 2>&1
tail -3 "$out/ctest-profiler.log" | tee -a "$log"

frames=12
for profile in off full; do
  say "lab, every step, --profile $profile ($frames frames after 3 warm-up, synthetic 768x576)"
  rm -f "$out/lab-$profile.sqlite"
  timeout 200 $cli run --synthetic 768x576 --steps all --frames $frames --warmup 3 --device cuda --profile $profile \
    --out "$out/lab-$profile.sqlite" -o "$out/lab-$profile.json" > "$out/lab-$profile.txt" 2> "$out/lab-$profile.err"
  echo "lab $profile exit $?" | tee -a "$log"
  cat "$out/lab-$profile.txt" >> "$log"
done
say "stats reports"
for report in gpu_trace gpu_stage_sum gpu_frame_sum cuda_gpu_kern_sum cuda_gpu_mem_time_sum cuda_api_sum nvtx_sum \
  frames; do
  $cli stats "$out/lab-full.sqlite" --report "$report" > "$out/stats-$report.txt" 2>&1
  $cli stats "$out/lab-full.sqlite" --report "$report" --format csv > "$out/stats-$report.csv" 2>&1
done
cat "$out/stats-gpu_trace.txt" "$out/stats-gpu_stage_sum.txt" >> "$log"

say "summary"
python3 - "$out" <<'EOF' 2>&1 | tee "$out/summary.txt" | tee -a "$log"
import json, sys, os
out = sys.argv[1]
def load(name):
    try:
        return json.load(open(os.path.join(out, name)))
    except Exception as e:
        print(f"{name}: unreadable ({e})")
        return None
off, full = load("lab-off.json"), load("lab-full.json")
if not off or not full:
    sys.exit(1)
print("GPU tracing:", full.get("gpu_tracing"))
offsteps = {s["id"]: s for s in off["steps"]}
print(f"{'step':20} {'FPS off':>8} {'FPS full':>8} {'full/off':>8} {'records':>9} {'dropped':>7} "
      f"{'NMS it/f':>8}  postprocess per frame: DtoH, HtoD, syncs, kernels")
for s in full["steps"]:
    o = offsteps.get(s["id"], {})
    gpu = s.get("gpu") or {}
    stages = (gpu.get("per_frame") or {}).get("stages") or {}
    post = stages.get("postprocess") or {}
    copies = post.get("copies") or {}
    ratio = s["fps"] / o["fps"] if o.get("fps") else float("nan")
    print(f"{s['id']:20} {o.get('fps', 0):8.2f} {s['fps']:8.2f} {ratio:8.3f} {gpu.get('records', 0):9} "
          f"{gpu.get('dropped_records', '-'):>7} {s.get('nms_iterations_per_frame', 0):8.1f}  "
          f"{copies.get('DtoH', 0):.1f}, {copies.get('HtoD', 0):.1f}, {post.get('syncs', 0):.1f}, "
          f"{post.get('kernels', 0):.1f}")
    for stage, f in sorted(stages.items()):
        c = f.get("copies", {})
        print(f"    {stage:24} kernels {f['kernels']:8.1f} ({f['kernel_ms']:.3f} ms)  HtoD {c.get('HtoD', 0):6.1f}  "
              f"DtoH {c.get('DtoH', 0):8.1f}  DtoD {c.get('DtoD', 0):6.1f}  syncs {f['syncs']:8.1f} "
              f"(wait {f['sync_wait_ms']:.3f} ms)  busy {f['gpu_busy_ms']:.3f} ms  idle {f['gpu_idle_percent']:.1f}%")
    if s.get("device_memory_peak_bytes"):
        print(f"    peak GPU memory (LibTorch allocator): {s['device_memory_peak_bytes'] / 2**20:.1f} MiB")
EOF
say "done in $(( $(date +%s) - started )) s; results in $out"
