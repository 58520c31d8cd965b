# coronet_warnings(target): the warning set every coronet target builds with.
function(coronet_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${CORONET_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra $<$<BOOL:${CORONET_WERROR}>:-Werror>)
  endif()
endfunction()
