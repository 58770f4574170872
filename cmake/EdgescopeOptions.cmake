# SPDX-License-Identifier: Apache-2.0
# Build options of EdgeScope and the detection of its optional parts. Every optional part is a cache
# option; AUTO uses the part when it is found and says so, ON fails with a fix when it is missing, OFF skips it.
include(FeatureSummary)

set(ES_WITH_CUDA AUTO CACHE STRING "CUDA toolkit: NVTX ranges and CUPTI GPU tracing (AUTO|ON|OFF)")
set_property(CACHE ES_WITH_CUDA PROPERTY STRINGS AUTO ON OFF)
set(ES_WITH_OPENCV AUTO CACHE STRING "OpenCV video and camera input (AUTO|ON|OFF); without it only Y4M and synthetic frames")
set_property(CACHE ES_WITH_OPENCV PROPERTY STRINGS AUTO ON OFF)
set(ES_WITH_CURL AUTO CACHE STRING "libcurl for `weights fetch` (AUTO|ON|OFF); without it weights are copied in by hand")
set_property(CACHE ES_WITH_CURL PROPERTY STRINGS AUTO ON OFF)
set(ES_BUILD_GUI AUTO CACHE STRING "Qt 6 desktop application (AUTO|ON|OFF)")
set_property(CACHE ES_BUILD_GUI PROPERTY STRINGS AUTO ON OFF)
set(ES_WITH_QTCHARTS AUTO CACHE STRING "Qt Charts for the compare page (AUTO|ON|OFF)")
set_property(CACHE ES_WITH_QTCHARTS PROPERTY STRINGS AUTO ON OFF)
option(ES_BUILD_TESTS "Build the GoogleTest/QtTest suites" ON)
option(ES_BUILD_BENCH "Build the benchmark programs under bench/" ON)
set(ES_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined")
option(ES_BUILD_FUZZERS "libFuzzer targets for every reader of outside data (clang; preset fuzz)" OFF)
if(ES_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ES_BUILD_FUZZERS needs clang (libFuzzer): configure with the preset fuzz, or "
                        "-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  # Coverage instrumentation for the libraries under test; the fuzz binaries link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(ES_SANITIZE)
  add_compile_options(-fsanitize=${ES_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${ES_SANITIZE})
endif()
add_compile_options(-Wall -Wextra -Werror=undef -Wno-unused-parameter)

# --- zlib (gzipped PyTorch profiler traces; without it only plain .json imports) ----------------------
find_package(ZLIB QUIET)
set(ES_HAS_ZLIB 0)
if(ZLIB_FOUND)
  set(ES_HAS_ZLIB 1)
endif()

# --- LibTorch (required: it runs the model) ---------------------------------------------------------
find_package(Torch REQUIRED)
set_package_properties(Torch PROPERTIES TYPE REQUIRED PURPOSE "runs SSD300 (Debian: libtorch-dev)")
# Torch's config adds its flags to CMAKE_CXX_FLAGS; keep them, they carry the C++ ABI choice.
set(ES_TORCH_VERSION "${Torch_VERSION}")
# As numbers for the engine's compile-time choices: LibTorch before 1.8 has no torch/version.h (Debian 11's 1.7.1).
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" es_torch_major_minor "${Torch_VERSION}")
set(ES_TORCH_VERSION_MAJOR "${CMAKE_MATCH_1}")
set(ES_TORCH_VERSION_MINOR "${CMAKE_MATCH_2}")
if(NOT ES_TORCH_VERSION_MAJOR)
  message(FATAL_ERROR "LibTorch's version '${Torch_VERSION}' is not MAJOR.MINOR: is CMAKE_PREFIX_PATH a LibTorch?")
endif()
# A CUDA-enabled LibTorch (pip's torch, NVIDIA's Jetson builds) has the CUDA-only headers (c10/cuda, ATen/cuda);
# engine code that uses them is compiled only then. Debian's libtorch-dev is CPU-only.
option(ES_USE_TORCH_CUDA_HEADERS "Use LibTorch's CUDA-only headers where LibTorch has CUDA" ON)
set(ES_TORCH_HAS_CUDA 0)
if(ES_USE_TORCH_CUDA_HEADERS AND (CAFFE2_USE_CUDA OR TARGET torch_cuda OR TARGET c10_cuda OR TORCH_CUDA_LIBRARIES))
  set(ES_TORCH_HAS_CUDA 1)
  set(ES_TORCH_CUDA_STATUS "with CUDA (GPU memory figures from its caching allocator)")
elseif(NOT ES_USE_TORCH_CUDA_HEADERS)
  set(ES_TORCH_CUDA_STATUS "CUDA headers not used (ES_USE_TORCH_CUDA_HEADERS=OFF)")
else()
  set(ES_TORCH_CUDA_STATUS "CPU only (point CMAKE_PREFIX_PATH at a CUDA LibTorch, e.g. python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')")
endif()

include(EdgescopeCuda)

# --- libcurl (weights fetch: HTTP downloads of published weights) --------------------------------------
set(ES_HAS_CURL 0)
set(ES_CURL_STATUS "off (ES_WITH_CURL=OFF): weights are copied into the cache by hand (docs/weights.md)")
if(NOT ES_WITH_CURL STREQUAL "OFF")
  find_package(CURL QUIET)
  if(CURL_FOUND)
    set(ES_HAS_CURL 1)
    set(ES_CURL_STATUS "libcurl ${CURL_VERSION_STRING}: edgescope-cli weights fetch")
  elseif(ES_WITH_CURL STREQUAL "ON")
    message(FATAL_ERROR "ES_WITH_CURL=ON but libcurl was not found: apt-get install libcurl4-openssl-dev, "
                        "or configure with -DES_WITH_CURL=AUTO")
  else()
    set(ES_CURL_STATUS "not found: no weights fetch; copy weights into the cache by hand (apt-get install libcurl4-openssl-dev)")
  endif()
endif()

# --- OpenCV (video files, cameras, GStreamer pipelines) ----------------------------------------------
set(ES_HAS_OPENCV 0)
set(ES_OPENCV_STATUS "off (ES_WITH_OPENCV=OFF): Y4M files and synthetic frames only")
if(NOT ES_WITH_OPENCV STREQUAL "OFF")
  find_package(OpenCV 4 QUIET COMPONENTS core imgproc videoio)
  if(OpenCV_FOUND)
    set(ES_HAS_OPENCV 1)
    set(ES_OPENCV_STATUS "OpenCV ${OpenCV_VERSION}: video files, cameras, GStreamer strings where OpenCV has GStreamer")
  elseif(ES_WITH_OPENCV STREQUAL "ON")
    message(FATAL_ERROR "ES_WITH_OPENCV=ON but OpenCV 4 was not found: apt-get install libopencv-dev, "
                        "or configure with -DES_WITH_OPENCV=OFF (Y4M and synthetic input only)")
  else()
    set(ES_OPENCV_STATUS "not found: Y4M files and synthetic frames only (apt-get install libopencv-dev)")
  endif()
endif()

# --- Qt 6 (GUI) and Qt Charts ------------------------------------------------------------------------
set(ES_HAS_QT 0)
set(ES_HAS_QTCHARTS 0)
set(ES_GUI_STATUS "off (ES_BUILD_GUI=OFF)")
set(ES_QTCHARTS_STATUS "off")
if(NOT ES_BUILD_GUI STREQUAL "OFF")
  find_package(Qt6 6.2 QUIET COMPONENTS Widgets Svg Test)
  if(Qt6_FOUND AND Qt6Widgets_FOUND AND Qt6Svg_FOUND)
    set(ES_HAS_QT 1)
    set(ES_GUI_STATUS "Qt ${Qt6_VERSION}: the desktop application build/bin/edgescope")
    if(NOT ES_WITH_QTCHARTS STREQUAL "OFF")
      find_package(Qt6 6.2 QUIET COMPONENTS Charts)
      if(Qt6Charts_FOUND)
        set(ES_HAS_QTCHARTS 1)
        set(ES_QTCHARTS_STATUS "Qt Charts ${Qt6Charts_VERSION}")
      elseif(ES_WITH_QTCHARTS STREQUAL "ON")
        message(FATAL_ERROR "ES_WITH_QTCHARTS=ON but Qt6 Charts was not found: apt-get install qt6-charts-dev libqt6opengl6-dev")
      else()
        set(ES_QTCHARTS_STATUS "not found: charts fall back to plain drawing (apt-get install qt6-charts-dev libqt6opengl6-dev)")
      endif()
    endif()
  elseif(ES_BUILD_GUI STREQUAL "ON")
    message(FATAL_ERROR "ES_BUILD_GUI=ON but Qt 6.2+ Widgets and Svg were not found: scripts/deps.sh --print names "
                        "this system's packages (Debian 12: qt6-base-dev qt6-svg-dev; Ubuntu 22.04: qt6-base-dev "
                        "libqt6svg6-dev), scripts/build-qt6.sh builds Qt 6 where apt has none; or configure with "
                        "-DES_BUILD_GUI=OFF (command-line tool only)")
  else()
    set(ES_GUI_STATUS "Qt 6.2+ (Widgets, Svg) not found: command-line tool only (scripts/deps.sh --print says how to get it here)")
  endif()
endif()

# --- Header-only libraries: JSON (engine, CLI) and command-line parsing (CLI) ---------------------------
set(ES_THIRD_PARTY_DIR "" CACHE PATH "Copies of header-only dependencies and GoogleTest's source, for machines without packages")
# Where the packages are absent (the GPU check machine, Ubuntu 18.04) their headers come from ES_THIRD_PARTY_DIR/include
# (scripts/gpu-check.sh prepare fills one).
find_package(nlohmann_json 3 QUIET)
if(NOT nlohmann_json_FOUND)
  find_path(ES_nlohmann_json_INCLUDE nlohmann/json.hpp HINTS ${ES_THIRD_PARTY_DIR}/include)
  if(NOT ES_nlohmann_json_INCLUDE)
    message(FATAL_ERROR "nlohmann-json 3 was not found: apt-get install nlohmann-json3-dev (scripts/deps.sh --print "
                        "names it for this system), or put its json.hpp in ES_THIRD_PARTY_DIR/include/nlohmann/")
  endif()
  add_library(es_nlohmann_json_headers INTERFACE)
  target_include_directories(es_nlohmann_json_headers INTERFACE ${ES_nlohmann_json_INCLUDE})
  add_library(nlohmann_json::nlohmann_json ALIAS es_nlohmann_json_headers)
endif()
# CLI11: the system's (libcli11-dev), else the released single header kept in app/cli/third_party/CLI11 (Debian 11,
# Ubuntu 18.04 and 20.04 have no package).
find_package(CLI11 CONFIG QUIET)
if(CLI11_FOUND)
  set(ES_CLI11_STATUS "CLI11 ${CLI11_VERSION} (system)")
else()
  find_path(ES_CLI11_INCLUDE CLI/CLI.hpp HINTS ${ES_THIRD_PARTY_DIR}/include
            ${PROJECT_SOURCE_DIR}/app/cli/third_party/CLI11)
  add_library(es_CLI11_headers INTERFACE)
  target_include_directories(es_CLI11_headers INTERFACE ${ES_CLI11_INCLUDE})
  add_library(CLI11::CLI11 ALIAS es_CLI11_headers)
  set(ES_CLI11_STATUS "CLI11 from ${ES_CLI11_INCLUDE}")
endif()

# --- GoogleTest ---------------------------------------------------------------------------------------
# es_gtest_main: GoogleTest with its main, whichever way it was found (GoogleTest's own config or CMake 3.20's
# FindGTest: GTest::gtest_main; CMake 3.16-3.19's FindGTest: GTest::Main; a source tree in ES_THIRD_PARTY_DIR).
if(ES_BUILD_TESTS)
  find_package(GTest QUIET)
  add_library(es_gtest_main INTERFACE)
  if(GTest_FOUND AND TARGET GTest::gtest_main)
    target_link_libraries(es_gtest_main INTERFACE GTest::gtest_main)
  elseif(GTest_FOUND)
    target_link_libraries(es_gtest_main INTERFACE GTest::Main)
  elseif(EXISTS "${ES_THIRD_PARTY_DIR}/googletest/CMakeLists.txt")
    add_subdirectory(${ES_THIRD_PARTY_DIR}/googletest ${CMAKE_BINARY_DIR}/third_party/googletest EXCLUDE_FROM_ALL)
    target_link_libraries(es_gtest_main INTERFACE gtest_main)
  else()
    message(FATAL_ERROR "GoogleTest was not found: apt-get install libgtest-dev, or configure with -DES_BUILD_TESTS=OFF")
  endif()
endif()

# --- The compiler's standard library ------------------------------------------------------------------
# g++ 8 (JetPack 4.6) keeps std::filesystem in libstdc++fs; g++ 9 and later have it in libstdc++ itself.
include(CheckCXXSourceCompiles)
set(es_filesystem_probe "#include <filesystem>\nint main() { return std::filesystem::exists(\"/\") ? 0 : 1; }")
check_cxx_source_compiles("${es_filesystem_probe}" ES_FILESYSTEM_IN_LIBSTDCXX)
set(ES_FILESYSTEM_LIBRARY "")
if(NOT ES_FILESYSTEM_IN_LIBSTDCXX)
  set(CMAKE_REQUIRED_LIBRARIES stdc++fs)
  check_cxx_source_compiles("${es_filesystem_probe}" ES_FILESYSTEM_IN_STDCXXFS)
  unset(CMAKE_REQUIRED_LIBRARIES)
  if(NOT ES_FILESYSTEM_IN_STDCXXFS)
    message(FATAL_ERROR "${CMAKE_CXX_COMPILER} has no C++17 <filesystem>: use g++ 8 or later (Ubuntu 18.04: "
                        "apt-get install g++-8, then CXX=g++-8)")
  endif()
  set(ES_FILESYSTEM_LIBRARY stdc++fs)
endif()

configure_file(${CMAKE_CURRENT_LIST_DIR}/es_config.h.in ${CMAKE_BINARY_DIR}/generated/es_config.h @ONLY)

function(es_print_feature_summary)
  message(STATUS "")
  message(STATUS "EdgeScope ${PROJECT_VERSION} configuration (${CMAKE_BUILD_TYPE})")
  message(STATUS "  LibTorch ........ ${Torch_VERSION} (${TORCH_INSTALL_PREFIX}); ${ES_TORCH_CUDA_STATUS}")
  message(STATUS "  CUDA/CUPTI ...... ${ES_CUDA_STATUS}")
  message(STATUS "  OpenCV .......... ${ES_OPENCV_STATUS}")
  message(STATUS "  libcurl ......... ${ES_CURL_STATUS}")
  if(ES_HAS_ZLIB)
    message(STATUS "  zlib ............ ${ZLIB_VERSION_STRING}: gzipped PyTorch profiler traces")
  else()
    message(STATUS "  zlib ............ not found: .json.gz imports refused (apt-get install zlib1g-dev)")
  endif()
  message(STATUS "  Qt GUI .......... ${ES_GUI_STATUS}")
  message(STATUS "  Qt Charts ....... ${ES_QTCHARTS_STATUS}")
  message(STATUS "  CLI11 ........... ${ES_CLI11_STATUS}")
  message(STATUS "  Compiler ........ ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION} (${CMAKE_SYSTEM_PROCESSOR}); CMake ${CMAKE_VERSION}")
  message(STATUS "  Tests ........... ${ES_BUILD_TESTS}   Benchmarks: ${ES_BUILD_BENCH}   Sanitizers: '${ES_SANITIZE}'   Fuzzers: ${ES_BUILD_FUZZERS}")
  message(STATUS "  Binaries in ..... ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}")
  message(STATUS "")
  feature_summary(WHAT PACKAGES_NOT_FOUND REQUIRED_PACKAGES_NOT_FOUND FATAL_ON_MISSING_REQUIRED_PACKAGES QUIET_ON_EMPTY)
endfunction()
