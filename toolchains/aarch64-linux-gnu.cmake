# Linux on 64-bit ARM (NEON, fused FMA), run with qemu-aarch64.
#   cmake --preset aarch64
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(EMBER_CROSS_TRIPLE aarch64-linux-gnu)
set(EMBER_QEMU_USER qemu-aarch64)
set(EMBER_CROSS_FLAGS "")
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake)
