#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the architecture's boundaries (docs/architecture.md) on a source tree, and on the build's
compile_commands.json when one is given:

  profiler/  no Qt, LibTorch or OpenCV; no engine or app header
  engine/    public headers (include/edgescope/engine/) with no LibTorch, OpenCV, CUDA or private engine header
  app/       no LibTorch, OpenCV or CUDA; from the engine only its public headers
  CUDA/CUPTI headers only in the CUPTI collector (profiler/collect/cupti/), NVTX only in the range recorder, LibTorch's
  CUDA-only headers only in engine/runtime/cuda_memory.cpp; the tests and benches that check those seams aside
  build      no profiler/ or app/ translation unit compiles with a LibTorch, OpenCV or CUDA include path (the
             two object libraries above and their seam tests aside)

Usage: check_boundaries.py ROOT [--compile-commands FILE]. Prints one line per violation; exit 1 when any."""
import argparse
import json
import os
import re
import shlex
import sys

SOURCE_SUFFIXES = (".h", ".hpp", ".cpp", ".cc")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

TORCH = re.compile(r"^(torch|ATen|c10|caffe2)/")
OPENCV = re.compile(r"^opencv2?/")
QT = re.compile(r"^(Q[A-Za-z]+|Qt[A-Za-z]+/.*)$")
CUDA = re.compile(r"^(cuda[A-Za-z0-9_]*\.h|cupti[A-Za-z0-9_]*\.h|cuda/|cuda_runtime|driver_types\.h|nvml\.h|crt/)")
NVTX = re.compile(r"^nvtx3?/|^nvToolsExt")
TORCH_CUDA = re.compile(r"^(c10|ATen)/cuda/")

# Where each guarded family of headers may be included (path prefixes relative to ROOT).
CUDA_ALLOWED = ("profiler/collect/cupti/", "tests/profiler/collect/cupti/", "bench/bench_gpu_trace.cpp", "tests/gpu/")
NVTX_ALLOWED = ("profiler/collect/range_recorder.cpp",)
TORCH_CUDA_ALLOWED = ("engine/runtime/cuda_memory.cpp", "tests/gpu/")
# Translation units that may compile with the CUDA toolkit's include path (the two object libraries, their tests).
CUDA_PATH_ALLOWED = CUDA_ALLOWED + NVTX_ALLOWED
ENGINE_PRIVATE_FOLDERS = ("lab", "ssd", "video", "zoo", "runtime", "fetch")


def source_files(root, top):
    for folder, _, names in os.walk(os.path.join(root, top)):
        for name in sorted(names):
            if name.endswith(SOURCE_SUFFIXES):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root).replace(os.sep, "/"), path


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for match in INCLUDE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        yield line, match.group(1) == "<", match.group(2)


def allowed(rel, prefixes):
    return any(rel.startswith(p) for p in prefixes)


def is_engine_private(header):
    first = header.split("/", 1)[0]
    return "/" in header and first in ENGINE_PRIVATE_FOLDERS


def check_sources(root):
    problems = []

    def bad(rel, line, header, rule):
        problems.append(f"{rel}:{line}: includes {header}: {rule}")

    for top in ("profiler", "engine", "app", "bench", "tests"):
        for rel, path in source_files(root, top):
            public_engine = rel.startswith("engine/include/")
            for line, angled, header in includes(path):
                if CUDA.match(header) and not allowed(rel, CUDA_ALLOWED):
                    bad(rel, line, header, "CUDA/CUPTI headers belong to the CUPTI collector (profiler/collect/cupti/)")
                if NVTX.match(header) and not allowed(rel, NVTX_ALLOWED):
                    bad(rel, line, header, "NVTX belongs to profiler/collect/range_recorder.cpp")
                if TORCH_CUDA.match(header) and not allowed(rel, TORCH_CUDA_ALLOWED):
                    bad(rel, line, header, "LibTorch's CUDA-only headers belong to engine/runtime/cuda_memory.cpp")
                if rel.startswith("profiler/"):
                    if angled and (QT.match(header) or TORCH.match(header) or OPENCV.match(header)):
                        bad(rel, line, header, "profiler/ uses no Qt, LibTorch or OpenCV")
                    if header.startswith("edgescope/engine/") or is_engine_private(header):
                        bad(rel, line, header, "profiler/ cannot depend on the engine")
                if rel.startswith(("app/", "tests/app/")):
                    if angled and (TORCH.match(header) or OPENCV.match(header)):
                        bad(rel, line, header, "app/ sees the engine through its public API only (no LibTorch, OpenCV)")
                    if not angled and is_engine_private(header):
                        bad(rel, line, header, "app/ includes only the engine's public headers (edgescope/engine/)")
                if public_engine:
                    if angled and (TORCH.match(header) or OPENCV.match(header) or CUDA.match(header)):
                        bad(rel, line, header, "an engine public header carries no LibTorch, OpenCV or CUDA type")
                    if not angled and is_engine_private(header):
                        bad(rel, line, header, "an engine public header includes no private engine header")
    return problems


def include_paths(entry):
    args = entry.get("arguments") or shlex.split(entry.get("command", ""))
    paths = []
    for i, arg in enumerate(args):
        for flag in ("-I", "-isystem", "-iquote", "-idirafter"):
            if arg == flag and i + 1 < len(args):
                paths.append(args[i + 1])
            elif arg.startswith(flag) and len(arg) > len(flag) and flag == "-I":
                paths.append(arg[2:])
    return paths


def check_build(root, compile_commands):
    with open(compile_commands, encoding="utf-8") as f:
        entries = json.load(f)
    root = os.path.realpath(root)
    problems = []
    for entry in entries:
        source = os.path.realpath(os.path.join(entry.get("directory", ""), entry["file"]))
        rel = os.path.relpath(source, root).replace(os.sep, "/")
        if not rel.startswith(("profiler/", "app/", "tests/app/")):
            continue
        for path in include_paths(entry):
            lowered = path.lower()
            if "torch" in lowered or "caffe2" in lowered:
                problems.append(f"{rel}: compiled with LibTorch's include path {path}")
            elif "opencv" in lowered:
                problems.append(f"{rel}: compiled with OpenCV's include path {path}")
            elif "cuda" in lowered and not allowed(rel, CUDA_PATH_ALLOWED):
                problems.append(f"{rel}: compiled with the CUDA include path {path}")
    return problems, len(entries)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--compile-commands")
    args = parser.parse_args(argv)
    problems = check_sources(args.root)
    units = 0
    if args.compile_commands:
        build_problems, units = check_build(args.root, args.compile_commands)
        problems += build_problems
    for problem in problems:
        print(problem)
    if problems:
        print(f"boundaries: {len(problems)} violation(s); see docs/architecture.md for what goes where")
        return 1
    print("boundaries: every include and include path within its layer" +
          (f" ({units} translation units checked)" if units else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
