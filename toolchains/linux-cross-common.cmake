# Shared part of the Linux cross toolchains. The including file sets
# EMBER_CROSS_TRIPLE (e.g. aarch64-linux-gnu), EMBER_QEMU_USER (qemu-aarch64)
# and optionally EMBER_CROSS_FLAGS, then includes this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${EMBER_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${EMBER_CROSS_TRIPLE}-g++)

set(CMAKE_C_FLAGS_INIT "${EMBER_CROSS_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${EMBER_CROSS_FLAGS}")

# Libraries come from the target's sysroot; header-only packages (xsimd,
# doctest, pcg-cpp) and their CMake files come from the host's /usr.
set(CMAKE_FIND_ROOT_PATH /usr/${EMBER_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# No binfmt_misc: ctest and doctest_discover_tests run binaries through this.
set(CMAKE_CROSSCOMPILING_EMULATOR ${EMBER_QEMU_USER} -L /usr/${EMBER_CROSS_TRIPLE})
