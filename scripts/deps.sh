#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What EdgeScope needs on this system, by this system's package names, and what each missing part costs.
#
#   scripts/deps.sh --print                 the plan for this machine: packages to install, notes on what is missing
#   scripts/deps.sh --install               install what exists and is missing (apt, sudo when not root)
#   scripts/deps.sh --os-release FILE ...   plan for the system that FILE describes (an /etc/os-release), not this one
#     --arch ARCH          amd64, arm64, armhf (default: dpkg --print-architecture)
#     --jetson L4T         plan for a Jetson with that L4T release (R32.7, R35.4, R36.4, R38.2; default: read from
#                          /etc/nv_tegra_release when FILE is this machine's os-release); --jetson no: not a Jetson
#     --probe              ask this machine's apt about the plan's packages even for another system's FILE
#     --env                print, as shell assignments, what the build needs to know (compiler, CMake, LibTorch)
#
# scripts/lab.sh and scripts/test.sh source this file and call es_deps_install. Each dependency has a role (what it
# gives EdgeScope); a role whose package this system lacks is left out with a note that names the feature that goes
# and how to get it, and one missing name never stops the others. A system the map does not know gets Debian 12's
# names, with a message naming the system.
# shellcheck disable=SC2034  # arrays are read by the scripts that source this file

ES_DEPS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/deps-map.sh
source "$ES_DEPS_DIR/deps-map.sh"

# --- which system this is --------------------------------------------------------------------------------------
# Sets ES_OS_FAMILY (debian-12, ubuntu-22.04, ...), ES_OS_NAME, ES_OS_KNOWN, ES_ARCH, ES_L4T, ES_JETPACK, ES_IS_PI.
es_deps_detect() {
  local os_release="${1:-/etc/os-release}" arch="${2:-}" jetson="${3:-auto}"
  local ID="" VERSION_ID="" PRETTY_NAME="" ID_LIKE="" UBUNTU_CODENAME="" VERSION_CODENAME=""
  if [[ ! -r "$os_release" ]]; then
    echo "deps: cannot read $os_release (give an os-release file with --os-release FILE)" >&2
    return 2
  fi
  # os-release is KEY=value with shell quoting; read only the keys used, never execute the file.
  local key value
  while IFS='=' read -r key value; do
    value="${value%\"}"; value="${value#\"}"; value="${value%\'}"; value="${value#\'}"
    case "$key" in
      ID) ID="$value" ;; VERSION_ID) VERSION_ID="$value" ;; PRETTY_NAME) PRETTY_NAME="$value" ;;
      ID_LIKE) ID_LIKE="$value" ;; UBUNTU_CODENAME) UBUNTU_CODENAME="$value" ;;
      VERSION_CODENAME) VERSION_CODENAME="$value" ;;
    esac
  done < "$os_release"
  ES_OS_NAME="${PRETTY_NAME:-$ID $VERSION_ID}"
  ES_OS_FAMILY="$(es_deps_family "$ID" "$VERSION_ID" "$ID_LIKE" "${UBUNTU_CODENAME:-}" "$VERSION_CODENAME")"
  ES_OS_KNOWN=1
  if [[ -z "$ES_OS_FAMILY" ]]; then
    ES_OS_KNOWN=0
    ES_OS_FAMILY="debian-12"
  fi
  ES_ARCH="${arch:-$(dpkg --print-architecture 2>/dev/null || uname -m)}"
  case "$ES_ARCH" in aarch64) ES_ARCH=arm64 ;; x86_64) ES_ARCH=amd64 ;; armv7l) ES_ARCH=armhf ;; esac

  ES_L4T=""
  if [[ "$jetson" == auto ]]; then
    # A Jetson is told by its L4T release file (or the nvidia-l4t-core package), never by os-release.
    if [[ "$os_release" == "${ES_DEPS_ROOT:-}/etc/os-release" ]]; then
      ES_L4T="$(es_deps_read_l4t)"
    fi
  elif [[ "$jetson" != no ]]; then
    ES_L4T="$jetson"
  fi
  ES_JETPACK=""
  [[ -n "$ES_L4T" ]] && ES_JETPACK="$(es_deps_jetpack_of "$ES_L4T")"
  ES_IS_PI=0
  if [[ "$os_release" == "${ES_DEPS_ROOT:-}/etc/os-release" && -r "${ES_DEPS_ROOT:-}/proc/device-tree/model" ]] &&
     tr -d '\0' < "${ES_DEPS_ROOT:-}/proc/device-tree/model" | grep -q "Raspberry Pi"; then
    ES_IS_PI=1
  fi
}

# The family key of the package map for an os-release's fields; empty when the map does not know the system.
es_deps_family() {
  local id="$1" version="$2" like="$3" ubuntu_codename="$4" codename="$5"
  case "$id" in
    debian|raspbian)
      case "$version" in 11|12|13) echo "debian-$version"; return ;; esac
      case "$codename" in bullseye) echo debian-11 ;; bookworm) echo debian-12 ;; trixie) echo debian-13 ;; esac
      return ;;
    ubuntu)
      case "$version" in 18.04|20.04|22.04|24.04) echo "ubuntu-$version" ;; esac
      return ;;
  esac
  # Derivatives (Linux Mint, Pop!_OS, ...) name the Ubuntu release they follow.
  if [[ " $like " == *" ubuntu "* ]]; then
    case "$ubuntu_codename" in
      bionic) echo ubuntu-18.04 ;; focal) echo ubuntu-20.04 ;; jammy) echo ubuntu-22.04 ;; noble) echo ubuntu-24.04 ;;
    esac
  fi
}

# "R36.4" from /etc/nv_tegra_release ("# R36 (release), REVISION: 4.3, ..."), or from nvidia-l4t-core's version.
es_deps_read_l4t() {
  local root="${ES_DEPS_ROOT:-}"
  if [[ -r "$root/etc/nv_tegra_release" ]]; then
    sed -n 's/^# R\([0-9]*\) (release), REVISION: \([0-9]*\).*/R\1.\2/p' "$root/etc/nv_tegra_release" | head -1
    return
  fi
  local version
  version="$(dpkg-query -W -f='${Version}' nvidia-l4t-core 2>/dev/null)" || return 0
  [[ -n "$version" ]] && echo "R${version%%.*}.$(echo "$version" | cut -d. -f2)"
  return 0
}

# JetPack of an L4T release (NVIDIA's release notes): R32.7 = 4.6.x, R35 = 5.1.x, R36.2-3 = 6.0, R36.4 = 6.1/6.2,
# R38 = 7.
es_deps_jetpack_of() {
  case "$1" in
    R32.*) echo 4.6 ;;
    R34.*|R35.*) echo 5 ;;
    R36.*) echo 6 ;;
    R38.*|R39.*) echo 7 ;;
    *) echo unknown ;;
  esac
}

# --- the plan --------------------------------------------------------------------------------------------------
# Fills ES_DEPS_PACKAGES (names to install), ES_DEPS_NOTES (one line per missing part: feature lost, how to get it),
# ES_DEPS_INFO (how the build copes, nothing lost), ES_DEPS_ENV (KEY=value lines for the build) from the map and, with probe=1, from this machine's apt and files.
es_deps_plan() {
  local probe="${1:-0}"
  ES_DEPS_PACKAGES=()
  ES_DEPS_NOTES=()
  ES_DEPS_INFO=()
  ES_DEPS_ENV=()
  if [[ "$probe" == 1 ]] && ! es_deps_apt_lists_present; then
    probe=0
    ES_DEPS_INFO+=("apt has no package lists here (apt-get update): the plan is EdgeScope's map for $ES_OS_NAME, not probed")
  fi
  if [[ "$ES_OS_KNOWN" == 0 ]]; then
    ES_DEPS_NOTES+=("system: '$ES_OS_NAME' is not in EdgeScope's package map; using Debian 12's package names (report the system with its /etc/os-release to add it)")
  fi
  local role
  for role in "${ES_DEPS_ROLES[@]}"; do
    es_deps_plan_role "$role" "$probe"
  done
  [[ -n "${ES_DEPS_DEFECT[$ES_OS_FAMILY]:-}" ]] && ES_DEPS_INFO+=("${ES_DEPS_DEFECT[$ES_OS_FAMILY]}")
  es_deps_plan_toolchain "$probe"
  [[ -n "$ES_L4T" ]] && es_deps_plan_jetson "$probe"
  es_deps_plan_qt_prefix "$probe"
  return 0
}

# One role: its packages for this family (or the reason it has none), probed with apt-cache policy when asked.
es_deps_plan_role() {
  local role="$1" probe="$2" packages package
  packages="$(es_deps_packages_of "$role")"
  if [[ -n "$ES_L4T" ]] && es_deps_jetson_provides "$role"; then
    return # JetPack brings it (LibTorch from NVIDIA's wheel, OpenCV from JetPack): never the distro's copy
  fi
  if [[ "$ES_ARCH" == armhf && "$role" == torch* ]]; then
    ES_DEPS_NOTES+=("$(es_deps_feature "$role"): no LibTorch for 32-bit ARM in $ES_OS_NAME; install the 64-bit system (Raspberry Pi OS 64-bit is Debian 12 arm64)")
    return
  fi
  if [[ "$packages" == "-" && "$role" == cli11 ]]; then
    ES_DEPS_INFO+=("CLI11 is not packaged for $ES_OS_NAME: the build uses the released single header kept in app/cli/third_party/CLI11")
    return
  fi
  if [[ "$packages" == "-" && ( "$role" == qtsvg || "$role" == qtcharts ) &&
        "$(es_deps_packages_of qt)" == "-" ]]; then
    return # said once, for Qt itself
  fi
  if [[ "$packages" == "-" ]]; then
    ES_DEPS_NOTES+=("$(es_deps_feature "$role"): not packaged for $ES_OS_NAME. $(es_deps_remedy "$role")")
    return
  fi
  for package in $packages; do
    if [[ "$probe" == 1 ]] && ! es_deps_apt_has "$package"; then
      ES_DEPS_NOTES+=("$(es_deps_feature "$role"): $package has no install candidate here (apt-cache policy $package). $(es_deps_remedy "$role")")
      continue
    fi
    ES_DEPS_PACKAGES+=("$package")
  done
}

# apt knows the package and has a version to install (or it is installed already).
es_deps_apt_has() {
  local candidate
  es_deps_installed "$1" && return 0
  candidate="$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | head -1)"
  [[ -n "$candidate" && "$candidate" != "(none)" ]]
}

# apt has package lists to answer from (a fresh container, or a root made by mmdebstrap, has none until apt-get update).
es_deps_apt_lists_present() {
  compgen -G "${ES_DEPS_ROOT:-}/var/lib/apt/lists/*_Packages*" > /dev/null
}

# Before installing: package lists to probe, fetched when there are none.
es_deps_refresh_lists() {
  es_deps_apt_lists_present && return 0
  local sudo=""
  [[ "$(id -u)" -ne 0 ]] && command -v sudo > /dev/null && sudo="sudo"
  echo "edgescope: apt has no package lists yet: apt-get update" >&2
  $sudo apt-get update -q >&2 || echo "edgescope: apt-get update failed; the plan is EdgeScope's map, unprobed" >&2
}

es_deps_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# The compiler and CMake floors: C++17 with <filesystem> needs g++ 8 (Ubuntu 18.04 has 7.5), the CLI CMake 3.16,
# the application CMake 3.22.
es_deps_plan_toolchain() {
  local probe="$1"
  case "$ES_OS_FAMILY" in
    ubuntu-18.04)
      ES_DEPS_ENV+=("CXX=g++-8" "CC=gcc-8")
      ES_DEPS_INFO+=("compiler: gcc 7.5 has no C++17 <filesystem>; the build uses g++-8 from apt")
      ES_DEPS_NOTES+=("building: $ES_OS_NAME's CMake 3.10 is older than EdgeScope's 3.16: python3 -m pip install --user 'cmake>=3.22' (scripts use ~/.local/bin/cmake)")
      ;;
  esac
  if [[ "$probe" == 1 ]]; then
    local cmake
    cmake="$(es_deps_pick_cmake)"
    if [[ -n "$cmake" && "$cmake" != cmake ]]; then
      ES_DEPS_ENV+=("ES_CMAKE=$cmake")
    fi
  fi
}

# The newest CMake of ~/.local/bin (pip) and PATH that is at least 3.16.
es_deps_pick_cmake() {
  local candidate version best="" best_version="0"
  for candidate in "$HOME/.local/bin/cmake" "$(command -v cmake 2>/dev/null)"; do
    [[ -x "$candidate" ]] || continue
    version="$("$candidate" --version 2>/dev/null | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')"
    [[ -n "$version" ]] || continue
    if es_deps_version_ge "$version" 3.16 && es_deps_version_ge "$version" "$best_version"; then
      best="$candidate"; best_version="$version"
    fi
  done
  [[ "$best" == "$(command -v cmake 2>/dev/null)" ]] && best=cmake
  echo "$best"
}

es_deps_version_ge() {
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" == "$2" ]]
}

# Qt 6 built from source by scripts/build-qt6.sh (systems with no Qt 6 in apt).
es_deps_plan_qt_prefix() {
  local probe="$1" prefix="${ES_QT6_PREFIX:-/opt/qt6}"
  if [[ "$probe" == 1 && -f "$prefix/lib/cmake/Qt6/Qt6Config.cmake" ]]; then
    ES_DEPS_ENV+=("ES_QT6_PREFIX=$prefix")
    # The notes that said "no Qt 6" are answered by this build.
    local kept=() note
    for note in "${ES_DEPS_NOTES[@]}"; do
      [[ "$note" == "the desktop application"* || "$note" == "the Compare page's charts"* ]] && continue
      kept+=("$note")
    done
    ES_DEPS_NOTES=("${kept[@]}")
    ES_DEPS_INFO+=("Qt 6 from $prefix (scripts/build-qt6.sh)")
  fi
}

# --- output ----------------------------------------------------------------------------------------------------
es_deps_print() {
  local where="$ES_OS_NAME ($ES_OS_FAMILY, $ES_ARCH)"
  [[ -n "$ES_L4T" ]] && where+=", Jetson L4T $ES_L4T = JetPack $ES_JETPACK"
  [[ "$ES_IS_PI" == 1 ]] && where+=", Raspberry Pi"
  echo "system: $where"
  echo "packages: ${ES_DEPS_PACKAGES[*]}"
  local note
  for note in "${ES_DEPS_NOTES[@]}"; do
    echo "missing: $note"
  done
  for note in "${ES_DEPS_INFO[@]}"; do
    echo "note: $note"
  done
  for note in "${ES_DEPS_ENV[@]}"; do
    echo "build: $note"
  done
}

# Installs the plan's packages that are not installed yet. apt-get is asked for all of them at once; if that fails
# (a conflict, a held package) each is tried alone, so one failure costs only its own feature.
es_deps_install() {
  local missing=() package
  for package in "${ES_DEPS_PACKAGES[@]}"; do
    es_deps_installed "$package" || missing+=("$package")
  done
  local note
  for note in "${ES_DEPS_NOTES[@]}"; do
    echo "edgescope: missing: $note" >&2
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      echo "edgescope: need root or sudo to install: ${missing[*]}" >&2
      return 1
    fi
    sudo="sudo"
  fi
  echo "edgescope: installing ${missing[*]}" >&2
  $sudo apt-get update -q >&2 || echo "edgescope: apt-get update failed; installing from the lists already here" >&2
  if DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    return 0
  fi
  echo "edgescope: installing them together failed; trying each alone" >&2
  local failed=()
  for package in "${missing[@]}"; do
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$package" >&2 ||
      failed+=("$package")
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "edgescope: could not install ${failed[*]} (retry: sudo apt-get install ${failed[*]}); going on without them" >&2
  fi
  return 0
}

es_deps_main() {
  # ES_DEPS_ROOT: read this machine's files (os-release, nv_tegra_release, device-tree model) under another root.
  local os_release="${ES_DEPS_ROOT:-}/etc/os-release" arch="" jetson=auto mode=print env=0 force_probe=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --os-release) os_release="${2:?--os-release needs a file}"; shift 2 ;;
      --arch) arch="${2:?--arch needs amd64, arm64 or armhf}"; shift 2 ;;
      --jetson) jetson="${2:?--jetson needs an L4T release such as R36.4, or no}"; shift 2 ;;
      --print) mode=print; shift ;;
      --install) mode=install; shift ;;
      --env) env=1; shift ;;
      --probe) force_probe=1; shift ;;
      -h|--help) sed -n '3,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
      *) echo "deps: unknown argument '$1' (see scripts/deps.sh --help)" >&2; return 2 ;;
    esac
  done
  es_deps_detect "$os_release" "$arch" "$jetson" || return $?
  # Probe apt and the files only where the plan is for this machine.
  local probe=0
  [[ "$os_release" == /etc/os-release && -z "$arch" && -z "${ES_DEPS_ROOT:-}" ]] && probe=1
  [[ "$force_probe" == 1 ]] && probe=1
  es_deps_plan "$probe"
  if [[ "$env" == 1 ]]; then
    local line
    for line in "${ES_DEPS_ENV[@]}"; do printf '%q\n' "$line"; done
    return 0
  fi
  if [[ "$mode" == install ]]; then
    es_deps_refresh_lists
    es_deps_plan "$probe"
  fi
  es_deps_print
  [[ "$mode" == install ]] && es_deps_install
  return 0
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -uo pipefail
  es_deps_main "$@"
fi
