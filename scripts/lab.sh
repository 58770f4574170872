#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the EdgeScope lab on the bundled sample video: installs what is missing and builds; then, where there is a
# display, opens the desktop application and runs every step in it (results in a session under out/); headless
# (no DISPLAY, or ES_HEADLESS=1, or a build without Qt) it runs `edgescope-cli run`, prints the step table and writes
# out/lab-*.json and .txt. Extra arguments go to the application or the CLI (e.g. --frames 24 --batch 8).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
es_install_missing
es_build

mkdir -p "$ES_ROOT/out"
stamp="$(date +%Y%m%d-%H%M%S)"
video="$ES_ROOT/sample_videos/vtest_pedestrians.mp4"
if [ -z "${ES_HEADLESS:-}" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } &&
   [ -x "$ES_BUILD_DIR/bin/edgescope" ]; then
  session="$ES_ROOT/out/lab-$stamp.sqlite"
  echo "edgescope: opening the application; the runs go to $session" >&2
  exec "$ES_BUILD_DIR/bin/edgescope" --run --video "$video" --frames 4 --warmup 1 --repeat 3 --out "$session" "$@"
fi
result="$ES_ROOT/out/lab-$stamp.json"
table="$ES_ROOT/out/lab-$stamp.txt"
"$ES_BUILD_DIR/bin/edgescope-cli" run --video "$video" --steps all --frames 4 --warmup 1 --repeat 3 --output "$result" "$@" \
  | tee "$table"
echo "edgescope: results in $result and $table"
