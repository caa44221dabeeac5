#!/usr/bin/env bash
# make fuzz: every libFuzzer target (tests/fuzz) for a longer time each.
#
#   tools/fuzz.sh [SECONDS]      (default 600 per target; the fuzz preset must be built)
#
# Each target starts from the committed seeds (tests/fuzz/corpus/<target>)
# plus what earlier long runs found, and keeps what it finds in
# build/fuzz-long/<target>/corpus (the repository is never written). A crash
# or a failed check stops the target, keeps the input in
# build/fuzz-long/<target>/ and makes the script exit 1: copy that input into
# tests/fuzz/corpus/<target>/ and it becomes a regression test (make test's
# 30-second runs start from the seeds).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
bin=$root/build/fuzz/tests/fuzz
out=$root/build/fuzz-long
status=0
for target in csv model_file header_export; do
    exe=$bin/ember_fuzz_$target
    if [ ! -x "$exe" ]; then
        echo "fuzz: $exe is not built (cmake --preset fuzz && cmake --build --preset fuzz)" >&2
        exit 1
    fi
    work=$out/$target
    mkdir -p "$work/corpus"
    cp -n "$root/tests/fuzz/corpus/$target"/* "$work/corpus/" 2>/dev/null || true
    args=(-max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/")
    [ -f "$root/tests/fuzz/$target.dict" ] && args+=(-dict="$root/tests/fuzz/$target.dict")
    before=$(ls "$work/corpus" | wc -l)
    echo "==== ember_fuzz_$target: $seconds s from $before inputs"
    if "$exe" "${args[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1; then
        runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$work/fuzz.log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\)/\1/p' "$work/fuzz.log")
        echo "ember_fuzz_$target: $runs ($rate exec/s), corpus $before -> $(ls "$work/corpus" | wc -l) inputs"
    else
        echo "ember_fuzz_$target: FAILED; log $work/fuzz.log; the input is in $work/ (crash-*, leak-*, timeout-*)"
        grep -m 5 -E "==[0-9]+==|fuzz_|ERROR" "$work/fuzz.log" || true
        status=1
    fi
done
exit $status
