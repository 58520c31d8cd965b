# lint.coawait_temporaries: no lambda that captures by value inside a co_await expression.
#
# GCC 12 (Debian 12's compiler) destroys a lambda temporary, and any braced aggregate temporary,
# that is part of a co_await expression twice: `co_await serve(l, [owned](stream s) {...})`
# released `owned` (a shared_ptr) one time too many, freeing the HTTP server's session while it
# was still used, and corrupted the heap now and then. Clang and newer GCCs are right, so only a
# check of the sources catches it: a lambda that captures by value (or with a capture default
# `=`) must be a local of its own, declared before the co_await statement. Reference captures are
# trivially destroyed, so destroying them twice does no harm.
#
# Usage: cmake -DSOURCE_DIR=<repo> -P coawait_temporaries.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "SOURCE_DIR not set")
endif()

set(_globs)
foreach(dir core io tls http websocket process samples tests bench docs)
  list(APPEND _globs ${SOURCE_DIR}/${dir}/*.cpp ${SOURCE_DIR}/${dir}/*.hpp ${SOURCE_DIR}/${dir}/*.md)
endforeach()
file(GLOB_RECURSE _files ${_globs})
list(APPEND _files ${SOURCE_DIR}/README.md)

set(_found 0)
foreach(f ${_files})
  file(READ ${f} text)
  # Brackets would end CMake's list items: spell them as plain markers first.
  string(REPLACE "[" "<LB>" text "${text}")
  string(REPLACE "]" "<RB>" text "${text}")
  string(REPLACE ";" "<SC>" text "${text}")
  if(f MATCHES "\\.md$")
    # Markdown: only the code blocks.
    string(REGEX MATCHALL "```[^`]*```" blocks "${text}")
    string(REPLACE ";" "\n" text "${blocks}")
  endif()
  # Comments are prose: a co_await mentioned in one is not an expression.
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  # Every co_await up to the end of its statement (the first ';', which in a lambda body comes
  # after the lambda's introducer).
  string(REGEX MATCHALL "co_await[^<]*(<[^S][^<]*|<S[^C][^<]*)*" statements "${text}")
  foreach(stmt IN LISTS statements)
    # Lambda introducers: a capture list followed by parameters, a body, mutable or ->.
    string(REGEX MATCHALL "<LB>[^<]*<RB>[ \t\r\n]*(\\(|{|mutable|->)" intros "${stmt}")
    foreach(intro IN LISTS intros)
      string(REGEX REPLACE "^<LB>([^<]*)<RB>.*$" "\\1" captures "${intro}")
      # What is left once reference captures and `this` are taken out captures by value.
      string(REGEX REPLACE "&[A-Za-z_0-9]*" "" by_value "${captures}")
      string(REGEX REPLACE "(^|[ ,])this([ ,]|$)" " " by_value "${by_value}")
      string(REGEX REPLACE "[ ,\t\r\n]" "" by_value "${by_value}")
      if(NOT by_value STREQUAL "")
        string(SUBSTRING "${stmt}" 0 160 shown)
        string(REPLACE "<LB>" "[" shown "${shown}")
        string(REPLACE "<RB>" "]" shown "${shown}")
        string(REPLACE "<SC>" ";" shown "${shown}")
        string(REGEX REPLACE "[ \t\r\n]+" " " shown "${shown}")
        file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
        message(SEND_ERROR "${rel}: a lambda capturing by value [${captures}] inside a co_await "
                           "expression (GCC 12 destroys it twice); make it a local first:\n  ${shown}")
        math(EXPR _found "${_found} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()

list(LENGTH _files n)
if(_found GREATER 0)
  message(FATAL_ERROR "${_found} lambda(s) capturing by value inside co_await expressions")
endif()
message(STATUS "${n} files: no lambda capturing by value inside a co_await expression")
