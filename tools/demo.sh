#!/usr/bin/env bash
# make demo: ember's anomaly-detection pipeline, from a CSV to Cortex-M
# firmware, on synthetic data (clearly labelled so: a generator in the
# project, lib/vibration.cpp).
#
#   1. build the host tools
#   2. generate multichannel vibration features of a rotating machine
#      (healthy training windows; a test set of healthy and faulty windows:
#      bearing-like impulses, a resonance shift, imbalance)
#   3. train a detector on the host (`ember train`, with progress)
#   4. score the test set: ROC-AUC, average precision, a PNG; export the
#      model and the test vectors as a C++ header
#   5. build the Cortex-M4F scoring firmware with that header, run it under
#      QEMU (mps2-an386), and compare its energies and decisions with the
#      host's, bit for bit
#   6. print the firmware's footprint (tools/footprint.sh)
#
#   tools/demo.sh [HOST_PRESET]     (default host; the Makefile passes
#                                     host-avx2 where the CPU has AVX2+FMA)
# Outputs in build/demo/. Environment: EMBER_JOBS (parallel jobs, 2).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
preset=${1:-host}
jobs=${EMBER_JOBS:-2}
out=$root/build/demo
fw_build=$out/firmware
mkdir -p "$out"
start=$(date +%s)

step() { printf '\n==== %s\n' "$*"; }

step "1/6 build the host tools ($preset preset)"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs" --target ember_cli ember_vibration
ember=$root/build/$preset/ember

step "2/6 demo data: synthetic vibration features (seed 1)"
"$root/build/$preset/examples/ember_vibration" --out-dir "$out/data" --seed 1

step "3/6 train a detector on the healthy windows"
"$ember" train --data "$out/data/train.csv" --out "$out/detector.ember" --seed 0 --hidden 32,32
"$ember" info --model "$out/detector.ember"

step "4/6 score the test windows on the host; export the header"
"$ember" score --model "$out/detector.ember" --data "$out/data/test.csv" --bits --decisions \
    --out "$out/host_scores.txt" --plot "$out/demo.png" 2>"$out/score.log" ||
    { cat "$out/score.log" >&2; exit 1; }
cat "$out/score.log"
"$ember" export --model "$out/detector.ember" --header "$out/detector_model.hpp" \
    --name detector --samples "$out/data/test.csv" --max-samples 1000

step "5/6 Cortex-M4F firmware with the exported header, under QEMU"
cmake --preset cortex-m4f -B "$fw_build" -DEMBER_BUILD_TESTS=OFF \
    -DEMBER_FIRMWARE_MODEL_HEADER="$out/detector_model.hpp" -DEMBER_FIRMWARE_MODEL_NAME=detector \
    -DEMBER_FIRMWARE_SAMPLES=ON >/dev/null
cmake --build "$fw_build" -j "$jobs" --target ember_firmware_score ember_firmware_train
"$root/ports/cortex_m/run-qemu.sh" mps2-an386 "$fw_build/examples/firmware/ember_firmware_score" \
    >"$out/device_scores.txt"
tail -n 1 "$out/device_scores.txt"
# Device lines "sample I 0xBITS D" against host lines "0xBITS,D", row by row.
awk -v host="$out/host_scores.txt" '
    $1 == "sample" {
        if ((getline line < host) <= 0) { extra++; next }
        split(line, h, ",")
        n++
        if ($3 == h[1]) bits++
        if ($4 == h[2]) same++
    }
    END {
        if ((getline line < host) > 0) extra++
        printf "device vs host: %d of %d energies bit-identical, %d of %d decisions equal\n",
            bits, n, same, n
        exit !(n > 0 && bits == n && same == n && extra == 0)
    }' "$out/device_scores.txt" || {
    echo "demo: the device and the host disagree (build/demo/device_scores.txt, host_scores.txt)" >&2
    exit 1
}

step "6/6 footprint of the firmware (Cortex-M4F)"
EMBER_FOOTPRINT_BUILD=$fw_build EMBER_FOOTPRINT_MODEL=detector "$root/tools/footprint.sh" --no-build |
    tee "$out/footprint.md"

step "summary"
grep -E '^ROC-AUC|^at the threshold' "$out/score.log"
echo "picture: $out/demo.png (energy histograms healthy vs faulty, ROC curve)"
echo "model: $out/detector.ember, header: $out/detector_model.hpp, footprint: $out/footprint.md"
echo "demo: done in $(($(date +%s) - start)) s"
