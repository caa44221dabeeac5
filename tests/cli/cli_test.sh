#!/usr/bin/env bash
# End-to-end tests of the `ember` tool (ctest: ember.cli):
#   tests/cli/cli_test.sh [EMULATOR...] EMBER_BINARY
# Trains on tests/cli/train.csv (300 rows, 3 correlated features), scores
# tests/cli/test.csv (label column second: not a feature), and checks that
# every refusal exits non-zero with a line/column message and writes nothing.
set -u

ember=("$@") # the binary, after an emulator when cross-compiled
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect STATUS PATTERN -- command...: exit status and a pattern on stderr.
expect() {
    local want=$1 pattern=$2
    shift 3
    "$@" >"$work/out" 2>"$work/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        fail "exit $got (expected $want): $*"
        sed 's/^/  | /' "$work/err"
    elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$work/err"; then
        fail "no '$pattern' on stderr: $*"
        sed 's/^/  | /' "$work/err"
    fi
}

# 1. Train, twice with the same seed: the same bytes.
expect 0 "wrote" -- "${ember[@]}" train --data "$here/train.csv" --out "$work/a.ember" \
    --header "$work/a.hpp" --steps 600 --seed 3
expect 0 "" -- "${ember[@]}" train --data "$here/train.csv" --out "$work/b.ember" --steps 600 --seed 3 --quiet
cmp -s "$work/a.ember" "$work/b.ember" || fail "same seed, different model files"
[ ! -s "$work/out" ] || fail "train --quiet wrote to standard output"

# 2. info and export.
expect 0 "" -- "${ember[@]}" info --model "$work/a.ember"
grep -q "ember::Mlp<float, ember::Swish, 3, 64, 64>" "$work/out" || fail "info: network line"
grep -q "threshold" "$work/out" || fail "info: threshold line"
grep -q "static_assert(a_net::input_dim == 3" "$work/a.hpp" || fail "header: input size check"
expect 0 "wrote" -- "${ember[@]}" export --model "$work/a.ember" --header "$work/c.hpp" --name det
grep -q "det_view()" "$work/c.hpp" || fail "export: det_view"

# 3. Score: one energy per row, the label column skipped, metrics on stderr.
expect 0 "ROC-AUC" -- "${ember[@]}" score --model "$work/a.ember" --data "$here/test.csv"
[ "$(wc -l <"$work/out")" -eq 100 ] || fail "score: expected 100 lines"
auc=$(sed -n 's/^ROC-AUC \([0-9.]*\).*/\1/p' "$work/err")
awk -v a="$auc" 'BEGIN { exit !(a > 0.8) }' || fail "score: ROC-AUC $auc <= 0.8"
cp "$work/out" "$work/scores1"
expect 0 "" -- "${ember[@]}" score --model "$work/a.ember" --data "$here/test.csv" --out "$work/s.txt"
cmp -s "$work/s.txt" "$work/scores1" || fail "score --out differs from standard output"
expect 0 "" -- "${ember[@]}" score --model "$work/a.ember" --data "$here/train.csv" --decisions
[ "$(wc -l <"$work/out")" -eq 300 ] || fail "score --decisions: expected 300 lines"
grep -qv ',[01]$' "$work/out" && fail "score --decisions: lines are energy,0|1"

# 4. Malformed CSV: line and column, exit 1, nothing written.
bad() { # NAME CONTENT PATTERN
    printf "$2" >"$work/$1.csv"
    expect 1 "$3" -- "${ember[@]}" train --data "$work/$1.csv" --out "$work/$1.ember" --steps 10
    [ ! -e "$work/$1.ember" ] || fail "$1: a model was written"
    expect 1 "$3" -- "${ember[@]}" score --model "$work/a.ember" --data "$work/$1.csv" --out "$work/$1.txt"
    [ ! -e "$work/$1.txt" ] || fail "$1: scores were written"
}
bad ragged 'a,b,c\n1,2,3\n4,5\n' ":3:"
bad nonnumeric 'a,b,c\n1,2,3\n4,x5,6\n' ":3:3:"
bad emptyfield 'a,b,c\n1,,3\n' ":2:3:"
bad empty '' "empty"
bad noheader '' "empty"
bad headeronly 'a,b,c\n' ""
bad nan 'a,b,c\n1,nan,3\n' ":2:3:"
cols=$(seq -s, 1 65 | sed 's/[0-9]*/c&/g')
vals=$(seq -s, 1 65)
printf '%s\n%s\n' "$cols" "$vals" >"$work/wide.csv"
expect 1 "64" -- "${ember[@]}" train --data "$work/wide.csv" --out "$work/wide.ember"
[ ! -e "$work/wide.ember" ] || fail "wide: a model was written"

# 5. Wrong feature count, corrupted and truncated model files.
printf 'a,b\n1,2\n' >"$work/two.csv"
expect 1 "feature columns" -- "${ember[@]}" score --model "$work/a.ember" --data "$work/two.csv"
cp "$work/a.ember" "$work/bad.ember"
printf '\x55' | dd of="$work/bad.ember" bs=1 seek=100 conv=notrunc status=none
expect 1 "checksum_mismatch" -- "${ember[@]}" score --model "$work/bad.ember" --data "$here/test.csv"
head -c 50 "$work/a.ember" >"$work/short.ember"
expect 1 "truncated" -- "${ember[@]}" info --model "$work/short.ember"
expect 1 "No such file" -- "${ember[@]}" info --model "$work/missing.ember"

# 6. Command-line errors: exit 2.
expect 2 "unknown command" -- "${ember[@]}" frobnicate
expect 2 "unknown option" -- "${ember[@]}" train --data "$here/train.csv" --out "$work/x" --colour red
expect 2 "missing --out" -- "${ember[@]}" train --data "$here/train.csv"
expect 2 "--steps" -- "${ember[@]}" train --data "$here/train.csv" --out "$work/x" --steps -5
expect 2 "--hidden" -- "${ember[@]}" train --data "$here/train.csv" --out "$work/x" --hidden 48,48
[ ! -e "$work/x" ] || fail "a refused command line wrote a model"

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "ember CLI: all checks passed"
