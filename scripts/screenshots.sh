#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Screenshots of every page of the real application for docs/screenshots/ (the README shows them): starts it under
# Xvfb, runs the lab on the sample video (--profile full, so the timeline has LibTorch's operators), takes the Live
# page mid-run and the other pages when the runs are in the session; then, where ../shared/testdata is at hand, the
# Compare page of two imported PyTorch-profiler traces (gui-compare-imports*.png); last, the Bench and Devices pages
# of two real benches of four models on this machine, with two LibTorch threads and with one standing in for two
# devices (gui-bench.png, gui-devices.png). Usage: scripts/screenshots.sh [FOLDER]
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
es_install_missing
es_build
folder="${1:-$ES_ROOT/docs/screenshots}"
mkdir -p "$folder"
session="$(mktemp -d)/screenshots.sqlite"
xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$ES_BUILD_DIR/bin/edgescope" --run --video "$ES_ROOT/sample_videos/vtest_pedestrians.mp4" --frames 3 --warmup 1 --repeat 3 \
  --profile full --out "$session" --screenshots "$folder"
traces="$ES_ROOT/../shared/testdata/kineto"
if [[ -r "$traces/kineto2021_resnet50.pt.trace.json.gz" && -r "$traces/hta_event_sync.pt.trace.json.gz" ]]; then
  imports="$(mktemp -d)"
  for trace in kineto2021_resnet50 hta_event_sync; do
    "$ES_BUILD_DIR/bin/edgescope-cli" import "$traces/$trace.pt.trace.json.gz" -o "$imports/imports.sqlite" >/dev/null
  done
  xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$ES_BUILD_DIR/bin/edgescope" "$imports/imports.sqlite" --screenshots "$imports/shots"
  cp "$imports/shots/gui-compare.png" "$folder/gui-compare-imports.png"
  cp "$imports/shots/gui-compare-all.png" "$folder/gui-compare-imports-all.png"
  rm -rf "$imports"
fi
benches="$(mktemp -d)"
for threads in 1 2; do
  "$ES_BUILD_DIR/bin/edgescope-cli" bench --models ssd300,resnet50,mobilenetv2,yolov3-tiny --threads "$threads" \
    --out "$benches/vm-${threads}threads.sqlite" -q >/dev/null
done
xvfb-run -a -s "-screen 0 1600x1000x24" "$ES_BUILD_DIR/bin/edgescope" "$benches/vm-2threads.sqlite" \
  --devices "$benches/vm-1threads.sqlite,$benches/vm-2threads.sqlite" --screenshots "$benches/shots"
cp "$benches/shots/gui-bench.png" "$benches/shots/gui-devices.png" "$folder/"
rm -rf "$benches"
ls -l "$folder"/gui-*.png
