#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Qt 6 for systems whose apt has none (the original Jetson Nano's JetPack 4.6 / Ubuntu 18.04, JetPack 5's Ubuntu
# 20.04, Debian 11): builds only the modules EdgeScope's application needs, qtbase (Core, Gui, Widgets, Test, OpenGL,
# the xcb and offscreen platforms), qtsvg and qtcharts, without examples or tests, and installs them into /opt/qt6,
# where scripts/lab.sh and scripts/test.sh find them (ES_QT6_PREFIX to choose another prefix).
#
#   scripts/build-qt6.sh --download 6.5.3        Qt's source archives from download.qt.io (an LTS release)
#   scripts/build-qt6.sh --archives DIR          qtbase/qtsvg/qtcharts-everywhere-src-*.tar.xz already in DIR
#   scripts/build-qt6.sh --debian-source SUITE   Debian's Qt 6 sources of SUITE (bookworm: 6.4.2) by apt-get source,
#                                                through a deb-src list of this script's own
#   options: --prefix DIR (default /opt/qt6), --jobs N (default: what memory allows), --work DIR (default
#            ~/.cache/edgescope/qt6-build), --check (only the disk, memory and time check), --yes (no question)
# Before it starts it checks the disk, memory and swap and gives a time estimate; it needs g++ 8 or later (JetPack
# 4.6: apt-get install g++-8; the script takes g++-8 when the default g++ is older) and CMake 3.16 or later (JetPack
# 4.6: python3 -m pip install --user cmake). Build dependencies (X11/xcb, fontconfig, OpenGL headers) come from apt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/roots.sh

source_kind="" source_arg="" prefix="${ES_QT6_PREFIX:-/opt/qt6}" jobs="" check_only=0 assume_yes=0
work="$ES_CACHE_DIR/qt6-build"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --download|--archives|--debian-source) source_kind="${1#--}"; source_arg="${2:?$1 needs a value}"; shift 2 ;;
    --prefix) prefix="${2:?}"; shift 2 ;;
    --jobs) jobs="${2:?}"; shift 2 ;;
    --work) work="${2:?}"; shift 2 ;;
    --check) check_only=1; shift ;;
    --yes|-y) assume_yes=1; shift ;;
    -h|--help) sed -n '3,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-qt6: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$source_kind" || $check_only == 1 ]] || { echo "build-qt6: say where the sources come from (--download 6.5.3, --archives DIR or --debian-source bookworm; see --help)" >&2; exit 2; }
modules=(qtbase qtsvg qtcharts)

# --- the compiler and CMake -----------------------------------------------------------------------------------
pick_compiler() {
  local candidate major
  for candidate in "${CXX:-}" g++ g++-8 g++-9 g++-10 g++-11; do
    [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null || continue
    major="$("$candidate" -dumpversion | cut -d. -f1)"
    if [[ "$major" -ge 8 ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
cxx="$(pick_compiler)" || { echo "build-qt6: Qt 6 needs g++ 8 or later: apt-get install g++-8" >&2; exit 1; }
cc="${cxx/g++/gcc}"
cmake_bin="$(command -v cmake || true)"
[[ -x "$HOME/.local/bin/cmake" ]] && cmake_bin="$HOME/.local/bin/cmake"
cmake_version="$("$cmake_bin" --version 2>/dev/null | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')"
if [[ -z "$cmake_version" || "$(printf '%s\n3.16\n' "$cmake_version" | sort -V | head -1)" != 3.16 ]]; then
  echo "build-qt6: Qt 6 needs CMake 3.16 or later (found '${cmake_version:-none}'): python3 -m pip install --user cmake" >&2
  exit 1
fi

# --- disk, memory, swap and time ------------------------------------------------------------------------------
# Measured on a 2-core x86-64 VM (2026-12, Qt 6.4.2, g++ 10 in a Debian 11 root, these modules and features):
# 1456 build steps taking 127 job-minutes in all (qtbase 117, qtcharts 8, qtsvg 1; summed from ninja's log, on a
# busy machine, so an upper bound), a 2.7 GB work folder and a 70 MB prefix. Per-core speed relative to it:
# Cortex-A57 (Jetson Nano) ~0.25, Cortex-A78AE (Orin) ~0.6, Cortex-A76 (Pi 5) ~0.5.
cpu_minutes_here=${ES_QT6_CPU_MINUTES:-130}
work_gib=4
prefix_gib=1
per_job_mib=1100 # the largest Qt translation units take about 1 GiB to compile
cores="$(nproc)"
mem_mib="$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)"
swap_mib="$(awk '/SwapTotal/ {print int($2/1024)}' /proc/meminfo)"
if [[ -z "$jobs" ]]; then
  jobs=$(( (mem_mib + swap_mib / 2) / per_job_mib ))
  (( jobs > cores )) && jobs=$cores
  (( jobs < 1 )) && jobs=1
fi
speed=1
case "$({ tr -d '\0' < /proc/device-tree/model; } 2>/dev/null || true)" in
  *"Jetson Nano"*|*"NVIDIA Jetson Nano Developer Kit"*) speed=0.25 ;;
  *Orin*) speed=0.6 ;;
  *"Raspberry Pi 5"*) speed=0.5 ;;
  *"Raspberry Pi 4"*) speed=0.3 ;;
esac
estimate_min="$(awk -v m="$cpu_minutes_here" -v j="$jobs" -v s="$speed" 'BEGIN { printf "%d", m / j / s }')"
mkdir -p "$work"
free_work_gib="$(df -Pk "$work" | awk 'NR==2 {print int($4/1048576)}')"
prefix_parent="$(dirname "$prefix")"
free_prefix_gib="$(df -Pk "$prefix_parent" | awk 'NR==2 {print int($4/1048576)}')"
echo "Qt 6 build plan: ${modules[*]} into $prefix"
echo "  compiler $cxx ($("$cxx" -dumpversion)), CMake $cmake_version, $cores cores, $jobs parallel jobs"
echo "  memory ${mem_mib} MiB + swap ${swap_mib} MiB (about $per_job_mib MiB per job)"
echo "  disk: $work has ${free_work_gib} GiB free (needs about $work_gib), $prefix_parent ${free_prefix_gib} GiB (needs $prefix_gib)"
echo "  estimate: about $estimate_min minutes ($cpu_minutes_here CPU-minutes on the reference machine, speed $speed per core)"
problems=()
(( free_work_gib < work_gib )) && problems+=("not enough disk in $work: ${free_work_gib} GiB free, about $work_gib needed (--work DIR on a larger disk)")
(( free_prefix_gib < prefix_gib )) && problems+=("not enough disk for $prefix: ${free_prefix_gib} GiB free")
(( mem_mib + swap_mib < 2 * per_job_mib )) && problems+=("less than $((2 * per_job_mib)) MiB of memory and swap: add swap (a 4 GiB swap file: sudo fallocate -l 4G /swapfile && sudo mkswap /swapfile && sudo swapon /swapfile)")
if [[ ${#problems[@]} -gt 0 ]]; then
  printf 'build-qt6: %s\n' "${problems[@]}" >&2
  exit 1
fi
[[ $check_only == 1 ]] && exit 0
if [[ $assume_yes == 0 && -t 0 ]]; then
  read -r -p "Build now? [y/N] " answer
  [[ "$answer" == [yY]* ]] || exit 0
fi

# --- build dependencies (apt names shared by Debian 11/12 and Ubuntu 18.04-22.04) ------------------------------
es_host_packages build-essential ninja-build pkg-config perl python3 libgl-dev libegl-dev libfontconfig1-dev \
  libfreetype6-dev libx11-dev libx11-xcb-dev libxext-dev libxfixes-dev libxi-dev libxrender-dev libxcb1-dev \
  libxcb-glx0-dev libxcb-keysyms1-dev libxcb-image0-dev libxcb-shm0-dev libxcb-icccm4-dev libxcb-sync-dev \
  libxcb-xfixes0-dev libxcb-shape0-dev libxcb-randr0-dev libxcb-render-util0-dev libxcb-util-dev \
  libxcb-xinerama0-dev libxcb-xkb-dev libxkbcommon-dev libxkbcommon-x11-dev libpng-dev libjpeg-dev zlib1g-dev \
  libzstd-dev libpcre2-dev libdouble-conversion-dev libharfbuzz-dev

# --- the sources ---------------------------------------------------------------------------------------------
src="$work/src"
mkdir -p "$src"
fetch_sources() {
  local module
  case "$source_kind" in
    download)
      local series="${source_arg%.*}"
      for module in "${modules[@]}"; do
        local name="$module-everywhere-src-$source_arg"
        [[ -d "$src/$module" ]] && continue
        es_run_or_stop "scripts/build-qt6.sh --download $source_arg (or fetch $name.tar.xz by hand and use --archives DIR)" \
          curl -fL --retry 3 -o "$src/$name.tar.xz" \
          "https://download.qt.io/archive/qt/$series/$source_arg/submodules/$name.tar.xz"
        tar -xf "$src/$name.tar.xz" -C "$src" && mv "$src/$name" "$src/$module" && rm -f "$src/$name.tar.xz"
      done ;;
    archives)
      for module in "${modules[@]}"; do
        [[ -d "$src/$module" ]] && continue
        local archive
        archive="$(ls "$source_arg"/"$module"-everywhere-src-*.tar.* 2>/dev/null | head -1)"
        [[ -n "$archive" ]] || { echo "build-qt6: no $module-everywhere-src-*.tar.xz in $source_arg" >&2; exit 1; }
        tar -xf "$archive" -C "$src" && mv "$src/$(basename "$archive" | sed 's/\.tar\..*//')" "$src/$module"
      done ;;
    debian-source)
      es_host_packages dpkg-dev
      local apt="$work/apt-$source_arg"
      mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
      # The release's point updates and security fixes too: apt takes the newest source of each package.
      local mirror="${ES_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
      printf 'deb-src %s %s main\ndeb-src %s %s-updates main\ndeb-src %s %s-security main\n' \
        "$mirror" "$source_arg" "$mirror" "$source_arg" "${mirror%/debian}/debian-security" "$source_arg" \
        > "$apt/sources.list"
      local options=(-q -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Sandbox::User=root)
      es_run_or_stop "scripts/build-qt6.sh --debian-source $source_arg (apt-get update of its deb-src list failed)" \
        apt-get "${options[@]}" update
      for module in "${modules[@]}"; do
        [[ -d "$src/$module" ]] && continue
        local package="qt6-${module#qt}"
        # A mirror may list a source it no longer serves (bookworm's qt6-svg and qt6-charts archives, 2026-12).
        (cd "$src" && es_run_or_stop "scripts/build-qt6.sh --debian-source $source_arg (apt-get source $package failed; or put $module-everywhere-src-*.tar.xz from download.qt.io or Qt's git tag in a folder and use --archives DIR)" \
          apt-get "${options[@]}" source "$package")
        mv "$(find "$src" -maxdepth 1 -type d -name "$package-*" | head -1)" "$src/$module"
      done ;;
  esac
}
fetch_sources

# --- configure, build, install each module ----------------------------------------------------------------------
started=$SECONDS
export CC="$cc" CXX="$cxx"
build_module() {
  local module="$1" extra=()
  shift
  extra=("$@")
  local dir="$work/build-$module"
  mkdir -p "$dir"
  echo "== $module: configure, build ($jobs jobs), install"
  local module_started=$SECONDS
  es_run_or_stop "scripts/build-qt6.sh ... again (it goes on where it stopped; see $dir/configure.log)" \
    "$cmake_bin" -S "$src/$module" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_PREFIX_PATH="$prefix" -DQT_BUILD_EXAMPLES=OFF -DQT_BUILD_TESTS=OFF -DQT_BUILD_BENCHMARKS=OFF \
    "${extra[@]}" > "$dir/configure.log" 2>&1
  es_run_or_stop "scripts/build-qt6.sh ... again (it goes on where it stopped; see $dir/build.log)" \
    "$cmake_bin" --build "$dir" --parallel "$jobs" > "$dir/build.log" 2>&1
  es_run_or_stop "sudo cmake --install $dir (the prefix $prefix must be writable)" \
    "$cmake_bin" --install "$dir" > "$dir/install.log" 2>&1
  echo "   $module: $((SECONDS - module_started)) s"
}
# qtbase: only what the application uses: no SQL, no network, no D-Bus, no CUPS, no GTK theme;
# xcb for the board's X11 desktop, offscreen for the tests.
build_module qtbase -DFEATURE_sql=OFF -DFEATURE_network=OFF -DFEATURE_dbus=OFF -DFEATURE_xcb=ON -DFEATURE_opengl=ON -DFEATURE_vulkan=OFF \
  -DFEATURE_cups=OFF -DFEATURE_gtk3=OFF -DFEATURE_openssl=OFF
build_module qtsvg
build_module qtcharts
cat > "$prefix/edgescope-qt6.txt" <<EOF
Qt 6 built by EdgeScope's scripts/build-qt6.sh on $(date -u +%Y-%m-%d) from $source_kind $source_arg
modules: ${modules[*]}; compiler $cxx $("$cxx" -dumpversion); $jobs jobs; $((SECONDS - started)) s
EOF
echo "Qt 6 in $prefix: $((SECONDS - started)) s; work folder $(du -sh "$work" | cut -f1), prefix $(du -sh "$prefix" | cut -f1)"
echo "scripts/lab.sh and scripts/test.sh now find it (ES_QT6_PREFIX=$prefix)."
