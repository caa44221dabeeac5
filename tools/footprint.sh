#!/usr/bin/env bash
# Footprint of the Cortex-M4F firmware examples (examples/firmware) as a
# markdown table: flash, RAM, the weights apart, worst-case stack of one
# score and of one training step, instructions per score and per step.
#
#   tools/footprint.sh            build the cortex-m4f preset's firmware, then report
#   tools/footprint.sh --no-build report on build/cortex-m4f as it is
#   EMBER_FOOTPRINT_BUILD=dir     another build directory (a cortex-m4f configuration)
#   EMBER_FOOTPRINT_MODEL=name    the name the scoring firmware's header was
#                                 exported under (default: demo)
#
# How each number is obtained:
# - flash = .text + .data + the small read-only sections (arm-none-eabi-size -A);
#   RAM = .data + .bss (the .stack reservation of the linker script is shown
#   apart). "C library" is what the map file attributes to newlib-nano,
#   rdimon (semihosting), libgcc and the C run-time objects.
# - weights: the size of the parameter symbol (arm-none-eabi-nm -S): the
#   exported demo_params (flash) for scoring; the trained model, the Adam
#   moments and the training rows (RAM) for training.
# - stack: static, from GCC's -fcallgraph-info=su (the firmware objects are
#   compiled with it): the largest sum of frame sizes along any call path
#   from ember_fw_check() / ember_fw_train_step(), whose callees are all in
#   the firmware's own translation unit (a callee without a .ci node, e.g. a
#   C library function, would be listed as unknown and counted as 0).
# - instructions: counted by the firmware itself (`--count 5`) under QEMU
#   with -icount shift=5, where each instruction advances virtual time by
#   32 ns and SysTick counts the 25 MHz clock (40 ns): instructions = ticks *
#   40 / 32, resolution 1.25 instructions; the firmware checks the formula on
#   a loop of 20000 known instructions and subtracts the cost of reading the
#   counter. Deterministic: the same image gives the same counts every run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${EMBER_FOOTPRINT_BUILD:-$root/build/cortex-m4f}
if [ "${1:-}" != "--no-build" ]; then
    (cd "$root" && cmake --preset cortex-m4f >/dev/null &&
        cmake --build "$build" -j2 --target ember_firmware_score ember_firmware_train >/dev/null)
fi
fw=$build/examples/firmware
score=$fw/ember_firmware_score
train=$fw/ember_firmware_train
for f in "$score" "$train"; do
    [ -f "$f" ] || { echo "footprint: $f not built" >&2; exit 1; }
done

# Section sizes: NAME of SECTION (arm-none-eabi-size -A), 0 if absent.
section() { arm-none-eabi-size -A "$1" | awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }'; }
flash() {
    local total=0 s
    for s in .text .ARM.exidx .preinit_array .init_array .fini_array .data; do
        total=$((total + $(section "$1" $s)))
    done
    echo $total
}
ram() { echo $(($(section "$1" .data) + $(section "$1" .bss))); }
# Size of a symbol (sum over the names matching a regex), from nm -S.
symbol() {
    local total=0 size
    while read -r size; do
        total=$((total + 16#$size))
    done < <(arm-none-eabi-nm -S -C "$1" | awk -v re="$2" '
        NF >= 4 { name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name); if (name ~ re) print $2 }')
    echo $total
}
# Bytes of .text/.rodata/.data/.bss input sections from the C library & co.
libc_bytes() {
    local kind=$2 total=0 size
    while read -r size; do total=$((total + 16#${size#0x})); done < <(
        awk -v kind="$kind" '
            /^\.(text|data|bss) / { out = $1 }
            /^\.[a-zA-Z_]/ && !/^\.(text|data|bss) / { out = "" }
            out == "" { next }
            { line = $0 }
            /^ \.[^ ]+$/ { held = 1; next }
            {
                n = split(line, f, " ")
                if (held || (n >= 4 && f[1] ~ /^\./)) {
                    obj = f[n]; size = f[n - 1]
                    held = 0
                    if (size !~ /^0x/) next
                    is_lib = obj ~ /(libc_nano|librdimon|libgcc|libnosys|libstdc|crt[0-9a-z_.-]*\.o|rdimon-crt0)/
                    if ((kind == "flash" && (out == ".text" || out == ".data")) ||
                        (kind == "ram" && (out == ".data" || out == ".bss")))
                        if (is_lib) print size
                }
            }' "$1.map")
    echo $total
}
# Worst-case stack from ROOT over the .ci call graphs of the image's objects.
stack_of() {
    local dir=$1 root=$2
    awk -v root="$root" '
        /^node:/ {
            title = $0; sub(/.*title: "/, "", title); sub(/".*/, "", title)
            n = $0; sub(/ bytes \(.*/, "", n); sub(/.*\\n/, "", n)
            own[title] = n + 0; if (!(title in own)) own[title] = 0
            short = title; sub(/.*:/, "", short); alias[short] = title
        }
        /^edge:/ {
            s = $0; sub(/.*sourcename: "/, "", s); sub(/".*/, "", s)
            t = $0; sub(/.*targetname: "/, "", t); sub(/".*/, "", t)
            if (!((s, t) in seen)) { seen[s, t] = 1; calls[s] = calls[s] SUBSEP t }
        }
        function resolve(f) { return (f in own) ? f : ((f in alias) ? alias[f] : f) }
        function depth(f,   best, k, m, parts, i, d) {
            f = resolve(f)
            if (f in memo) return memo[f]
            if (!(f in own)) { unknown[f] = 1; return 0 }
            if (f in active) { recursive[f] = 1; return 0 }
            active[f] = 1
            best = 0
            m = split(calls[f], parts, SUBSEP)
            for (i = 2; i <= m; ++i) { d = depth(parts[i]); if (d > best) best = d }
            delete active[f]
            memo[f] = own[f] + best
            return memo[f]
        }
        END {
            printf "%d", depth(root)
            u = ""; for (f in unknown) u = u " " f
            for (f in recursive) u = u " (recursive: " f ")"
            if (u != "") printf " (not counted:%s)", u
            printf "\n"
        }' $(find "$dir" -name '*.ci')
}
count() {
    EMBER_QEMU_FLAGS="-icount shift=5" EMBER_QEMU_TIMEOUT=120 \
        "$root/ports/cortex_m/run-qemu.sh" mps2-an386 "$1" --count 5
}

score_flash=$(flash "$score")
score_ram=$(ram "$score")
model=${EMBER_FOOTPRINT_MODEL:-demo}
# The model's constants: parameters and the Gaussian base (the exported
# mean/scale are copied into the detector, so they are in its RAM); test
# vectors of `ember export --samples` are counted apart.
score_weights=$(symbol "$score" "^${model}_(params|base)\$")
score_vectors=$(symbol "$score" "^${model}_(samples|sample_labels)\$")
score_libc_flash=$(libc_bytes "$score" flash)
score_libc_ram=$(libc_bytes "$score" ram)
score_stack=$(stack_of "$fw/CMakeFiles/ember_firmware_score.dir" ember_fw_check)
score_count=$(count "$score")
score_insn=$(echo "$score_count" | sed -n 's/^instructions per score: mean \([0-9]*\).*/\1/p')

train_flash=$(flash "$train")
train_ram=$(ram "$train")
train_model=$(symbol "$train" 'namespace[)]::(model|opt)$')
train_rows=$(symbol "$train" 'namespace[)]::data$')
train_libc_flash=$(libc_bytes "$train" flash)
train_libc_ram=$(libc_bytes "$train" ram)
train_stack=$(stack_of "$fw/CMakeFiles/ember_firmware_train.dir" ember_fw_train_step)
train_count=$(count "$train")
train_insn=$(echo "$train_count" | sed -n 's/^instructions per training step.*: mean \([0-9]*\).*/\1/p')

kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
verdict() { if [ "$1" -le "$2" ]; then echo "ok (goal <= $3)"; else echo "OVER (goal <= $3)"; fi; }

cat <<TABLE
## ember firmware footprint (Cortex-M4F, arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion), $(basename "$build"))

| | scoring (\`ember_firmware_score\`, D=16, H=32x32 float) | training (\`ember_firmware_train\`, D=8, H=16x16 float) |
|---|---|---|
| flash (text + data) | $score_flash B ($(kb "$score_flash")) | $train_flash B ($(kb "$train_flash")) |
| of which weights | $score_weights B (\`${model}_params\`, \`${model}_base\`: const, flash) | - (weights are trained in RAM) |
| of which test vectors | $score_vectors B (\`${model}_samples\`) | - |
| flash beyond the weights (and test vectors) | $((score_flash - score_weights - score_vectors)) B ($(kb $((score_flash - score_weights - score_vectors)))) | $train_flash B |
| of which C library (newlib-nano, rdimon, libgcc, crt) | $score_libc_flash B | $train_libc_flash B |
| firmware's own flash beyond the weights (without the C library) | $((score_flash - score_weights - score_vectors - score_libc_flash)) B ($(kb $((score_flash - score_weights - score_vectors - score_libc_flash)))): $(verdict $((score_flash - score_weights - score_vectors - score_libc_flash)) 24576 "24 KB") | $((train_flash - train_libc_flash)) B |
| RAM (data + bss; the weights are in flash) | $score_ram B: $(verdict "$score_ram" 2048 "2 KB") | $train_ram B |
| of which model + Adam state / training rows | - | $train_model B / $train_rows B |
| of which C library | $score_libc_ram B | $train_libc_ram B |
| stack reserved (linker) | $(section "$score" .stack) B | $(section "$train" .stack) B |
| worst-case stack (static, -fcallgraph-info) | $score_stack B per score (\`ember_fw_check\`) | $train_stack B per step (\`ember_fw_train_step\`) |
| instructions (QEMU -icount, SysTick) | $score_insn per score: $(verdict "${score_insn:-999999}" 10000 "10 k") | $train_insn per step (batch 32) |

Instruction counts: the firmware's \`--count 5\` under \`-icount shift=5\`
(instructions = SysTick ticks x 40 ns / 32 ns, resolution 1.25 instructions):

\`\`\`
$score_count
$train_count
\`\`\`
TABLE
