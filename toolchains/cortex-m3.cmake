# Bare-metal Cortex-M3 without FPU (soft-float), QEMU lm3s6965evb:
# 256 KiB flash, 64 KiB SRAM.
#   cmake --preset cortex-m3
set(EMBER_CORTEX_M_CPU_FLAGS "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft")
set(EMBER_QEMU_MACHINE lm3s6965evb)
set(EMBER_CORTEX_M_LINKER_SCRIPT lm3s6965evb.ld)
set(EMBER_CORTEX_M_CPU_HZ 12500000)
include(${CMAKE_CURRENT_LIST_DIR}/cortex-m-common.cmake)
