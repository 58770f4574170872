#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Lists the functions of profiler/, engine/ and app/ longer than a limit (100 lines by default), counted from the
line that opens the signature to the closing brace, and exits 1 when there is any.

It reads the code as clang-format lays it out here (.clang-format: a function's opening brace alone on its line,
a class's too), so a body is a line holding only `{` and ends at the next `}` at the same indentation. Data tables
open with `= {` on their first line and are not functions: they are not counted.

Usage: check_function_size.py ROOT [--limit 100] [--top N] (--top lists the N longest, whatever their length)."""
import argparse
import os
import re
import sys

FOLDERS = ("profiler", "engine", "app")
OPEN = re.compile(r"^(\s*)\{\s*$")
NOT_A_FUNCTION = re.compile(r"\b(namespace|struct|class|union|enum)\b")


def functions(path):
    """Yields (first line, length, signature) for each function body in the file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        match = OPEN.match(lines[i])
        if not match or i == 0:
            i += 1
            continue
        previous = lines[i - 1].strip()
        if NOT_A_FUNCTION.search(previous) or previous.endswith(("=", ",", "{")) or previous == "":
            i += 1
            continue
        start = i - 1
        # A constructor's initializer list (", m_x(...)" lines after ": ") belongs to its signature.
        while start > 0 and lines[start].strip().startswith((",", ":")):
            start -= 1
        while start > 0 and "(" not in lines[start] and lines[start - 1].strip():
            start -= 1
        close = re.compile("^" + re.escape(match.group(1)) + r"\}\s*;?\s*$")
        end = i + 1
        while end < len(lines) and not close.match(lines[end]):
            end += 1
        yield start + 1, end - start + 1, lines[start].strip()
        i = end + 1


def measure(root):
    found = []
    for top in FOLDERS:
        for folder, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if name.endswith((".cpp", ".h")):
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, root)
                    for line, length, signature in functions(path):
                        found.append((length, rel, line, signature))
    found.sort(key=lambda f: (-f[0], f[1], f[2]))
    return found


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args(argv)
    found = measure(args.root)
    for length, rel, line, signature in found[: args.top]:
        print(f"{length:4d} {rel}:{line} {signature[:100]}")
    over = [f for f in found if f[0] > args.limit]
    for length, rel, line, signature in over:
        print(f"{rel}:{line}: {length} lines, over {args.limit}: {signature[:100]}")
    if over:
        print(f"function size: {len(over)} function(s) over {args.limit} lines: split them by job (CONTRIBUTING.md)")
        return 1
    print(f"function size: {len(found)} functions, the longest {found[0][0] if found else 0} lines "
          f"(limit {args.limit})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
