#!/usr/bin/env bash
# make tidy: clang-tidy (checks and reasons in .clang-tidy) over ember's own
# code, exit 1 on any finding.
#
#   tools/tidy.sh            JOBS=2 by default (clang-tidy processes in parallel),
#                            CLANG_TIDY=clang-tidy by default
#
# The translation units come from the compile database of a host build in
# build/tidy (configured here, never built):
#   lib/*.cpp, lib/cli/*.cpp            the host library and the ember tool
#   tests/header_check/*.cpp            one per public header, include/ember and
#                                       lib/ember/host (EMBER_HEADER_CHECK)
# Findings in the headers these include count too (HeaderFilterRegex); those in
# third-party headers (xsimd, doctest, stb, the standard library) do not.
# A finding in a header is reported once, however many units include it.
# Each unit's full output stays in build/tidy/tidy-logs/.
# Templates are checked as written, and as instantiated only where these units
# instantiate them (lib/cli: the MLP, NCE, Adam and Trainer); the static
# analyzer follows header code only from the .cpp files.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
jobs=${JOBS:-2}
tidy=${CLANG_TIDY:-clang-tidy}
build=build/tidy
logs=$build/tidy-logs

if ! command -v "$tidy" >/dev/null 2>&1; then
    echo "tidy: $tidy not found (make deps installs clang-tidy)" >&2
    exit 1
fi

mkdir -p "$build"
if ! cmake --preset host -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DEMBER_HEADER_CHECK=ON \
    >"$build/configure.log" 2>&1; then
    cat "$build/configure.log" >&2
    echo "tidy: configuring $build failed" >&2
    exit 1
fi

# The database lists a file once per target that compiles it: keep one each.
units=$(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$build/compile_commands.json" |
    grep -E "^$root/(lib/[^/]+\.cpp|lib/cli/[^/]+\.cpp|$build/tests/header_check/[^/]+\.cpp)$" |
    sort -u)
headers=$(find include/ember lib/ember -name '*.hpp' | wc -l)
checks=$(grep -c "/$build/tests/header_check/" <<<"$units")
if [ "$checks" -ne "$headers" ]; then
    echo "tidy: $headers public headers but $checks header-check units in $build" >&2
    exit 1
fi
count=$(wc -l <<<"$units")

rm -rf "$logs"
mkdir -p "$logs"
echo "tidy: $("$tidy" --version | sed -n 's/.*LLVM version /clang-tidy /p'), $count units" \
    "($checks headers), $jobs jobs"
start=$(date +%s)
# Each unit: its log, and a .failed marker when clang-tidy exits non-zero
# (a finding, promoted to an error by WarningsAsErrors, or a compile error).
export tidy logs root build
tr '\n' '\0' <<<"$units" | xargs -0 -P "$jobs" -n 1 sh -c '
    log=$logs/$(printf %s "${1#"$root"/}" | tr / _).log
    "$tidy" -p "$build" --quiet "$1" >"$log" 2>&1 || touch "$log.failed"
' tidy
seconds=$(($(date +%s) - start))

failed=$(find "$logs" -name '*.failed' | wc -l)
findings=$(cat "$logs"/*.log | grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' | sort -u)
if [ "$failed" -eq 0 ] && [ -z "$findings" ]; then
    echo "tidy: clean, $count units in ${seconds}s"
    exit 0
fi
if [ -n "$findings" ]; then
    echo "$findings" | sed "s|^$root/||"
    echo
    echo "tidy: findings by check:"
    echo "$findings" | grep -oE '\[[A-Za-z0-9._-]+' | tr -d '[' | sort | uniq -c | sort -rn
fi
if [ "$failed" -gt 0 ]; then
    echo "tidy: units that failed (logs in $logs/):"
    find "$logs" -name '*.failed' | sed "s|^$logs/||; s|\.log\.failed$||" | sort
fi
echo "tidy: $(grep -c . <<<"$findings") findings, $failed of $count units failed," \
    "in ${seconds}s; full output in $logs/"
exit 1
