# Cross-compiles the addon with Zig's bundled clang: the toolchain of every
# shipped prebuild (scripts/prebuild-all.js passes it to cmake-js).
#
#   -DCMAKE_TOOLCHAIN_FILE=cmake/zig-toolchain.cmake
#   -DENGRAM_ZIG_TARGET=aarch64-linux-gnu.2.17   (a Zig triple; required)
#   -DENGRAM_ZIG=/path/to/zig                   (default: scripts/zig.js finds it)
#
# Zig brings libc headers and stubs for every target (glibc versioned down to
# the triple's floor, musl, the macOS SDK's .tbd files, MinGW) and links its
# own libc++ statically, so one Linux machine builds every binary and none
# of them needs a C++ runtime on the user's machine. Needs CMake 3.19
# (file(CHMOD)) and a POSIX shell for the wrappers below.

if(NOT ENGRAM_ZIG_TARGET)
  message(FATAL_ERROR "zig-toolchain.cmake needs -DENGRAM_ZIG_TARGET=<zig triple>")
endif()
# try_compile projects re-read this file with none of the caller's cache.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ENGRAM_ZIG_TARGET ENGRAM_ZIG ENGRAM_ZIG_CPU ENGRAM_ZIG_BIN)

if(NOT ENGRAM_ZIG)
  execute_process(
    COMMAND node "${CMAKE_CURRENT_LIST_DIR}/../scripts/zig.js" --print
    OUTPUT_VARIABLE ENGRAM_ZIG OUTPUT_STRIP_TRAILING_WHITESPACE
    COMMAND_ERROR_IS_FATAL ANY)
endif()
set(ENGRAM_ZIG "${ENGRAM_ZIG}" CACHE FILEPATH "The zig executable of the cross toolchain")
# CMakeLists.txt keys the zig-built library's options on this.
set(ENGRAM_ZIG_TOOLCHAIN ON CACHE BOOL "Built with cmake/zig-toolchain.cmake" FORCE)

string(REGEX MATCH "^[^-]+" _engram_cpu "${ENGRAM_ZIG_TARGET}")
if(ENGRAM_ZIG_TARGET MATCHES "-linux")
  set(CMAKE_SYSTEM_NAME Linux)
elseif(ENGRAM_ZIG_TARGET MATCHES "-macos")
  set(CMAKE_SYSTEM_NAME Darwin)
elseif(ENGRAM_ZIG_TARGET MATCHES "-windows")
  set(CMAKE_SYSTEM_NAME Windows)
else()
  message(FATAL_ERROR "zig-toolchain.cmake: no CMake system for ${ENGRAM_ZIG_TARGET}")
endif()
set(CMAKE_SYSTEM_PROCESSOR "${_engram_cpu}")

# CMake wants one executable per compiler, and cmake-js overwrites
# CMAKE_CXX_FLAGS on its command line, so the target and the CPU live in a
# wrapper: the CPU CMakeLists.txt gives `zig build` (ENGRAM_ZIG_CPU, baseline
# by default: the binary must run on any CPU of its architecture). Written
# under the top project's build tree; try_compile reuses them.
if(NOT ENGRAM_ZIG_CPU)
  set(ENGRAM_ZIG_CPU baseline)
endif()
if(NOT ENGRAM_ZIG_BIN)
  set(ENGRAM_ZIG_BIN "${CMAKE_BINARY_DIR}/zig-toolchain")
  foreach(_engram_tool IN ITEMS cc c++ ar ranlib)
    if(_engram_tool MATCHES "^c")
      set(_engram_args "${_engram_tool} -target ${ENGRAM_ZIG_TARGET} -mcpu=${ENGRAM_ZIG_CPU} -Wno-unused-command-line-argument")
    else()
      set(_engram_args "${_engram_tool}")
    endif()
    file(WRITE "${ENGRAM_ZIG_BIN}/${_engram_tool}" "#!/bin/sh\nexec \"${ENGRAM_ZIG}\" ${_engram_args} \"$@\"\n")
    file(CHMOD "${ENGRAM_ZIG_BIN}/${_engram_tool}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
endif()
set(CMAKE_C_COMPILER "${ENGRAM_ZIG_BIN}/cc")
set(CMAKE_CXX_COMPILER "${ENGRAM_ZIG_BIN}/c++")
set(CMAKE_AR "${ENGRAM_ZIG_BIN}/ar" CACHE FILEPATH "zig ar")
set(CMAKE_RANLIB "${ENGRAM_ZIG_BIN}/ranlib" CACHE FILEPATH "zig ranlib")

# Release as shipped: -O2, as the prebuilds have always been built, and
# stripped, since nobody debugs a prebuild from its own symbols. Cache
# entries, because cmake-js sets the plain CMAKE_CXX_FLAGS itself.
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "Release flags of the prebuilds")
set(CMAKE_SHARED_LINKER_FLAGS_RELEASE "-s" CACHE STRING "Release link flags of the prebuilds")

# CMake's compiler checks only compile: linking their test executable would
# make Zig build libc++ once more per target, for a program nobody runs.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Nothing from the build machine may leak into a cross build.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
