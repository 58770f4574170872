# SPDX-License-Identifier: Apache-2.0
"""edgescope-cli compare of two real PyTorch-profiler traces (../shared/testdata), imported on the fly: each side's
iterations, their rate and the kernels launched per iteration, checked against an independent read of the JSON here
(gzip + json, nothing of EdgeScope's), and a kernel diff that names the kernels of both traces.

usage: test_import_compare.py EDGESCOPE_CLI PROJECT_DIR  (exit 77: skipped, no shared traces here)
"""
import gzip
import json
import os
import subprocess
import sys

SKIP = 77


def independent_read(path):
    """ProfilerStep#N windows on the CPU side (outermost only), and the kernels launched within them."""
    with gzip.open(path, "rt") as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    spans = set()
    launches = {}
    kernels = []
    for e in events:
        if e.get("ph") != "X":
            continue
        cat = str(e.get("cat", "")).lower()
        args = e.get("args") or {}
        if str(e.get("name", "")).startswith("ProfilerStep#") and not cat.startswith("gpu_"):
            spans.add((float(e["ts"]), float(e["ts"]) + float(e.get("dur", 0))))
        if cat in ("runtime", "cuda_runtime", "cuda_driver") and "correlation" in args:
            launches[args["correlation"]] = float(e["ts"])
        if cat == "kernel":
            kernels.append((args.get("correlation"), float(e["ts"]), e.get("name")))
    windows = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if end > start and (not windows or start >= windows[-1][1]):
            windows.append((start, end))
    inside = [name for corr, ts, name in kernels
              if any(s <= launches.get(corr, ts) < e for s, e in windows)]
    span_s = (windows[-1][1] - windows[0][0]) / 1e6
    return {"count": len(windows), "per_s": len(windows) / span_s, "kernels": len(inside), "names": set(inside)}


def close(a, b, rel=1e-4):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)


def main():
    cli, project = sys.argv[1], sys.argv[2]
    root = os.path.join(project, "..", "shared", "testdata", "kineto")
    paths = [os.path.join(root, name) for name in
             ("kineto2021_resnet50.pt.trace.json.gz", "hta_event_sync.pt.trace.json.gz")]
    if not all(os.path.exists(p) for p in paths):
        print(f"no shared PyTorch traces in {root}: skipped")
        return SKIP
    expected = [independent_read(p) for p in paths]
    result = subprocess.run([cli, "compare", *paths, "--format", "json"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    runs = report["runs"]
    assert len(runs) == 2, f"{len(runs)} runs"
    for run, want, path in zip(runs, expected, paths):
        it = run["iterations"]
        assert it is not None, f"{path}: no iterations ({run.get('iterations_note')})"
        assert run["session"] == path, run["session"]
        assert run["fps"] is None, "an import has no FPS"
        assert it["marker"] == "ProfilerStep#", it["marker"]
        assert it["count"] == want["count"], (path, it["count"], want["count"])
        assert close(it["iterations_per_s"], want["per_s"]), (path, it["iterations_per_s"], want["per_s"])
        assert close(it["kernels_per_iteration"] * it["count"], want["kernels"], 1e-9), \
            (path, it["kernels_per_iteration"], want["kernels"])
        print(f"{os.path.basename(path)}: {it['count']} iterations, {it['iterations_per_s']:.2f}/s, "
              f"{it['kernels_per_iteration']:.1f} kernels per iteration, GPU busy {it['gpu_busy_percent']:.0f}%")
    comparison = report["comparisons"][0]
    assert comparison["base"]["iterations_per_s"] > 0 and comparison["with"]["iterations_per_s"] > 0
    assert close(comparison["measured_speedup"], expected[1]["per_s"] / expected[0]["per_s"])
    diff = comparison["kernel_diff"]
    assert diff, "no kernel diff"
    by_change = {}
    for item in diff:
        by_change.setdefault(item["change"], set()).add(item["name"])
    shared = expected[0]["names"] & expected[1]["names"]
    for name in by_change.get("appeared", ()):
        assert name in expected[1]["names"] and name not in expected[0]["names"], name
    for name in by_change.get("vanished", ()):
        assert name in expected[0]["names"] and name not in expected[1]["names"], name
    for name in by_change.get("changed", ()):
        assert name in shared, name
    largest = max(abs(i["delta_ms_per_iteration"]) for i in diff)
    assert abs(diff[0]["delta_ms_per_iteration"]) == largest, "kernel diff not ordered by change"
    print(f"kernel diff: {len(diff)} entries, {', '.join(f'{k} {len(v)}' for k, v in sorted(by_change.items()))}")

    table = subprocess.run([cli, "compare", *paths], capture_output=True, text=True, timeout=600)
    assert table.returncode == 0, table.stderr
    assert "iterations/s" in table.stdout and "0.00 FPS" not in table.stdout, table.stdout[:2000]
    return 0


if __name__ == "__main__":
    sys.exit(main())
