// ARM semihosting calls (Thumb `bkpt 0xAB`), shared by startup.c and port.cpp.
// They need a debugger or QEMU's -semihosting-config enable=on to answer.
#ifndef EMBER_PORTS_CORTEX_M_SEMIHOSTING_H
#define EMBER_PORTS_CORTEX_M_SEMIHOSTING_H

#include <stdint.h>

#define EMBER_SYS_OPEN 0x01u
#define EMBER_SYS_WRITE0 0x04u
#define EMBER_SYS_WRITE 0x05u
#define EMBER_SYS_EXIT_EXTENDED 0x20u
#define EMBER_ADP_STOPPED_APPLICATION_EXIT 0x20026u

static inline uintptr_t ember_semihost(uintptr_t op, const void* arg) {
    register uintptr_t r0 __asm__("r0") = op;
    register const void* r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

// Ends the program with `code` as QEMU's exit status.
static inline void ember_semihost_exit(uint32_t code) {
    const uint32_t block[2] = {EMBER_ADP_STOPPED_APPLICATION_EXIT, code};
    ember_semihost(EMBER_SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

#endif
