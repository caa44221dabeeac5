#!/usr/bin/env bash
# Configures, builds and runs the test suite of each CMake preset, then prints
# a per-target summary. The last line is always "N passed, N failed" (the
# totals over all targets; CI reads it). Exit status 1 if anything failed.
#   tools/run-tests.sh [PRESET...]     (default: every target)
set -uo pipefail

cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then
    presets=("$@")
else
    presets=(host host-avx2 host-asan aarch64 armv7-neon armv7-noneon cortex-m4f cortex-m7 cortex-m3 fuzz)
fi

jobs=${EMBER_JOBS:-2}
total_passed=0
total_failed=0
rows=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

for preset in "${presets[@]}"; do
    echo
    echo "===== $preset ====="
    start=$(now_ms)
    passed=0
    failed=0
    status=ok

    if [ "$preset" = host-avx2 ] &&
        ! { grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; } 2>/dev/null; then
        status="skipped (no AVX2+FMA on this CPU)"
    elif ! cmake --preset "$preset"; then
        failed=1
        status="configure failed"
    elif ! cmake --build --preset "$preset" -j "$jobs"; then
        failed=1
        status="build failed"
    else
        ctest --preset "$preset" -j "$jobs" --output-on-failure 2>&1 | tee "$log"
        ctest_status=${PIPESTATUS[0]}
        summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
        if [ -n "$summary" ]; then
            failed=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$summary")
            count=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$summary")
            passed=$((count - failed))
        fi
        if [ "$ctest_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
            failed=1
            status="ctest error"
        elif [ "$failed" -ne 0 ]; then
            status="tests failed"
        fi
    fi

    seconds=$(awk -v ms=$(($(now_ms) - start)) 'BEGIN { printf "%.1f", ms / 1000 }')
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    rows+=("$(printf '%-14s %7d %7d %9s  %s' "$preset" "$passed" "$failed" "$seconds" "$status")")
done

echo
echo "===== summary ====="
printf '%-14s %7s %7s %9s  %s\n' target passed failed seconds status
printf '%s\n' "${rows[@]}"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
