# SPDX-License-Identifier: Apache-2.0
# The CUDA toolkit's headers for NVTX3 ranges and the CUPTI collector (libcupti itself is opened at run time).
# Sets ES_HAS_CUDA, ES_HAS_NVTX, ES_HAS_CUPTI, ES_CUDA_STATUS, ES_CUDA_VERSION ("12.6"), ES_CUDA_INCLUDE_DIRS (cuda.h's
# folder and cupti.h's, which JetPack keeps apart in extras/CUPTI/include), ES_CUPTI_LIBRARY (a libcupti found at
# configure time, or empty) and the target CUDA::nvtx3 where NVTX3's headers are found.
#
# Three ways in: ES_CUDA_HEADERS (a folder of headers only, for compile checks against another CUDA version:
# scripts/cuda-headers-check.sh), FindCUDAToolkit (CMake 3.17 and later), or, on CMake 3.16 (JetPack 5's Ubuntu
# 20.04), the toolkit's folders: CUDAToolkit_ROOT, $CUDA_HOME, /usr/local/cuda.
set(ES_CUDA_HEADERS "" CACHE PATH
    "Compile against the CUDA/CUPTI headers of this folder (cuda.h, cupti.h) instead of a CUDA toolkit")

set(ES_HAS_CUDA 0)
set(ES_HAS_NVTX 0)
set(ES_HAS_CUPTI 0)
set(ES_CUDA_VERSION "")
set(ES_CUDA_INCLUDE_DIRS "")
set(ES_CUPTI_LIBRARY "")
set(ES_CUDA_STATUS "off (ES_WITH_CUDA=OFF)")

# cuda.h, cupti.h, nvtx3 and libcupti under the folders given (a toolkit's root, its include folder, or a folder of
# headers such as Debian's /usr/include extracted from nvidia-cuda-dev and libcupti-dev).
function(es_cuda_find_in_folders)
  set(roots ${ARGN})
  set(include_suffixes include targets/${CMAKE_SYSTEM_PROCESSOR}-linux/include .)
  find_path(ES_CUDA_H_DIR cuda.h PATHS ${roots} PATH_SUFFIXES ${include_suffixes} NO_DEFAULT_PATH)
  find_path(ES_CUPTI_H_DIR cupti.h PATHS ${roots} PATH_SUFFIXES extras/CUPTI/include ${include_suffixes}
            NO_DEFAULT_PATH)
  find_library(ES_CUPTI_LIB NAMES cupti PATHS ${roots} PATH_SUFFIXES extras/CUPTI/lib64 extras/CUPTI/lib lib64 lib
               NO_DEFAULT_PATH)
  set(ES_CUDA_H_DIR "${ES_CUDA_H_DIR}" PARENT_SCOPE)
  set(ES_CUPTI_H_DIR "${ES_CUPTI_H_DIR}" PARENT_SCOPE)
  set(ES_CUPTI_LIB "${ES_CUPTI_LIB}" PARENT_SCOPE)
endfunction()

# "12.6" from cuda.h's CUDA_VERSION (12060).
function(es_cuda_version_of header_dir out)
  file(STRINGS "${header_dir}/cuda.h" line REGEX "^#define[ \t]+CUDA_VERSION[ \t]+[0-9]+")
  string(REGEX MATCH "[0-9]+$" number "${line}")
  if(number)
    math(EXPR major "${number} / 1000")
    math(EXPR minor "(${number} % 1000) / 10")
    set(${out} "${major}.${minor}" PARENT_SCOPE)
  endif()
endfunction()

if(NOT ES_WITH_CUDA STREQUAL "OFF")
  set(es_cuda_how "")
  if(ES_CUDA_HEADERS)
    es_cuda_find_in_folders(${ES_CUDA_HEADERS})
    set(es_cuda_how "headers of ${ES_CUDA_HEADERS} (ES_CUDA_HEADERS)")
  elseif(NOT CMAKE_VERSION VERSION_LESS 3.17)
    find_package(CUDAToolkit QUIET)
    if(CUDAToolkit_FOUND)
      set(ES_CUDA_H_DIR "${CUDAToolkit_INCLUDE_DIRS}")
      # JetPack keeps CUPTI's headers in extras/CUPTI/include, which FindCUDAToolkit does not always report.
      find_path(ES_CUPTI_H_DIR cupti.h HINTS ${CUDAToolkit_CUPTI_INCLUDE_DIR} ${CUDAToolkit_INCLUDE_DIRS}
                "${CUDAToolkit_LIBRARY_ROOT}/extras/CUPTI/include" "${CUDAToolkit_BIN_DIR}/../extras/CUPTI/include"
                NO_DEFAULT_PATH)
      if(TARGET CUDA::cupti)
        get_target_property(ES_CUPTI_LIB CUDA::cupti IMPORTED_LOCATION)
      endif()
      set(es_cuda_how "${CUDAToolkit_BIN_DIR}")
    endif()
  else()
    es_cuda_find_in_folders(${CUDAToolkit_ROOT} $ENV{CUDAToolkit_ROOT} $ENV{CUDA_HOME} /usr/local/cuda)
    set(es_cuda_how "toolkit folders (CMake ${CMAKE_VERSION} has no FindCUDAToolkit)")
  endif()

  if(ES_CUDA_H_DIR)
    set(ES_HAS_CUDA 1)
    es_cuda_version_of("${ES_CUDA_H_DIR}" ES_CUDA_VERSION)
    set(ES_CUDA_INCLUDE_DIRS "${ES_CUDA_H_DIR}")
    if(ES_CUPTI_H_DIR)
      set(ES_HAS_CUPTI 1)
      list(APPEND ES_CUDA_INCLUDE_DIRS "${ES_CUPTI_H_DIR}")
      list(REMOVE_DUPLICATES ES_CUDA_INCLUDE_DIRS)
      if(ES_CUPTI_LIB)
        set(ES_CUPTI_LIBRARY "${ES_CUPTI_LIB}")
      endif()
    endif()
    # NVTX3 is header-only; CMake 3.25's CUDA::nvtx3 where FindCUDAToolkit made it, else our own target.
    if(TARGET CUDA::nvtx3)
      set(ES_HAS_NVTX 1)
    elseif(EXISTS "${ES_CUDA_H_DIR}/nvtx3/nvToolsExt.h")
      add_library(es_nvtx3_headers INTERFACE)
      target_include_directories(es_nvtx3_headers INTERFACE "${ES_CUDA_H_DIR}")
      target_link_libraries(es_nvtx3_headers INTERFACE ${CMAKE_DL_LIBS})
      add_library(CUDA::nvtx3 ALIAS es_nvtx3_headers)
      set(ES_HAS_NVTX 1)
    endif()
    set(ES_CUDA_STATUS "CUDA ${ES_CUDA_VERSION} from ${es_cuda_how}; NVTX3 ${ES_HAS_NVTX}; CUPTI ${ES_HAS_CUPTI}")
    if(NOT ES_HAS_CUPTI)
      string(APPEND ES_CUDA_STATUS " (no cupti.h: no GPU tracing; JetPack: extras/CUPTI/include)")
    endif()
  elseif(ES_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "ES_WITH_CUDA=ON but no CUDA toolkit was found: install it (JetPack or the CUDA toolkit) "
                        "and set CUDAToolkit_ROOT, or configure with -DES_WITH_CUDA=OFF")
  else()
    set(ES_CUDA_STATUS "not found: CPU-only build, NVTX ranges are no-ops")
  endif()
endif()
