#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The CUPTI collector compiled against the CUDA headers of the JetPacks it must run on, without their GPUs: CUDA 11.8
# (Debian 12's non-free libcupti-dev and nvidia-cuda-dev; JetPack 5 has 11.4, the same record layouts), 12.4 (Debian
# 13's; JetPack 6 has 12.2-12.6) and the toolkit here (13.0; JetPack 7). For each it builds the profiler with the
# collector, the range recorder (NVTX3 of that CUDA) and their seam tests, checks at compile time that the records
# read sit where that CUPTI writes them (cupti_records.h), and runs the seam tests.
#
#   scripts/cuda-headers-check.sh [VERSION...]     default: 11.8 12.4 13.0
# Headers are downloaded once (apt-get download with a sources list of this script's own; nothing is installed) and
# kept in $ES_CACHE_DIR/cuda-headers (14-30 MB each; the packages themselves are 0.8-0.9 GB and are deleted).
# Builds go to build-cuda-VERSION/ and share a compiler cache where ccache is installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/roots.sh

versions=("$@")
[[ ${#versions[@]} -eq 0 ]] && versions=(11.8 12.4 13.0)
es_host_packages cmake ninja-build ccache dpkg-dev

# Debian suite whose non-free section has each CUDA; empty for the others.
suite_of() {
  case "$1" in
    11.8) echo bookworm ;;
    12.4) echo trixie ;;
  esac
}

# The headers of CUDA VERSION from Debian's packages, in the cache: prints the include folder. On failure says which
# command failed and what to retry, and returns 1.
debian_cuda_headers() {
  local version="$1" suite
  suite="$(suite_of "$version")"
  local dir="$ES_CACHE_DIR/cuda-headers/$version"
  if [[ -f "$dir/usr/include/cuda.h" && -f "$dir/usr/include/cupti.h" ]]; then
    echo "$dir/usr/include"
    return 0
  fi
  local apt="$ES_CACHE_DIR/cuda-headers/apt-$suite"
  rm -rf "$dir.partial"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dir.partial"
  echo "deb ${ES_DEBIAN_MIRROR:-http://deb.debian.org/debian} $suite main contrib non-free" > "$apt/sources.list"
  local options=(-q -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Sandbox::User=root)
  es_say "CUDA $version: downloading libcupti-dev and nvidia-cuda-dev from Debian $suite non-free (about 0.8-0.9 GB)"
  local started=$SECONDS
  if ! apt-get "${options[@]}" update >&2 ||
     ! (cd "$dir.partial" && apt-get "${options[@]}" download libcupti-dev nvidia-cuda-dev >&2); then
    echo "FAILED: apt-get download libcupti-dev nvidia-cuda-dev from Debian $suite non-free (network or mirror)" >&2
    echo "retry: scripts/cuda-headers-check.sh $version (ES_DEBIAN_MIRROR=another Debian mirror)" >&2
    return 1
  fi
  local deb
  for deb in "$dir.partial"/*.deb; do
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir.partial" ./usr/include || {
      echo "FAILED: unpacking $deb; retry: rm -rf $dir.partial && scripts/cuda-headers-check.sh $version" >&2
      return 1
    }
    rm -f "$deb"
  done
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  es_say "CUDA $version headers in $dir ($(du -sh "$dir" | cut -f1)) after $((SECONDS - started)) s"
  echo "$dir/usr/include"
}

# The toolkit's own headers for the version installed here (/usr/local/cuda).
local_cuda_headers() {
  local version="$1" root="${CUDA_HOME:-/usr/local/cuda}"
  local found
  found="$(sed -n 's/^#define CUDA_VERSION \([0-9]*\)/\1/p' "$root/include/cuda.h" 2>/dev/null)"
  if [[ -z "$found" || "$((found / 1000)).$((found % 1000 / 10))" != "$version" ]]; then
    echo "CUDA $version: not in $root (it has ${found:-no cuda.h}); give CUDA_HOME" >&2
    return 1
  fi
  echo "$root"
}

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_DIR="${CCACHE_DIR:-$ES_CACHE_DIR/ccache}" CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

summary=()
failed=0
for version in "${versions[@]}"; do
  if [[ -n "$(suite_of "$version")" ]]; then
    headers="$(debian_cuda_headers "$version")" || { failed=1; continue; }
  else
    headers="$(local_cuda_headers "$version")" || { failed=1; continue; }
  fi
  build="build-cuda-$version"
  es_say "CUDA $version: configuring $build against $headers"
  mkdir -p "$build"
  es_run_or_stop "rm -rf $build && scripts/cuda-headers-check.sh $version (see $build/configure.log)" \
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DES_WITH_CUDA=ON -DES_CUDA_HEADERS="$headers" \
    -DES_BUILD_GUI=OFF -DES_WITH_OPENCV=OFF -DES_WITH_CURL=OFF -DES_BUILD_BENCH=OFF ${launcher[@]+"${launcher[@]}"} \
    > "$build/configure.log" 2>&1
  grep -E "^-- +CUDA/CUPTI" "$build/configure.log" >&2
  if ! grep -q "CUDA $version from .*CUPTI 1" "$build/configure.log"; then
    echo "FAILED: CUDA $version: the configuration did not take CUDA $version with CUPTI (see $build/configure.log)" >&2
    failed=1
    continue
  fi
  started=$SECONDS
  if ! cmake --build "$build" --parallel "${ES_JOBS:-2}" --target test_cupti_collector test_gpu_probe \
      test_range_recorder > "$build/build.log" 2>&1; then
    grep -E "error|static assertion" "$build/build.log" | head -20 >&2
    echo "FAILED: CUDA $version: the collector does not compile against these headers (see $build/build.log)" >&2
    failed=1
    continue
  fi
  if ! (cd "$build" && ctest -R '^(CuptiCollector|CuptiLocations|GpuProbe|RangeRecorder|RangeNameRegistry)\.' \
      --output-on-failure) > "$build/ctest.log" 2>&1; then
    tail -30 "$build/ctest.log" >&2
    echo "FAILED: CUDA $version: seam tests (see $build/ctest.log)" >&2
    failed=1
    continue
  fi
  passed="$(grep -E "tests passed" "$build/ctest.log")"
  summary+=("CUDA $version: collector and NVTX recorder compiled ($((SECONDS - started)) s), record layouts checked; $passed")
done
printf '%s\n' "${summary[@]}"
exit "$failed"
