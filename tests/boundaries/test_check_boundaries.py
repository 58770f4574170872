#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Shows that check_boundaries.py fails on each broken rule: a small tree that keeps every rule passes, and the same
tree with one offending file (or one offending include path in compile_commands.json) fails, naming that file."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_boundaries  # noqa: E402
import check_function_size  # noqa: E402

CLEAN = {
    "profiler/base/status.h": "#include <string>\n",
    "profiler/collect/cupti/cupti_api.cpp": "#include <cupti.h>\n#include \"base/status.h\"\n",
    "profiler/collect/range_recorder.cpp": "#include <nvtx3/nvToolsExt.h>\n",
    "engine/include/edgescope/engine/lab.h": "#include \"base/status.h\"\n#include <vector>\n",
    "engine/ssd/ssd300.h": "#include <torch/torch.h>\n",
    "engine/runtime/cuda_memory.cpp": "#include <c10/cuda/CUDACachingAllocator.h>\n",
    "app/cli/commands.cpp": "#include \"edgescope/engine/lab.h\"\n#include <QString>\n",
}

# One broken rule each: the file that breaks it, its text, and a word the report must contain.
BREAKS = [
    ("profiler/store/session_store.cpp", "#include <cuda_runtime.h>\n", "CUDA/CUPTI"),
    ("profiler/analysis/analysis.cpp", "#include <cupti.h>\n", "CUDA/CUPTI"),
    ("engine/lab/lab.cpp", "#include <cuda.h>\n", "CUDA/CUPTI"),
    ("app/gui/live_page.cpp", "#include <cuda_runtime_api.h>\n", "CUDA/CUPTI"),
    ("profiler/model/trace_model.cpp", "#include <QString>\n", "no Qt, LibTorch"),
    ("profiler/model/gpu_activity.cpp", "#include <torch/torch.h>\n", "no Qt, LibTorch"),
    ("profiler/reports/session_stats.cpp", "#include \"edgescope/engine/lab.h\"\n", "depend on the engine"),
    ("app/cli/table_report.cpp", "#include <torch/torch.h>\n", "public API only"),
    ("app/gui/compare_page.cpp", "#include <opencv2/core.hpp>\n", "public API only"),
    ("app/cli/bench_report.cpp", "#include \"ssd/ssd300.h\"\n", "only the engine's public headers"),
    ("engine/include/edgescope/engine/steps.h", "#include <torch/torch.h>\n", "public header carries no"),
    ("engine/include/edgescope/engine/soak.h", "#include \"lab/pipeline.h\"\n", "includes no private"),
    ("profiler/collect/system_sampler.cpp", "#include <nvtx3/nvToolsExt.h>\n", "NVTX belongs"),
    ("engine/ssd/postprocess.cpp", "#include <c10/cuda/CUDAStream.h>\n", "CUDA-only headers"),
]


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def compile_commands(root, entries):
    path = os.path.join(root, "compile_commands.json")
    with open(path, "w") as f:
        json.dump([{"directory": root, "file": os.path.join(root, rel), "command": f"c++ {flags} -c {rel}"}
                   for rel, flags in entries], f)
    return path


class BoundaryCheckFails(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = self.dir.name
        write_tree(self.root, CLEAN)

    def tearDown(self):
        self.dir.cleanup()

    def test_clean_tree_passes(self):
        self.assertEqual(check_boundaries.check_sources(self.root), [])
        cc = compile_commands(self.root, [("profiler/base/status.cpp", "-I/src/profiler"),
                                          ("profiler/collect/cupti/cupti_api.cpp", "-isystem /usr/local/cuda/include"),
                                          ("engine/ssd/ssd300.cpp", "-isystem /usr/include/torch/csrc/api/include")])
        self.assertEqual(check_boundaries.check_build(self.root, cc)[0], [])
        self.assertEqual(check_boundaries.main([self.root, "--compile-commands", cc]), 0)

    def test_each_broken_rule_is_reported(self):
        for rel, text, words in BREAKS:
            with self.subTest(file=rel):
                path = os.path.join(self.root, rel)
                write_tree(self.root, {rel: text})
                problems = check_boundaries.check_sources(self.root)
                os.remove(path)
                self.assertEqual(len(problems), 1, problems)
                self.assertIn(rel + ":1:", problems[0])
                self.assertIn(words, problems[0])

    def test_include_paths_of_the_build_are_checked(self):
        cases = [("app/cli/commands.cpp", "-isystem /usr/include/torch/csrc/api/include", "LibTorch"),
                 ("profiler/base/clock.cpp", "-I/usr/include/opencv4", "OpenCV"),
                 ("profiler/store/session_store.cpp", "-I/usr/local/cuda-12.4/targets/x86_64-linux/include", "CUDA"),
                 ("tests/app/tst_gui_run.cpp", "-isystem /opt/torch/include", "LibTorch")]
        for rel, flags, words in cases:
            with self.subTest(file=rel):
                cc = compile_commands(self.root, [(rel, flags)])
                problems, units = check_boundaries.check_build(self.root, cc)
                self.assertEqual(units, 1)
                self.assertEqual(len(problems), 1, problems)
                self.assertIn(rel, problems[0])
                self.assertIn(words, problems[0])
                self.assertEqual(check_boundaries.main([self.root, "--compile-commands", cc]), 1)


class FunctionSizeCheckFails(unittest.TestCase):
    def test_a_long_function_fails_and_a_table_does_not(self):
        body = "".join(f"    call({i});\n" for i in range(97))
        table = "".join(f"    {{ {i}, \"row\" }},\n" for i in range(300))
        files = {"profiler/base/fits.cpp": "int fits(int a)\n{\n" + body + "}\n",
                 "engine/lab/table.cpp": "const Row kRows[] = {\n" + table + "};\n",
                 "app/cli/klass.h": "class Long\n{\n" + body * 3 + "};\n"}
        with tempfile.TemporaryDirectory() as root:
            write_tree(root, files)
            self.assertEqual(check_function_size.main([root]), 0)
            self.assertEqual([f[0] for f in check_function_size.measure(root)], [100])
            write_tree(root, {"app/cli/long.cpp": "int run(int a,\n    int b)\n{\n" + body + "    done();\n}\n"})
            self.assertEqual(check_function_size.measure(root)[0][:3], (102, os.path.join("app", "cli", "long.cpp"), 1))
            self.assertEqual(check_function_size.main([root]), 1)
            inits = "".join(f"    , m_{i}({i})\n" for i in range(5))
            write_tree(root, {"app/gui/page.cpp": "Page::Page(QWidget* parent)\n    : QWidget(parent)\n" + inits
                              + "{\n" + body + "}\n"})
            self.assertIn((106, os.path.join("app", "gui", "page.cpp"), 1),
                          [f[:3] for f in check_function_size.measure(root)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
