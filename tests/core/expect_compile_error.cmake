# cmake -P driver of the compile_fail.* tests: SOURCE must fail to compile with a message that
# contains EXPECT, and must compile with -DCORONET_WRITTEN_RIGHT (the corrected form), so that the
# failure is the one the test is about.
#   -DCXX_COMPILER=... -DCXX_FLAGS=... -DINCLUDE_DIR=... -DSOURCE=... -DEXPECT=...
foreach(var CXX_COMPILER INCLUDE_DIR SOURCE EXPECT)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "expect_compile_error.cmake: -D${var}=... is required")
  endif()
endforeach()
separate_arguments(flags UNIX_COMMAND "${CXX_FLAGS}")
set(compile ${CXX_COMPILER} ${flags} -std=c++20 -fsyntax-only -I${INCLUDE_DIR} ${SOURCE})

execute_process(COMMAND ${compile} -DCORONET_WRITTEN_RIGHT RESULT_VARIABLE rc
  OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the corrected form of ${SOURCE} does not compile:\n${out}")
endif()

execute_process(COMMAND ${compile} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but must not")
endif()
string(FIND "${out}" "${EXPECT}" at)
if(at LESS 0)
  message(FATAL_ERROR "the compiler's error does not say '${EXPECT}':\n${out}")
endif()
message(STATUS "${SOURCE}: fails to compile, saying '${EXPECT}'")
