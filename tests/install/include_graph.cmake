# The include graph of a user's translation unit: <coronet/coronet.hpp> alone, compiled with -H
# (one line per header, dots for depth), must not reach the backend machinery: the seam, the
# loop's interface, the system socket layer (<winsock2.h>, <windows.h> on Windows), liburing,
# Asio; nor Boost.JSON's definitions (the process headers only declare boost::json::value, see
# coronet/process/json.hpp: ~200 Boost headers a program without channels should not pay for).
# Run from install_test.cmake on the installed headers, and on its own (cmake -P) against
# the source tree for the Windows cross build, whose headers differ by platform.
#   CXX_COMPILER, CXX_FLAGS, INCLUDE_DIRS (a list, or directories separated by |), WORK_DIR
cmake_minimum_required(VERSION 3.25)

foreach(var CXX_COMPILER INCLUDE_DIRS WORK_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "include_graph.cmake: -D${var}=... is required")
  endif()
endforeach()

file(MAKE_DIRECTORY ${WORK_DIR})
file(WRITE ${WORK_DIR}/include_graph.cpp "#include <coronet/coronet.hpp>\n")
separate_arguments(flags UNIX_COMMAND "${CXX_FLAGS}")
string(REPLACE "|" ";" INCLUDE_DIRS "${INCLUDE_DIRS}")
set(includes)
foreach(dir ${INCLUDE_DIRS})
  list(APPEND includes -I${dir})
endforeach()
execute_process(
  COMMAND ${CXX_COMPILER} ${flags} -std=c++20 -H -fsyntax-only ${includes}
          ${WORK_DIR}/include_graph.cpp
  RESULT_VARIABLE rc ERROR_VARIABLE graph OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "include graph: <coronet/coronet.hpp> alone does not compile:\n${graph}")
endif()
foreach(machinery coronet/detail/io_backend\\.hpp coronet/detail/event_loop\\.hpp
                  coronet/detail/native\\.hpp coronet/detail/socket_listener\\.hpp
                  liburing include/winsock2\\.h include/windows\\.h boost/asio
                  boost/json/value\\.hpp)
  if(graph MATCHES "[^\n]*${machinery}[^\n]*")
    message(FATAL_ERROR "include graph: <coronet/coronet.hpp> includes ${CMAKE_MATCH_0}")
  endif()
endforeach()
string(REGEX MATCHALL "coronet/[a-z_/]+\\.hpp" seen "${graph}")
list(REMOVE_DUPLICATES seen)
list(LENGTH seen count)
message(STATUS "include graph: <coronet/coronet.hpp> includes ${count} coronet headers, none of "
               "the backend's")
