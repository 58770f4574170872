# SPDX-License-Identifier: Apache-2.0
# Shared by scripts/lab.sh and scripts/test.sh: install what is missing, configure once, build incrementally.
set -euo pipefail

ES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ES_BUILD_DIR="${ES_BUILD_DIR:-$ES_ROOT/build}"

# Debian 12 / Ubuntu 22.04+ packages, one purpose each (see README, "Dependencies").
ES_PACKAGES=(
  build-essential cmake ninja-build pkg-config   # compiler and build
  libtorch-dev libopenblas0-pthread              # SSD300 (LibTorch) and a fast BLAS for its matrix products
  libopencv-dev                                  # video files, cameras, GStreamer pipelines
  nlohmann-json3-dev libcli11-dev                # JSON output, command-line parsing
  libsqlite3-dev                                 # the lab session file
  zlib1g-dev                                     # gzipped PyTorch profiler traces (import)
  qt6-base-dev qt6-svg-dev                       # the desktop application (Qt Widgets; SVG chart export)
  qt6-charts-dev libqt6opengl6-dev               # its Compare page charts (Qt Charts needs Qt OpenGL's headers)
  fonts-dejavu-core                              # text on a machine with no desktop fonts
  libgtest-dev libbenchmark-dev                  # tests; the micro-benchmarks (Google Benchmark)
  xvfb imagemagick x11-utils                     # the GUI's screenshots and start check on a virtual display
  python3                                        # acceptance checks
  libcurl4-openssl-dev                           # weights fetch (HTTP downloads of published weights)
  python3-torch python3-torchvision              # tests: checkpoints written as PyTorch publishes them
)

# A CUDA-enabled LibTorch (a Jetson's or a GPU machine's PyTorch) replaces Debian's CPU-only libtorch-dev:
# ES_TORCH_PREFIX=/path/to/torch/share/cmake, or found through python3's torch when it sees a GPU.
ES_CMAKE_ARGS=()
if [ -z "${ES_TORCH_PREFIX:-}" ] && command -v python3 >/dev/null &&
   python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  ES_TORCH_PREFIX="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
fi
if [ -n "${ES_TORCH_PREFIX:-}" ]; then
  ES_CMAKE_ARGS+=("-DCMAKE_PREFIX_PATH=$ES_TORCH_PREFIX")
  ES_PACKAGES=("${ES_PACKAGES[@]/libtorch-dev/}")
  echo "edgescope: using LibTorch from $ES_TORCH_PREFIX" >&2
fi

es_install_missing() {
  local missing=()
  for package in "${ES_PACKAGES[@]}"; do
    [ -n "$package" ] || continue
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "edgescope: installing ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "edgescope: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

es_build() {
  if [ ! -f "$ES_BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$ES_ROOT" -B "$ES_BUILD_DIR" -G Ninja "${ES_CMAKE_ARGS[@]}" "$@" >&2
  fi
  # Two parallel jobs: a LibTorch translation unit takes over 1 GiB to compile.
  cmake --build "$ES_BUILD_DIR" --parallel "${ES_JOBS:-2}" >&2 # progress on stderr: stdout is the results
}
