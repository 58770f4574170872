# SPDX-License-Identifier: Apache-2.0
# The package map of scripts/deps.sh: for each role (what a dependency gives EdgeScope), its package names on each
# system EdgeScope supports, what goes when it is missing, and how to get it. Sourced, never run.
# Families: debian-11 (bullseye), debian-12 (bookworm, also Raspberry Pi OS), debian-13 (trixie), ubuntu-18.04
# (JetPack 4.6), ubuntu-20.04 (JetPack 5), ubuntu-22.04 (JetPack 6), ubuntu-24.04 (JetPack 7). "-" = not packaged.
# Sources: packages.debian.org, packages.ubuntu.com (main and universe), NVIDIA's JetPack release notes.
# shellcheck disable=SC2034

ES_DEPS_ROLES=(build torch blas opencv json cli11 sqlite zlib qt qtsvg qtcharts fonts curl gtest benchmark
  torch_python display python)

# Debian 12's names: every family uses them unless ES_DEPS_OVERRIDE says otherwise.
declare -A ES_DEPS_DEFAULT=(
  [build]="build-essential cmake ninja-build pkg-config"
  [torch]="libtorch-dev"
  [blas]="libopenblas0-pthread"
  [opencv]="libopencv-dev"
  [json]="nlohmann-json3-dev"
  [cli11]="libcli11-dev"
  [sqlite]="libsqlite3-dev"
  [zlib]="zlib1g-dev"
  [qt]="qt6-base-dev"
  [qtsvg]="qt6-svg-dev"
  [qtcharts]="qt6-charts-dev libqt6opengl6-dev"
  [fonts]="fonts-dejavu-core"
  [curl]="libcurl4-openssl-dev"
  [gtest]="libgtest-dev"
  [benchmark]="libbenchmark-dev"
  [torch_python]="python3-torch python3-torchvision"
  [display]="xvfb imagemagick x11-utils"
  [python]="python3"
)

# Where a family differs from Debian 12 (key: role/family).
declare -A ES_DEPS_OVERRIDE=(
  # Debian 11: no Qt 6 (Qt 5.15 only), no CLI11 package; LibTorch 1.7.1, OpenCV 4.5.1.
  [qt/debian-11]="-" [qtsvg/debian-11]="-" [qtcharts/debian-11]="-" [cli11/debian-11]="-"
  # (its libtorch-dev's CMake configuration needs protobuf, oneDNN and OpenCL -dev packages it does not depend on)
  [torch/debian-11]="libtorch-dev libprotobuf-dev protobuf-compiler libdnnl-dev ocl-icd-opencl-dev opencl-headers"
  # Ubuntu 18.04 (JetPack 4.6): no Qt 6, no LibTorch package, nlohmann-json 2 only, no CLI11, OpenBLAS's old name,
  # GoogleTest 1.8 (sources only, no GTEST_SKIP); g++-8 for C++17 <filesystem>.
  [build/ubuntu-18.04]="build-essential g++-8 cmake ninja-build pkg-config"
  [torch/ubuntu-18.04]="-" [torch_python/ubuntu-18.04]="-" [blas/ubuntu-18.04]="libopenblas-base"
  [json/ubuntu-18.04]="-" [cli11/ubuntu-18.04]="-" [gtest/ubuntu-18.04]="-"
  [qt/ubuntu-18.04]="-" [qtsvg/ubuntu-18.04]="-" [qtcharts/ubuntu-18.04]="-"
  # Ubuntu 20.04 (JetPack 5): no Qt 6, no LibTorch package, no CLI11; gcc 9, CMake 3.16.
  [torch/ubuntu-20.04]="-" [torch_python/ubuntu-20.04]="-" [cli11/ubuntu-20.04]="-"
  [qt/ubuntu-20.04]="-" [qtsvg/ubuntu-20.04]="-" [qtcharts/ubuntu-20.04]="-"
  # Ubuntu 22.04 (JetPack 6): Qt 6.2.4 with its own module names; LibTorch 1.8.1 in universe.
  [qtsvg/ubuntu-22.04]="libqt6svg6-dev" [qtcharts/ubuntu-22.04]="libqt6charts6-dev libqt6opengl6-dev"
  # Ubuntu 24.04 (JetPack 7): Debian's Qt names, Qt OpenGL inside qt6-base-dev; no LibTorch package.
  [qtcharts/ubuntu-24.04]="qt6-charts-dev" [torch/ubuntu-24.04]="-" [torch_python/ubuntu-24.04]="-"
  # Debian 13: Qt OpenGL inside qt6-base-dev.
  [qtcharts/debian-13]="qt6-charts-dev"
)

# What goes when a role is missing (the feature, in the user's words).
declare -A ES_DEPS_FEATURE=(
  [build]="building: nothing builds without a compiler, CMake and Ninja"
  [torch]="the lab itself (SSD300 runs on LibTorch)"
  [blas]="fast matrix products (LibTorch falls back to the slow reference BLAS; the model bench's peak is meaningless)"
  [opencv]="video files and cameras (only .y4m and synthetic input)"
  [json]="JSON output and imports (the build stops)"
  [cli11]="the system's CLI11 (the build uses the copy kept in app/cli/third_party)"
  [sqlite]="the lab session file (the build stops)"
  [zlib]="gzipped PyTorch profiler traces (.json.gz imports refused)"
  [qt]="the desktop application (edgescope-cli only)"
  [qtsvg]="the desktop application (it needs Qt Svg for its chart exports)"
  [qtcharts]="the Compare page's charts through Qt Charts (drawn with QPainter instead)"
  [fonts]="text on a machine with no desktop fonts"
  [curl]="weights fetch (copy weights into the cache by hand, docs/weights.md)"
  [gtest]="the GoogleTest suites"
  [benchmark]="the micro-benchmarks under bench/"
  [torch_python]="the tests that write checkpoints as PyTorch publishes them (they skip and say so)"
  [display]="screenshots and the application's start check on a virtual display"
  [python]="the acceptance checks and the boundary tests"
)

# How to get a role that apt does not have here.
declare -A ES_DEPS_REMEDY=(
  [torch]="Use PyTorch's own LibTorch: a CUDA or CPU build from pytorch.org, or NVIDIA's wheel on a Jetson; point ES_TORCH_PREFIX at python3 -c 'import torch; print(torch.utils.cmake_prefix_path)'."
  [torch_python]="Only tests need it; python3 -m pip install torch torchvision where pip can."
  [json]="Put nlohmann/json 3's single header (json.hpp, github.com/nlohmann/json releases) in \$ES_THIRD_PARTY_DIR/include/nlohmann/ and set ES_THIRD_PARTY_DIR."
  [cli11]="Nothing to do."
  [gtest]="GoogleTest >= 1.10 (GTEST_SKIP): put its source in \$ES_THIRD_PARTY_DIR/googletest, or configure with -DES_BUILD_TESTS=OFF."
  [qt]="scripts/build-qt6.sh builds Qt 6 (qtbase, qtsvg, qtcharts) into /opt/qt6, which scripts/lab.sh then finds; or record with edgescope-cli here and open the session in the application on any desktop (docs/jetson.md)."
  [qtsvg]="scripts/build-qt6.sh builds Qt 6 with Qt Svg into /opt/qt6; or record with edgescope-cli and open the session on a desktop (docs/jetson.md)."
  [qtcharts]="scripts/build-qt6.sh builds Qt Charts with Qt 6 into /opt/qt6."
  [blas]="apt-get install libopenblas-dev, or any BLAS: update-alternatives --config libblas.so.3-\$(uname -m)-linux-gnu."
)

es_deps_packages_of() {
  local role="$1" key="$1/$ES_OS_FAMILY"
  if [[ -n "${ES_DEPS_OVERRIDE[$key]+set}" ]]; then
    echo "${ES_DEPS_OVERRIDE[$key]}"
  else
    echo "${ES_DEPS_DEFAULT[$role]}"
  fi
}

es_deps_feature() { echo "${ES_DEPS_FEATURE[$1]:-$1}"; }
es_deps_remedy() { echo "${ES_DEPS_REMEDY[$1]:-Install it from another source or configure without it.}"; }

# A known defect of a system's packages that EdgeScope's build meets, with its fix (one line), by family.
declare -A ES_DEPS_DEFECT=(
  [debian-11]="Debian 11's libtorch-dev points its CMake targets at /usr/lib/lib and /usr/lib/include, which do not exist; until Debian fixes it: sudo ln -s x86_64-linux-gnu /usr/lib/lib && sudo ln -s ../include /usr/lib/include (on arm64: aarch64-linux-gnu)"
)

# --- Jetson ------------------------------------------------------------------------------------------------------
# Roles that JetPack provides itself on a Jetson: LibTorch comes from NVIDIA's PyTorch wheel (never the distro's
# libtorch-dev, which has no CUDA), the tests' python3 torch is that same wheel, and OpenCV is JetPack's.
es_deps_jetson_provides() {
  case "$1" in torch|torch_python|opencv) return 0 ;; *) return 1 ;; esac
}

# NVIDIA's PyTorch for each JetPack, as NVIDIA documents it ("Installing PyTorch for Jetson Platform",
# docs.nvidia.com/deeplearning/frameworks/install-pytorch-jetson-platform, and the "PyTorch for Jetson" forum thread).
es_deps_jetson_torch_line() {
  case "$ES_JETPACK" in
    4.6) echo "torch 1.10.0 for Python 3.6: sudo apt-get install python3-pip libopenblas-base libopenmpi-dev libomp-dev; pip3 install torch-1.10.0-cp36-cp36m-linux_aarch64.whl, the wheel linked in NVIDIA's 'PyTorch for Jetson' thread (forums.developer.nvidia.com/t/pytorch-for-jetson/72048)" ;;
    5) echo "torch 2.1 for Python 3.8: sudo apt-get install python3-pip libopenblas-dev; pip3 install --no-cache https://developer.download.nvidia.com/compute/redist/jp/v512/pytorch/torch-2.1.0a0+41361538.nv23.06-cp38-cp38-linux_aarch64.whl (docs.nvidia.com/deeplearning/frameworks/install-pytorch-jetson-platform)" ;;
    6) echo "torch 2.5 for Python 3.10: sudo apt-get install python3-pip libopenblas-dev libcusparselt0; pip3 install --no-cache https://developer.download.nvidia.com/compute/redist/jp/v61/pytorch/torch-2.5.0a0+872d972e41.nv24.08.17622132-cp310-cp310-linux_aarch64.whl (docs.nvidia.com/deeplearning/frameworks/install-pytorch-jetson-platform; newer: pip3 install torch torchvision --index-url https://pypi.jetson-ai-lab.io/jp6/cu126)" ;;
    7) echo "torch for CUDA 13 (Thor is an SBSA system): pip3 install torch torchvision --index-url https://pypi.jetson-ai-lab.io/sbsa/cu130, or NVIDIA's PyTorch container from NGC" ;;
    *) echo "NVIDIA's PyTorch wheel for your JetPack (docs.nvidia.com/deeplearning/frameworks/install-pytorch-jetson-platform)" ;;
  esac
}

# On a Jetson: CUDA and CUPTI from JetPack's /usr/local/cuda, LibTorch from python3's torch (NVIDIA's wheel) with
# its C++ ABI, JetPack's OpenCV as it is.
es_deps_plan_jetson() {
  local probe="$1" cuda="${ES_CUDA_ROOT:-/usr/local/cuda}"
  ES_DEPS_ENV+=("CUDAToolkit_ROOT=$cuda")
  if [[ "$probe" != 1 ]]; then
    ES_DEPS_INFO+=("jetson: LibTorch comes from NVIDIA's PyTorch wheel through python3 (never the distro's libtorch-dev); where torch is missing: $(es_deps_jetson_torch_line)")
    ES_DEPS_INFO+=("jetson: CUDA and CUPTI come from JetPack ($cuda, CUPTI in $cuda/extras/CUPTI); OpenCV is JetPack's own")
    return
  fi
  if [[ ! -x "$cuda/bin/nvcc" ]]; then
    ES_DEPS_NOTES+=("GPU tracing and NVTX ranges: no CUDA toolkit in $cuda: sudo apt-get install nvidia-jetpack (or the cuda-toolkit package of your JetPack)")
  elif [[ ! -e "$cuda/extras/CUPTI/include/cupti.h" && ! -e "$cuda/include/cupti.h" ]]; then
    ES_DEPS_NOTES+=("GPU tracing: CUPTI's headers are not in $cuda/extras/CUPTI/include (reinstall JetPack's cuda-cupti-dev package)")
  fi
  local torch_prefix abi
  if torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)" &&
     [[ -n "$torch_prefix" ]]; then
    # The C++ ABI is torch's (its CMake files set _GLIBCXX_USE_CXX11_ABI for the whole build); apt's Qt and OpenCV
    # use the new one, so a torch of the old ABI cannot link with them.
    abi="$(python3 -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))' 2>/dev/null || echo 1)"
    ES_DEPS_ENV+=("ES_TORCH_PREFIX=$torch_prefix")
    if [[ "$abi" == 0 ]]; then
      ES_DEPS_NOTES+=("video files and the desktop application: python3's torch uses the pre-C++11 ABI, and apt's OpenCV and Qt the new one: configure with -DES_WITH_OPENCV=OFF -DES_BUILD_GUI=OFF, or install a torch built with the new ABI")
    fi
    if ! python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
      ES_DEPS_NOTES+=("the GPU: python3's torch has no CUDA here (a pip wheel for another platform?): $(es_deps_jetson_torch_line)")
    fi
  else
    ES_DEPS_NOTES+=("the lab itself (SSD300 runs on LibTorch): python3 has no torch. Install $(es_deps_jetson_torch_line)")
  fi
  # JetPack's OpenCV (NVIDIA's libopencv-dev, or nvidia-opencv-dev on JetPack 5-7) is used as it is.
  if ! es_deps_installed libopencv-dev && ! es_deps_installed nvidia-opencv-dev; then
    if es_deps_apt_has nvidia-opencv-dev; then
      ES_DEPS_PACKAGES+=(nvidia-opencv-dev)
    elif es_deps_apt_has libopencv-dev; then
      ES_DEPS_PACKAGES+=(libopencv-dev)
    else
      ES_DEPS_NOTES+=("$(es_deps_feature opencv): JetPack's OpenCV is not in apt's sources here (sudo apt-get install nvidia-jetpack)")
    fi
  fi
}
