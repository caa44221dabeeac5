# Bare-metal Cortex-M4F (single-precision FPU with VFMA), QEMU mps2-an386.
#   cmake --preset cortex-m4f
set(EMBER_CORTEX_M_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(EMBER_QEMU_MACHINE mps2-an386)
set(EMBER_CORTEX_M_LINKER_SCRIPT mps2.ld)
set(EMBER_CORTEX_M_CPU_HZ 25000000)
include(${CMAKE_CURRENT_LIST_DIR}/cortex-m-common.cmake)
