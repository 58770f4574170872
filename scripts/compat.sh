#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# EdgeScope on an older system, built and tested in a Debian root of that release (chroot; root needed).
#
#   scripts/compat.sh bullseye [--cxx g++-9|g++-10] [--qt6]
#       Debian 11: gcc 10 (g++-9 beside it), CMake 3.18, LibTorch 1.7.1, OpenCV 4.5.1, no Qt 6 and no CLI11 package:
#       the oldest LibTorch and CMake EdgeScope builds with, near JetPack 5's gcc 9 and CMake 3.16. (JetPack 4.6's
#       g++-8 is in no Debian release this machine reaches: Debian 10 has left deb.debian.org.) Prints what scripts/deps.sh says there (the GUI's note among it), then
#       builds the profiler, engine, CLI and tests and runs every test but the GPU and GUI ones, and a short lab run.
#       --qt6 first builds Qt 6 in the root with scripts/build-qt6.sh (Debian 12's Qt 6.4.2 sources, the same
#       compiler) into its /opt/qt6, and prints the build's time and disk figures; a root with /opt/qt6 builds the
#       application and runs its offscreen tests too.
# The root is kept in $ES_CACHE_DIR (~/.cache/edgescope/root-bullseye-amd64); the build goes to
# build-bullseye-<compiler>/ in this checkout, which the root sees through a bind mount at /src.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/roots.sh

release="${1:-}"
[[ "$release" == bullseye ]] || { sed -n '3,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
shift
cxx=g++-10
qt6=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cxx) cxx="${2:?--cxx needs g++-9 or g++-10}"; shift 2 ;;
    --qt6) qt6=1; shift ;;
    *) echo "compat: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ "$(id -u)" -eq 0 ]] || { echo "compat: chroot needs root: sudo scripts/compat.sh $release ..." >&2; exit 1; }

# Debian 11's names for what EdgeScope needs (scripts/deps.sh --os-release of a Debian 11 file gives the same list).
# (Debian 11's LibTorch configuration needs protobuf, oneDNN and OpenCL -dev packages that libtorch-dev does not pull in.)
packages=(build-essential g++-9 cmake ninja-build pkg-config libtorch-dev libprotobuf-dev protobuf-compiler libdnnl-dev
  ocl-icd-opencl-dev opencl-headers libopenblas0-pthread libopencv-dev nlohmann-json3-dev libsqlite3-dev zlib1g-dev
  libgtest-dev libcurl4-openssl-dev python3 ca-certificates)
root="${ES_COMPAT_ROOT:-$ES_CACHE_DIR/root-bullseye-amd64}"
es_host_packages mmdebstrap
es_debian_root "$root" bullseye amd64 apt "${packages[@]}"

mkdir -p "$root/src" "$root/proc"
# Mounts this run made, and only those, are undone at its end (another run may be using the root).
mounted=()
cleanup() {
  local point
  for point in ${mounted[@]+"${mounted[@]}"}; do umount "$point" 2>/dev/null || true; done
}
trap cleanup EXIT
if ! mountpoint -q "$root/src"; then mount --bind "$PWD" "$root/src" && mounted+=("$root/src"); fi
if ! mountpoint -q "$root/proc"; then mount -t proc proc "$root/proc" && mounted+=("$root/proc"); fi
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 bash -c "$1"; }

# Debian 11's libtorch-dev installs its CMake files one folder deeper than they expect: its targets point at
# /usr/lib/lib/libc10.so.1.7.0 and /usr/lib/include. Two links in the root make them true (scripts/deps.sh names the
# same fix on a Debian 11 machine).
[[ -e "$root/usr/lib/lib" ]] || ln -s x86_64-linux-gnu "$root/usr/lib/lib"
[[ -e "$root/usr/lib/include" ]] || ln -s ../include "$root/usr/lib/include"


echo "== what scripts/deps.sh says on Debian 11"
in_root "cd /src && bash scripts/deps.sh --print"

if [[ $qt6 == 1 ]]; then
  es_say "Qt 6 from Debian 12's sources with $cxx in the Debian 11 root (scripts/build-qt6.sh; log: build-bullseye-qt6/build-qt6.log)"
  mkdir -p build-bullseye-qt6
  qt_started=$SECONDS
  es_run_or_stop "scripts/compat.sh bullseye --cxx $cxx --qt6 (see build-bullseye-qt6/build-qt6.log)" \
    in_root "cd /src && CXX=$cxx scripts/build-qt6.sh --debian-source bookworm --yes --prefix /opt/qt6 --work /root/qt6-build" \
    > build-bullseye-qt6/build-qt6.log 2>&1
  tail -4 build-bullseye-qt6/build-qt6.log
  es_say "Qt 6 built in $((SECONDS - qt_started)) s"
fi

build="build-bullseye-$cxx"
prefix_args=""
labels_excluded='gpu|gui'
if in_root "test -f /opt/qt6/lib/cmake/Qt6/Qt6Config.cmake"; then
  prefix_args="-DCMAKE_PREFIX_PATH=/opt/qt6"
  labels_excluded='gpu'
fi
es_say "Debian 11: $(in_root "$cxx --version | head -1"); $(in_root "cmake --version | head -1"); LibTorch $(in_root "dpkg-query -W -f='\${Version}' libtorch-dev")"
started=$SECONDS
es_run_or_stop "scripts/compat.sh bullseye --cxx $cxx (the build goes on where it stopped; see $build/build.log)" \
  in_root "cd /src && mkdir -p $build && { [ -f $build/CMakeCache.txt ] || cmake -S . -B $build -G Ninja -DCMAKE_CXX_COMPILER=$cxx -DCMAKE_BUILD_TYPE=Release -DES_BUILD_BENCH=OFF $prefix_args > $build/configure.log 2>&1; } && cmake --build $build --parallel ${ES_JOBS:-2} > $build/build.log 2>&1"
grep -E "^-- +(LibTorch|CUDA|OpenCV|Qt GUI|CLI11|Compiler) " "$build/configure.log" || true
es_say "built in $((SECONDS - started)) s"

status=0
in_root "cd /src/$build && QT_QPA_PLATFORM=offscreen ctest -LE '$labels_excluded' --output-on-failure -j ${ES_JOBS:-2}" > "$build/ctest.log" 2>&1 || status=$?
grep -E "tests passed|Total Test time|\(Failed\)|\(Timeout\)|Not Run" "$build/ctest.log" || true
[[ $status -ne 0 ]] && { echo "FAILED: tests in the Debian 11 root (see $build/ctest.log)" >&2; exit "$status"; }

echo "== a short lab run on Debian 11 (LibTorch 1.7.1)"
in_root "cd /src && $build/bin/edgescope-cli run --video sample_videos/vtest_pedestrians.mp4 --steps all --frames 4 --warmup 1"
es_say "Debian 11 ($cxx): built, tested and run in $((SECONDS - started)) s"
