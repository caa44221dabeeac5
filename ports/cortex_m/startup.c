// Vector table and reset code for the QEMU Cortex-M boards (mps2-an386,
// mps2-an500, lm3s6965evb), used with newlib's rdimon-crt0 (semihosting).
//
// Memory layout (see cortex_m_sections.ld): code and constants in the first
// region; in RAM the stack comes first, then .data, .bss and the heap. The
// stack grows down towards the start of RAM, below which these boards map
// nothing, so an overflow of any size stops the program with a bus fault
// (reported as a stack overflow) instead of corrupting data.
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "semihosting.h"

extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __StackTop[], __StackLimit[];
extern char end[], __HeapLimit[];
extern void _start(void); // rdimon-crt0

#define REG32(address) (*(volatile uint32_t*)(address))
#define SCB_CPACR REG32(0xE000ED88u)
#define SCB_SHCSR REG32(0xE000ED24u)
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_MMFAR REG32(0xE000ED34u)
#define SCB_BFAR REG32(0xE000ED38u)

void Reset_Handler(void) {
#if defined(__ARM_FP)
    SCB_CPACR |= 0xFu << 20; // CP10 and CP11 full access: enable the FPU
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    // rdimon-crt0 zeroes .bss but does not copy .data from its load address.
    // volatile keeps the compiler from turning the loop into a memcpy call.
    const volatile uint32_t* from = __data_load__;
    for (volatile uint32_t* to = __data_start__; to < __data_end__;) {
        *to++ = *from++;
    }
    // Report MemManage, BusFault and UsageFault by name instead of as HardFault.
    SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18);
    _start();
    for (;;) {
    }
}

// rdimon-crt0 asks the semihosting host where the stack is (QEMU answers with
// the top of the mps2's 16 MiB PSRAM at 0x21000000), moves sp there, then calls
// the weak hook _stack_init before it first uses the stack. Overriding the hook
// puts sp back where the linker script placed the stack.
__attribute__((naked)) void _stack_init(void) {
    __asm__ volatile("movw r0, #:lower16:__StackTop\n\t"
                     "movt r0, #:upper16:__StackTop\n\t"
                     "mov sp, r0\n\t"
                     "bx lr\n\t");
}

// librdimon's _sbrk refuses to grow the heap past sp, which here lies below
// the heap: this one hands out end .. __HeapLimit (the end of RAM).
void* _sbrk(ptrdiff_t increment) {
    static char* heap_end = end;
    if (increment > __HeapLimit - heap_end || increment < end - heap_end) {
        errno = ENOMEM;
        return (void*)-1;
    }
    char* const previous = heap_end;
    heap_end += increment;
    return previous;
}

static void put(const char* text) { ember_semihost(EMBER_SYS_WRITE0, text); }

static void put_hex(uint32_t value) {
    char text[11] = "0x";
    for (int i = 0; i < 8; ++i) {
        const uint32_t nibble = (value >> (28 - 4 * i)) & 0xFu;
        text[2 + i] = (char)(nibble < 10u ? '0' + nibble : 'a' + nibble - 10u);
    }
    text[10] = '\0';
    put(text);
}

// Called on a fresh stack by Default_Handler with the stack the fault hit.
__attribute__((used, noreturn)) static void report_fault(const uint32_t* frame) {
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    const uint32_t number = ipsr & 0x1FFu;
    static const char* const names[] = {"thread",    "reset",    "NMI",       "HardFault",
                                        "MemManage", "BusFault", "UsageFault"};
    put("\n*** ember: ");
    put(number < sizeof names / sizeof names[0] ? names[number] : "unexpected exception");
    put(" (exception ");
    put_hex(number);
    put(") CFSR=");
    put_hex(SCB_CFSR);
    put(" HFSR=");
    put_hex(SCB_HFSR);
    put(" MMFAR=");
    put_hex(SCB_MMFAR);
    put(" BFAR=");
    put_hex(SCB_BFAR);
    if ((uintptr_t)frame < (uintptr_t)__StackLimit + 32u) {
        put("\n*** stack overflow: the stack is ");
        put_hex((uint32_t)((uintptr_t)__StackTop - (uintptr_t)__StackLimit));
        put(" bytes (EMBER_CORTEX_M_STACK_SIZE)");
    } else if ((uintptr_t)frame >= (uintptr_t)__StackLimit &&
               (uintptr_t)frame + 32u <= (uintptr_t)__StackTop) {
        put("\n*** PC=");
        put_hex(frame[6]);
        put(" LR=");
        put_hex(frame[5]);
    }
    put("\n");
    ember_semihost_exit(255u);
    for (;;) {
    }
}

// Every fault and unexpected interrupt lands here. The stack may be the one
// that overflowed, so switch to the top of the stack before running C code.
__attribute__((naked)) void Default_Handler(void) {
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "movw r1, #:lower16:__StackTop\n\t"
                     "movt r1, #:upper16:__StackTop\n\t"
                     "mov sp, r1\n\t"
                     "b report_fault\n\t");
}

#define EMBER_WEAK_HANDLER(name) void name(void) __attribute__((weak, alias("Default_Handler")))
EMBER_WEAK_HANDLER(NMI_Handler);
EMBER_WEAK_HANDLER(HardFault_Handler);
EMBER_WEAK_HANDLER(MemManage_Handler);
EMBER_WEAK_HANDLER(BusFault_Handler);
EMBER_WEAK_HANDLER(UsageFault_Handler);
EMBER_WEAK_HANDLER(SVC_Handler);
EMBER_WEAK_HANDLER(DebugMon_Handler);
EMBER_WEAK_HANDLER(PendSV_Handler);
EMBER_WEAK_HANDLER(SysTick_Handler); // ports/cortex_m/port.cpp defines the real one

typedef void (*Vector)(void);

#define EMBER_IRQ4 Default_Handler, Default_Handler, Default_Handler, Default_Handler
#define EMBER_IRQ16 EMBER_IRQ4, EMBER_IRQ4, EMBER_IRQ4, EMBER_IRQ4

// 16 system exceptions and 48 external interrupts (none enabled here).
__attribute__((section(".isr_vector"), used)) const Vector ember_vector_table[64] = {
    (Vector)(uintptr_t)__StackTop,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0,
    0,
    0,
    0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
    EMBER_IRQ16,
    EMBER_IRQ16,
    EMBER_IRQ16,
};
