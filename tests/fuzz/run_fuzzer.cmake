# cmake -DFUZZER=... -DSEEDS=... -DWORK=... -DSECONDS=... [-DDICT=...] -P run_fuzzer.cmake
#
# Fuzzes a copy of the seed corpus (WORK/corpus, in the build directory: the source tree is never
# written) for SECONDS. Inputs that grew the coverage stay in WORK/corpus for the next run;
# a crash, leak, hang or out-of-memory input is written to WORK/ and fails the test.
file(MAKE_DIRECTORY ${WORK}/corpus)
file(COPY ${SEEDS}/ DESTINATION ${WORK}/corpus)
set(args ${WORK}/corpus
  -max_total_time=${SECONDS}
  -timeout=10
  -rss_limit_mb=2048
  -detect_leaks=1
  -print_final_stats=1
  -artifact_prefix=${WORK}/)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
message(STATUS "${FUZZER} ${args}")
execute_process(COMMAND ${FUZZER} ${args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}): the failing input is in ${WORK}/ "
                      "(replay it: ${FUZZER} ${WORK}/crash-...)")
endif()
