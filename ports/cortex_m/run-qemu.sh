#!/usr/bin/env bash
# Run a bare-metal Cortex-M image under QEMU system emulation with semihosting
# (console, argv, exit code). CMake uses this as CMAKE_CROSSCOMPILING_EMULATOR.
#
#   ports/cortex_m/run-qemu.sh MACHINE ELF [ARGS...]
#
# The exit status is the program's (255 after a fault, 124 on timeout).
# Environment: EMBER_QEMU_TIMEOUT (seconds, default 300), EMBER_QEMU_FLAGS
# (extra QEMU options, e.g. "-icount shift=0" for deterministic SysTick).
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 MACHINE ELF [ARGS...]" >&2
    exit 2
fi
machine=$1
elf=$2
shift 2

# rdimon-crt0 splits the semihosting command line on blanks and honours "...";
# QEMU's option parser needs each comma doubled. crt0's buffer is 256 bytes.
semihosting="enable=on,target=native,arg=$(basename "$elf")"
cmdline=$(basename "$elf")
for arg in "$@"; do
    [ -n "$arg" ] || continue
    case $arg in
    *[[:space:]]*) arg="\"$arg\"" ;;
    esac
    cmdline="$cmdline $arg"
    semihosting="$semihosting,arg=${arg//,/,,}"
done
if [ ${#cmdline} -gt 255 ]; then
    echo "$0: command line longer than rdimon's 255 characters: $cmdline" >&2
    exit 2
fi

# shellcheck disable=SC2086 # EMBER_QEMU_FLAGS is a list of options
exec timeout "${EMBER_QEMU_TIMEOUT:-300}" qemu-system-arm -M "$machine" -nographic \
    -monitor none -serial none ${EMBER_QEMU_FLAGS:-} \
    -semihosting-config "$semihosting" -kernel "$elf"
