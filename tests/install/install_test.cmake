# Driver of the install.consumer test (cmake -P), see CMakeLists.txt beside it for the variables.
#   1. cmake --install <coronet build> --prefix <work>/prefix
#   2. configure consumer/ with CMAKE_PREFIX_PATH=<work>/prefix and check that it found coronet
#      there (not in /usr/local or a package registry)
#   3. check what a user's translation unit sees: <coronet/coronet.hpp> must not pull in the
#      backend machinery (the seam, the loop's interface, the system socket layer of Windows,
#      liburing, Asio), and the seam's header must not be installed at all
#   4. build it, with the first ```cpp example of README.md as a second program (built only: it
#      is a server that runs until stopped), and run it, once with the default backend and once
#      with CORONET_BACKEND=asio
cmake_minimum_required(VERSION 3.25)

foreach(var CORONET_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/consumer-build)

# Each step echoes its command and stops the test when the command fails.
function(step what)
  list(JOIN ARGN " " shown)
  message(STATUS "install test: ${what}\n    ${shown}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc TIMEOUT 240)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${what} failed (${rc})")
  endif()
endfunction()

# Start from nothing, so that files of an earlier run cannot hide a missing install rule.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
step("install coronet" ${CMAKE_COMMAND} --install ${CORONET_BINARY_DIR} --prefix ${prefix} ${config_args})

# What a user's translation unit includes, as the compiler reports it (-H: one line per header,
# dots for depth). The machinery below stream, listener and scheduler is declared there, never
# defined: a user can neither depend on it nor be slowed down by it.
if(EXISTS ${prefix}/include/coronet/detail/io_backend.hpp)
  message(FATAL_ERROR "install test: the backend seam (coronet/detail/io_backend.hpp) is installed")
endif()
if(CXX_COMPILER_ID MATCHES "GNU|Clang")
  set(INCLUDE_DIRS ${prefix}/include)
  include(${CMAKE_CURRENT_LIST_DIR}/include_graph.cmake)
endif()

# The README's example: from the line after the first ```cpp to the next ```.
set(readme_args)
if(README)
  file(READ ${README} text)
  string(FIND "${text}" "```cpp\n" begin)
  if(begin LESS 0)
    message(FATAL_ERROR "install test: no ```cpp example in ${README}")
  endif()
  math(EXPR begin "${begin} + 7")
  string(SUBSTRING "${text}" ${begin} -1 text)
  string(FIND "${text}" "```" end)
  string(SUBSTRING "${text}" 0 ${end} example)
  file(WRITE ${WORK_DIR}/readme_example.cpp "${example}")
  set(readme_args -DREADME_EXAMPLE=${WORK_DIR}/readme_example.cpp)
endif()

set(configure_args
  -S ${CONSUMER_SOURCE_DIR} -B ${build} -G ${GENERATOR}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_CXX_FLAGS=${CXX_FLAGS}
  -DCONSUMER_WERROR=${WERROR}
  ${readme_args})
if(CONFIG)
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=${CONFIG})
endif()
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(TOOLCHAIN_FILE)
  list(APPEND configure_args -DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN_FILE})
endif()
step("configure the consumer" ${CMAKE_COMMAND} ${configure_args})

# The consumer must have found the package just installed.
file(STRINGS ${build}/CMakeCache.txt found REGEX "^coronet_DIR:")
string(REGEX REPLACE "^coronet_DIR:[A-Z]+=" "" found "${found}")
file(REAL_PATH "${prefix}" real_prefix)
file(REAL_PATH "${found}" real_found)
string(FIND "${real_found}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "install test: the consumer found coronet in '${found}', not under ${prefix}")
endif()

step("build the consumer" ${CMAKE_COMMAND} --build ${build} ${config_args})

# Multi-config generators put the program in a folder named after the configuration.
set(app ${build}/app)
if(NOT EXISTS ${app} AND CONFIG)
  set(app ${build}/${CONFIG}/app)
endif()
step("run the consumer" ${app})
step("run the consumer on the Asio backend" ${CMAKE_COMMAND} -E env CORONET_BACKEND=asio ${app})
message(STATUS "install test: passed")
