# Shared part of the bare-metal Cortex-M toolchains (arm-none-eabi, newlib-nano,
# semihosting through rdimon, run under qemu-system-arm). The including file
# sets EMBER_CORTEX_M_CPU_FLAGS, EMBER_QEMU_MACHINE, EMBER_CORTEX_M_LINKER_SCRIPT
# (a file in ports/cortex_m/) and EMBER_CORTEX_M_CPU_HZ (SysTick clock).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
# The compiler checks cannot link without a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# -Wno-psabi: silence notes about an ABI change in GCC 7 (libstdc++ code).
set(CMAKE_C_FLAGS_INIT "${EMBER_CORTEX_M_CPU_FLAGS} -ffunction-sections -fdata-sections -Wno-psabi")
set(CMAKE_CXX_FLAGS_INIT "${CMAKE_C_FLAGS_INIT} -fno-exceptions -fno-rtti")
# -u _printf_float: newlib-nano's printf leaves out %f (and never has %lld).
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "--specs=nano.specs --specs=rdimon.specs -Wl,--gc-sections -u _printf_float")

# Only the toolchain's own sysroot: never the host's /usr/include.
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

get_filename_component(_ember_ports_dir "${CMAKE_CURRENT_LIST_DIR}/../ports/cortex_m" ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${_ember_ports_dir}/run-qemu.sh" ${EMBER_QEMU_MACHINE})
unset(_ember_ports_dir)
