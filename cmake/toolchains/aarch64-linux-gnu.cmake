# SPDX-License-Identifier: Apache-2.0
# Cross-compiling EdgeScope for 64-bit ARM (every Jetson, Raspberry Pi OS 64-bit) from an x86-64 Debian or Ubuntu,
# against a Debian arm64 root (scripts/cross-arm64.sh makes one with mmdebstrap). Tests and programs the build runs
# go through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR), so `ctest` runs the arm64 tests here.
#   cmake -S . -B build-arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake \
#         -DES_SYSROOT=$HOME/.cache/edgescope/sysroot-bookworm-arm64
# Needs: g++-aarch64-linux-gnu, qemu-user, and the host's Qt 6 tools of the sysroot's Qt version (moc, rcc, uic:
# qt6-base-dev-tools) for the application.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(ES_SYSROOT "$ENV{ES_SYSROOT}" CACHE PATH "Debian arm64 root to build against")
if(NOT ES_SYSROOT OR NOT EXISTS "${ES_SYSROOT}/usr/lib/aarch64-linux-gnu")
  message(FATAL_ERROR "ES_SYSROOT ('${ES_SYSROOT}') is not a Debian arm64 root: make one with scripts/cross-arm64.sh "
                      "(or mmdebstrap --arch=arm64 --variant=extract ...) and pass -DES_SYSROOT=DIR")
endif()
# Try-compiles (the <filesystem> probe) see the same root and compilers.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ES_SYSROOT)

set(CMAKE_SYSROOT "${ES_SYSROOT}")
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH "${ES_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# The linker follows the libraries' own dependencies (LibTorch's BLAS, Qt's) inside the root, not the host's.
set(es_sysroot_libs "${ES_SYSROOT}/usr/lib/aarch64-linux-gnu:${ES_SYSROOT}/lib/aarch64-linux-gnu")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${es_sysroot_libs}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${es_sysroot_libs}")

set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-aarch64;-L;${ES_SYSROOT}")

# Qt 6: the arm64 libraries from the root, moc/rcc/uic from the host (same version).
if(NOT QT_HOST_PATH)
  set(QT_HOST_PATH "/usr" CACHE PATH "Host Qt 6 (its tools run during the build)")
endif()
if(NOT QT_HOST_PATH_CMAKE_DIR AND EXISTS "/usr/lib/x86_64-linux-gnu/cmake/Qt6CoreTools")
  set(QT_HOST_PATH_CMAKE_DIR "/usr/lib/x86_64-linux-gnu/cmake" CACHE PATH "Host Qt 6's CMake packages")
endif()
