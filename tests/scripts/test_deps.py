#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""scripts/deps.sh, run for real on the os-release files of the systems EdgeScope supports (tests/data/os-release,
written as those systems ship them): the package names it plans, the notes on what each system lacks, a Jetson told
by its L4T release file, a Raspberry Pi by its device-tree model, the probe of this machine's apt, and bad input.

Usage: test_deps.py ROOT (the project's root)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "tests", "data")


def deps(*args, env=None, expect=0):
    full_env = dict(os.environ)
    full_env.pop("ES_DEPS_ROOT", None)
    full_env.update(env or {})
    p = subprocess.run(["bash", os.path.join(ROOT, "scripts", "deps.sh"), *args], capture_output=True, text=True,
                       env=full_env, timeout=60)
    if p.returncode != expect:
        raise AssertionError(f"deps.sh {' '.join(args)} exited {p.returncode}, wanted {expect}: {p.stderr}")
    return p.stdout + p.stderr


def plan(name, *extra):
    return deps("--os-release", os.path.join(DATA, "os-release", name), "--print", *extra)


def packages(text):
    line = next(l for l in text.splitlines() if l.startswith("packages:"))
    return line.split(":", 1)[1].split()


def missing(text):
    return [l for l in text.splitlines() if l.startswith("missing:")]


class PackageNames(unittest.TestCase):
    def test_debian_12_and_raspberry_pi_os(self):
        text = plan("debian-12", "--arch", "arm64")
        names = packages(text)
        for name in ("qt6-base-dev", "qt6-svg-dev", "qt6-charts-dev", "libqt6opengl6-dev", "libtorch-dev",
                     "libcli11-dev", "nlohmann-json3-dev", "libopenblas0-pthread"):
            self.assertIn(name, names)
        self.assertEqual(missing(text), [])
        self.assertIn("(debian-12, arm64)", text)

    def test_ubuntu_22_04_names_its_own_qt_modules(self):
        names = packages(plan("ubuntu-22.04"))
        for name in ("qt6-base-dev", "libqt6svg6-dev", "libqt6charts6-dev", "libqt6opengl6-dev", "libcli11-dev",
                     "libtorch-dev"):
            self.assertIn(name, names)
        self.assertNotIn("qt6-svg-dev", names)
        self.assertNotIn("qt6-charts-dev", names)

    def test_ubuntu_20_04_and_18_04_have_no_qt_6(self):
        for name in ("ubuntu-20.04", "ubuntu-18.04"):
            text = plan(name)
            self.assertFalse([p for p in packages(text) if p.startswith(("qt6", "libqt6"))], name)
            qt = [l for l in missing(text) if "desktop application" in l]
            self.assertEqual(len(qt), 1, f"{name}: one note for Qt 6, not one per module: {qt}")
            self.assertIn("scripts/build-qt6.sh", qt[0])
            self.assertIn("open the session", qt[0])
            self.assertIn("the lab itself", text)  # no LibTorch package: the note says where LibTorch comes from
            self.assertIn("app/cli/third_party/CLI11", text)

    def test_ubuntu_18_04_takes_gcc_8_and_a_newer_cmake(self):
        text = plan("ubuntu-18.04")
        self.assertIn("g++-8", packages(text))
        self.assertIn("libopenblas-base", packages(text))
        self.assertIn("build: CXX=g++-8", text)
        self.assertIn("pip install --user 'cmake>=3.22'", text)
        self.assertTrue(any("nlohmann/json" in l for l in missing(text)))
        self.assertTrue(any("GTEST_SKIP" in l for l in missing(text)))

    def test_newer_systems_keep_qt_opengl_inside_qt6_base(self):
        for name in ("ubuntu-24.04", "debian-13"):
            names = packages(plan(name))
            self.assertIn("qt6-charts-dev", names)
            self.assertNotIn("libqt6opengl6-dev", names, name)
        self.assertNotIn("libtorch-dev", packages(plan("ubuntu-24.04")))

    def test_debian_11_uses_the_cli11_kept_in_the_repository(self):
        text = plan("debian-11")
        self.assertNotIn("libcli11-dev", packages(text))
        self.assertIn("libtorch-dev", packages(text))
        self.assertIn("note: CLI11 is not packaged", text)
        # Debian 11's LibTorch configuration needs protobuf, and its targets point at /usr/lib/lib: both said.
        self.assertIn("libprotobuf-dev", packages(text))
        self.assertIn("sudo ln -s x86_64-linux-gnu /usr/lib/lib", text)
        self.assertFalse([l for l in missing(text) if "CLI11" in l])

    def test_a_derivative_follows_its_ubuntu_release(self):
        text = plan("linuxmint-21.3")
        self.assertIn("(ubuntu-22.04,", text)
        self.assertIn("libqt6svg6-dev", packages(text))

    def test_an_unknown_system_gets_debian_names_and_a_message_naming_it(self):
        text = plan("fedora-40")
        self.assertIn("qt6-svg-dev", packages(text))
        self.assertTrue(any("'Fedora Linux 40 (Workstation Edition)' is not in EdgeScope's package map" in l
                            for l in missing(text)))

    def test_32_bit_arm_has_no_libtorch(self):
        text = plan("debian-12", "--arch", "armhf")
        self.assertNotIn("libtorch-dev", packages(text))
        self.assertTrue(any("64-bit" in l for l in missing(text)))


class Boards(unittest.TestCase):
    def test_a_jetson_is_told_by_its_l4t_release_file(self):
        text = deps("--print", "--arch", "arm64", env={"ES_DEPS_ROOT": os.path.join(DATA, "jetson-root")})
        self.assertIn("Jetson L4T R36.4 = JetPack 6", text)
        names = packages(text)
        for never in ("libtorch-dev", "python3-torch", "libopencv-dev"):
            self.assertNotIn(never, names, "a Jetson keeps NVIDIA's LibTorch and JetPack's OpenCV")
        self.assertIn("libqt6svg6-dev", names)
        self.assertIn("jp/v61/pytorch", text)
        self.assertIn("build: CUDAToolkit_ROOT=/usr/local/cuda", text)

    def test_each_jetpack_gets_its_wheel(self):
        wheels = {"R32.7": "cp36", "R35.4": "cp38", "R36.4": "cp310", "R38.2": "sbsa/cu130"}
        for l4t, wheel in wheels.items():
            text = plan("ubuntu-22.04", "--arch", "arm64", "--jetson", l4t)
            self.assertIn(wheel, text, l4t)

    def test_a_raspberry_pi_is_told_by_its_device_tree(self):
        root = tempfile.mkdtemp()
        try:
            os.makedirs(os.path.join(root, "etc"))
            os.makedirs(os.path.join(root, "proc", "device-tree"))
            shutil.copy(os.path.join(DATA, "os-release", "debian-12"), os.path.join(root, "etc", "os-release"))
            with open(os.path.join(root, "proc", "device-tree", "model"), "wb") as f:
                f.write(b"Raspberry Pi 5 Model B Rev 1.0\0")
            text = deps("--print", "--arch", "arm64", env={"ES_DEPS_ROOT": root})
            self.assertIn("Raspberry Pi", text.splitlines()[0])
            self.assertIn("libtorch-dev", packages(text))
        finally:
            shutil.rmtree(root)


class ThisMachine(unittest.TestCase):
    @unittest.skipIf(shutil.which("apt-cache") is None, "no apt-cache on this machine: nothing to probe")
    def test_a_name_apt_does_not_have_is_left_out_with_its_cost(self):
        # Ubuntu 22.04's Qt module names do not exist in Debian's archive: asked of this machine's apt, they are
        # left out, each with the feature it costs, and the rest of the plan stands.
        text = plan("ubuntu-22.04", "--probe")
        names = packages(text)
        if "libqt6svg6-dev" in names:
            self.skipTest("this machine's apt knows Ubuntu's libqt6svg6-dev (an Ubuntu 22.04 machine)")
        notes = [l for l in missing(text) if "libqt6svg6-dev has no install candidate here" in l]
        self.assertEqual(len(notes), 1, missing(text))
        self.assertIn("desktop application", notes[0])
        self.assertIn("build-essential", names)

    def test_env_prints_shell_assignments(self):
        text = deps("--os-release", os.path.join(DATA, "os-release", "ubuntu-18.04"), "--env")
        self.assertEqual(text.split(), ["CXX=g++-8", "CC=gcc-8"])


class BadInput(unittest.TestCase):
    def test_a_missing_file_is_named(self):
        text = deps("--os-release", "/nonexistent/os-release", "--print", expect=2)
        self.assertIn("/nonexistent/os-release", text)

    def test_an_unknown_option_is_refused(self):
        text = deps("--frobnicate", expect=2)
        self.assertIn("--frobnicate", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
