# Linux on 32-bit ARMv7-A hard-float with NEON and VFPv4 (fused VFMA), run with
# qemu-arm. Plain -mfpu=neon would have no fused multiply-add.
#   cmake --preset armv7-neon
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(EMBER_CROSS_TRIPLE arm-linux-gnueabihf)
set(EMBER_QEMU_USER qemu-arm)
set(EMBER_CROSS_FLAGS "-mfpu=neon-vfpv4 -mfloat-abi=hard -Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake)
