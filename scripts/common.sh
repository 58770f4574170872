# SPDX-License-Identifier: Apache-2.0
# Shared by scripts/lab.sh and scripts/test.sh: install what is missing (scripts/deps.sh knows this system's package
# names), configure once, build incrementally.
set -euo pipefail

ES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ES_BUILD_DIR="${ES_BUILD_DIR:-$ES_ROOT/build}"
# shellcheck source=scripts/deps.sh
source "$ES_ROOT/scripts/deps.sh"

# Packages a script needs beyond the plan (scripts/sanitize.sh adds clang); Debian names.
ES_EXTRA_PACKAGES=(${ES_EXTRA_PACKAGES[@]+"${ES_EXTRA_PACKAGES[@]}"})
ES_CMAKE_ARGS=()

# This system's plan: packages, notes on what is missing, and what the build must know (compiler, CMake, LibTorch,
# Qt 6 from /opt/qt6, JetPack's CUDA). A variable the user set wins over the plan's.
es_plan_here() {
  es_deps_detect /etc/os-release "" "${ES_JETSON:-auto}"
  es_deps_plan 1
  local line key
  for line in "${ES_DEPS_ENV[@]}"; do
    key="${line%%=*}"
    [[ -z "${!key:-}" ]] && export "$line"
  done
  # A CUDA-enabled LibTorch (a GPU machine's PyTorch) replaces Debian's CPU-only libtorch-dev.
  if [[ -z "${ES_TORCH_PREFIX:-}" ]] && command -v python3 >/dev/null &&
     python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    ES_TORCH_PREFIX="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
  fi
  local prefixes=()
  if [[ -n "${ES_TORCH_PREFIX:-}" ]]; then
    prefixes+=("$ES_TORCH_PREFIX")
    ES_DEPS_PACKAGES=("${ES_DEPS_PACKAGES[@]/libtorch-dev/}")
    echo "edgescope: using LibTorch from $ES_TORCH_PREFIX" >&2
  fi
  [[ -n "${ES_QT6_PREFIX:-}" ]] && prefixes+=("$ES_QT6_PREFIX")
  if [[ ${#prefixes[@]} -gt 0 ]]; then
    local joined
    joined="$(IFS=';'; echo "${prefixes[*]}")"
    ES_CMAKE_ARGS+=("-DCMAKE_PREFIX_PATH=$joined")
  fi
  [[ -n "${CUDAToolkit_ROOT:-}" ]] && ES_CMAKE_ARGS+=("-DCUDAToolkit_ROOT=$CUDAToolkit_ROOT")
  ES_DEPS_PACKAGES+=(${ES_EXTRA_PACKAGES[@]+"${ES_EXTRA_PACKAGES[@]}"})
}

es_install_missing() {
  es_deps_refresh_lists
  es_plan_here
  es_deps_install
}

# cmake and ctest: a newer pip CMake (~/.local/bin) where the system's is below the floor (Ubuntu 18.04).
es_cmake() { "${ES_CMAKE:-cmake}" "$@"; }
es_ctest() {
  local ctest=ctest
  [[ -n "${ES_CMAKE:-}" ]] && ctest="$(dirname "$ES_CMAKE")/ctest"
  # `ctest --test-dir` needs CMake 3.20; JetPack 5 has 3.16.
  (cd "$ES_BUILD_DIR" && "$ctest" "$@")
}

es_build() {
  if [[ ! -f "$ES_BUILD_DIR/CMakeCache.txt" ]]; then
    es_cmake -S "$ES_ROOT" -B "$ES_BUILD_DIR" -G Ninja ${ES_CMAKE_ARGS[@]+"${ES_CMAKE_ARGS[@]}"} "$@" >&2
  fi
  # Two parallel jobs: a LibTorch translation unit takes over 1 GiB to compile.
  es_cmake --build "$ES_BUILD_DIR" --parallel "${ES_JOBS:-2}" >&2 # progress on stderr: stdout is the results
}
