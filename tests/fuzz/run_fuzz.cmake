# One bounded libFuzzer run (the ember.fuzz_* ctest tests):
#   cmake -DFUZZER=exe -DSEEDS=dir -DWORK=dir [-DDICT=file] [-DSECONDS=30] -P run_fuzz.cmake
# Copies the seeds to WORK/corpus (libFuzzer writes what it finds into its
# first corpus directory: never the repository), fuzzes, writes the whole
# output to WORK/fuzz.log and prints the number of runs. Fails on libFuzzer's
# non-zero exit (a crash, a failed check, a leak, a timeout of one input,
# the memory limit), showing the report; a crashing input is left in
# WORK/artifacts/.
foreach(_var FUZZER SEEDS WORK)
    if(NOT DEFINED ${_var})
        message(FATAL_ERROR "run_fuzz.cmake: -D${_var}=... is missing")
    endif()
endforeach()
if(NOT DEFINED SECONDS)
    set(SECONDS 30)
endif()
get_filename_component(_name ${FUZZER} NAME)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(GLOB _seeds ${SEEDS}/*)
if(NOT _seeds)
    message(FATAL_ERROR "${_name}: no seeds in ${SEEDS}")
endif()
list(LENGTH _seeds _seed_count)
file(COPY ${_seeds} DESTINATION ${WORK}/corpus)

set(_args -max_total_time=${SECONDS} -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${WORK}/artifacts/)
if(DICT)
    list(APPEND _args -dict=${DICT})
endif()
execute_process(COMMAND ${FUZZER} ${_args} ${WORK}/corpus WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
file(WRITE ${WORK}/fuzz.log "${_out}")

if(NOT _rc EQUAL 0)
    # The report: from the first sanitizer or libFuzzer error line on.
    string(REGEX MATCH "(==[0-9]+==|fuzz_[a-z_]+: |ERROR: libFuzzer|SUMMARY: )[^\n]*\n.*" _report
           "${_out}")
    if(NOT _report)
        set(_report "${_out}")
    endif()
    message(FATAL_ERROR "${_name} failed (exit ${_rc}); whole log: ${WORK}/fuzz.log\n${_report}")
endif()
file(GLOB _corpus ${WORK}/corpus/*)
list(LENGTH _corpus _corpus_count)
string(REGEX MATCH "Done [0-9]+ runs in [0-9]+ second\\(s\\)" _done "${_out}")
string(REGEX MATCH "stat::average_exec_per_sec: *[0-9]+" _rate "${_out}")
string(REGEX REPLACE ".* " "" _rate "${_rate}")
message("${_name}: ${_done} (${_rate} exec/s), corpus ${_seed_count} seeds -> ${_corpus_count} inputs")
