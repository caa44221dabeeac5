# Bare-metal Cortex-M7 (double-precision FPv5), QEMU mps2-an500.
#   cmake --preset cortex-m7
set(EMBER_CORTEX_M_CPU_FLAGS "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
set(EMBER_QEMU_MACHINE mps2-an500)
set(EMBER_CORTEX_M_LINKER_SCRIPT mps2.ld)
set(EMBER_CORTEX_M_CPU_HZ 25000000)
include(${CMAKE_CURRENT_LIST_DIR}/cortex-m-common.cmake)
