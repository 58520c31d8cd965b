# coronet_llhttp_target(<out-var>): the name of a target that provides llhttp.
#
# A package config wins where one exists (vcpkg on Windows installs llhttp with one). Otherwise
# llhttp is built as a static library from the C sources Debian's node-llhttp package ships
# (/usr/share/llhttp, header in /usr/share/include/llhttp): no copy of llhttp lives in this repo.
# Those are portable C, so the mingw cross build uses them as well (outside its find root).
function(coronet_llhttp_target out)
  if(TARGET coronet_llhttp)
    set(${out} coronet_llhttp PARENT_SCOPE)
    return()
  endif()
  find_package(llhttp CONFIG QUIET)
  foreach(candidate llhttp::llhttp_static llhttp::llhttp)
    if(TARGET ${candidate})
      set(${out} ${candidate} PARENT_SCOPE)
      return()
    endif()
  endforeach()

  find_path(CORONET_LLHTTP_INCLUDE_DIR llhttp.h
    PATHS /usr/share/include/llhttp /usr/share/include
    NO_CMAKE_FIND_ROOT_PATH
    DOC "Directory holding llhttp.h (Debian: node-llhttp)")
  find_path(CORONET_LLHTTP_SOURCE_DIR llhttp.c
    PATHS /usr/share/llhttp
    NO_CMAKE_FIND_ROOT_PATH
    DOC "Directory holding llhttp.c, api.c and http.c (Debian: node-llhttp)")
  if(NOT CORONET_LLHTTP_INCLUDE_DIR OR NOT CORONET_LLHTTP_SOURCE_DIR)
    message(FATAL_ERROR "llhttp not found: install Debian's node-llhttp (.ci/install-deps does), "
                        "or provide an llhttp CMake package (vcpkg install llhttp)")
  endif()
  add_library(coronet_llhttp STATIC
    ${CORONET_LLHTTP_SOURCE_DIR}/api.c
    ${CORONET_LLHTTP_SOURCE_DIR}/http.c
    ${CORONET_LLHTTP_SOURCE_DIR}/llhttp.c)
  set_target_properties(coronet_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
  # llhttp 8 compiles its strict checks (RFC 9112's "no whitespace between a field name and its
  # colon", among others) only with this; without it "Host : x" is accepted as a header "Host ".
  target_compile_definitions(coronet_llhttp PRIVATE LLHTTP_STRICT_MODE=1)
  # Generated third-party code: our warning set is not applied to it.
  target_include_directories(coronet_llhttp PUBLIC $<BUILD_INTERFACE:${CORONET_LLHTTP_INCLUDE_DIR}>)
  set(${out} coronet_llhttp PARENT_SCOPE)
endfunction()
