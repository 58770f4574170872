#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks that every C++ file git tracks is formatted as .clang-format says (clang-format --dry-run -Werror).
# Fix with: git ls-files '*.cpp' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v clang-format >/dev/null || { echo "format-check: no clang-format (apt-get install clang-format)" >&2; exit 1; }
files=$(git ls-files '*.cpp' '*.h')
if ! echo "$files" | xargs clang-format --dry-run -Werror; then
  echo "format-check: files above are not formatted; run: git ls-files '*.cpp' '*.h' | xargs clang-format -i" >&2
  exit 1
fi
echo "format-check: $(echo "$files" | wc -l) files formatted as .clang-format says"
