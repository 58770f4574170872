#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs EdgeScope's tests: installs what is missing, builds, runs every CTest test but the GPU ones (label gpu; they
# need a GPU machine), then the acceptance checks of ../shared/checks when that folder exists.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
es_install_missing
es_build
export QT_QPA_PLATFORM=offscreen
es_ctest --output-on-failure -j "${ES_JOBS:-2}" -LE gpu
