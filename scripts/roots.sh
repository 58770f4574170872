# SPDX-License-Identifier: Apache-2.0
# Shared by the scripts that build EdgeScope for other systems (cross-arm64.sh, compat.sh, cuda-headers-check.sh,
# build-qt6.sh): a download cache outside the clone, Debian roots made with mmdebstrap and kept there, and failures
# that name the command and what to retry. Sourced, never run.

# Downloads and roots live here, outside the clone, so that a warm machine reuses them and `git clean` keeps them.
ES_CACHE_DIR="${ES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/edgescope}"

es_say() { echo "[$(basename "${BASH_SOURCE[1]:-$0}" .sh) $(date +%T)] $*" >&2; }

# Runs a command; when it fails, says which command failed, its exit status, and what to retry, then exits.
es_run_or_stop() {
  local retry="$1"
  shift
  local status=0
  "$@" || status=$?
  if [[ $status -ne 0 ]]; then
    echo "FAILED (exit $status): $*" >&2
    echo "retry: $retry" >&2
    exit "$status"
  fi
}

# Installs host packages that are missing (Debian names: these scripts run on the Debian 12 development machine).
es_host_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  es_say "installing ${missing[*]}"
  if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    $sudo apt-get update -q >&2 || true
    es_run_or_stop "sudo apt-get update && sudo apt-get install ${missing[*]}" \
      $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

# A Debian root in DIR for SUITE/ARCH with PACKAGES, made once and reused while the package list is the same
# (the list is kept in DIR/.edgescope-root). VARIANT: extract (unpacked only: a sysroot to compile against) or apt
# (a root to chroot into and build in). Made in DIR.partial and renamed, so an interrupted run leaves no half root.
es_debian_root() {
  local dir="$1" suite="$2" arch="$3" variant="$4"
  shift 4
  local packages
  packages="$(printf '%s\n' "$@" | sort -u | paste -sd, -)"
  local stamp="$suite $arch $variant $packages"
  if [[ -f "$dir/.edgescope-root" && "$(cat "$dir/.edgescope-root")" == "$stamp" ]]; then
    es_say "Debian $suite $arch root: $dir (cached)"
    return 0
  fi
  # A root to chroot into that lacks only some packages gets them with its own apt instead of being made again.
  if [[ "$variant" == apt && -f "$dir/.edgescope-root" && "$(cut -d' ' -f1-3 "$dir/.edgescope-root")" == "$suite $arch apt" ]]; then
    es_say "Debian $suite $arch root: adding $* to $dir"
    if chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
         sh -c "apt-get -q update && apt-get install -y -q --no-install-recommends $*" >&2; then
      echo "$stamp" > "$dir/.edgescope-root"
      return 0
    fi
    es_say "adding packages failed; making the root again"
  fi
  es_say "making a Debian $suite $arch root in $dir ($variant; $(echo "$packages" | tr ',' ' ' | wc -w) packages and their dependencies)"
  rm -rf "$dir.partial"
  mkdir -p "$(dirname "$dir")"
  local mirror="${ES_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  local sources=("deb $mirror $suite main")
  [[ "$variant" == apt ]] && sources+=("deb-src $mirror $suite main")
  local started=$SECONDS
  es_run_or_stop "scripts/$(basename "${BASH_SOURCE[1]}") again (a network or mirror failure: set ES_DEBIAN_MIRROR to another Debian mirror)" \
    mmdebstrap --arch="$arch" --variant="$variant" --include="$packages" "$suite" "$dir.partial" "${sources[@]}" >&2
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  echo "$stamp" > "$dir/.edgescope-root"
  es_say "root ready in $((SECONDS - started)) s: $(du -sh "$dir" | cut -f1)"
}
