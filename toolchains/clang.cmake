# Build coronet with Debian's clang instead of the default g++.
#
#   cmake --preset clang                                   # build-clang/, see CMakePresets.json
#   cmake -B build-clang --toolchain toolchains/clang.cmake  # the same without presets
#
# Debian 12's `clang` package installs /usr/bin/clang and /usr/bin/clang++ (links to clang-14);
# the versioned names are a fallback for a machine that has only a versioned clang-NN package.
# The standard library stays libstdc++, so the prebuilt GoogleTest from libgtest-dev links as is.

set(_coronet_clang_versions 19 18 17 16 15 14)
list(TRANSFORM _coronet_clang_versions PREPEND "clang-" OUTPUT_VARIABLE _coronet_cc_names)
list(TRANSFORM _coronet_clang_versions PREPEND "clang++-" OUTPUT_VARIABLE _coronet_cxx_names)

find_program(CORONET_CLANG NAMES clang ${_coronet_cc_names} HINTS /usr/bin REQUIRED)
find_program(CORONET_CLANGXX NAMES clang++ ${_coronet_cxx_names} HINTS /usr/bin REQUIRED)

set(CMAKE_C_COMPILER ${CORONET_CLANG})
set(CMAKE_CXX_COMPILER ${CORONET_CLANGXX})
