# Linux on 32-bit ARMv7-A hard-float without NEON: VFPv4 scalar FPU only, so
# __ARM_NEON is undefined (xsimd has no architecture: the scalar fallback runs)
# and __ARM_FEATURE_FMA is defined (std::fma is the VFMA instruction).
#   cmake --preset armv7-noneon
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(EMBER_CROSS_TRIPLE arm-linux-gnueabihf)
set(EMBER_QEMU_USER qemu-arm)
set(EMBER_CROSS_FLAGS "-mfpu=vfpv4-d16 -mfloat-abi=hard -Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake)
