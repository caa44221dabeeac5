// Cortex-M port: SysTick extended to 64 bits, semihosting console.
#include <ember/port.hpp>

#include "semihosting.h"

#ifndef EMBER_CORTEX_M_CPU_HZ
#error "EMBER_CORTEX_M_CPU_HZ (the SysTick processor clock) must be defined by the toolchain file"
#endif

namespace {

volatile std::uint32_t& reg(std::uintptr_t address) {
    return *reinterpret_cast<volatile std::uint32_t*>(address);
}

constexpr std::uintptr_t syst_csr = 0xE000E010u;
constexpr std::uintptr_t syst_rvr = 0xE000E014u;
constexpr std::uintptr_t syst_cvr = 0xE000E018u;
constexpr std::uintptr_t scb_icsr = 0xE000ED04u;
constexpr std::uint32_t csr_enable = 1u << 0;
constexpr std::uint32_t csr_tickint = 1u << 1;
constexpr std::uint32_t csr_clksource_cpu = 1u << 2;
constexpr std::uint32_t icsr_pendstset = 1u << 26;
constexpr std::uint32_t systick_max = 0x00FFFFFFu; // 24-bit down-counter

// Completed SysTick periods (2^24 ticks each), counted by SysTick_Handler.
volatile std::uint32_t g_periods = 0;

std::uint64_t g_last = 0; // last value returned by ticks()

int g_console = -1; // semihosting handle of ":tt"

} // namespace

extern "C" void SysTick_Handler(void) { g_periods = g_periods + 1u; }

namespace ember::port {

std::uint64_t ticks() noexcept {
    if ((reg(syst_csr) & csr_enable) == 0u) {
        reg(syst_rvr) = systick_max;
        reg(syst_cvr) = 0u;
        reg(syst_csr) = csr_clksource_cpu | csr_tickint | csr_enable;
        // The counter reads 0 until its first reload, which is no wrap: wait
        // for it so the first ticks are not counted as a whole period.
        while (reg(syst_cvr) == 0u) {
        }
    }
    std::uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    std::uint32_t periods = g_periods;
    std::uint32_t value = reg(syst_cvr);
    // A wrap whose interrupt has not run yet (interrupts are masked here, or
    // were by the caller): count it, and re-read the counter after the wrap.
    if ((reg(scb_icsr) & icsr_pendstset) != 0u) {
        periods += 1u;
        value = reg(syst_cvr);
    }
    std::uint64_t now = (static_cast<std::uint64_t>(periods) << 24) + (systick_max - value);
    // QEMU with -icount can show the reloaded counter before it pends the
    // wrap's interrupt; a reading below the last one means that happened.
    if (now < g_last) {
        now += systick_max + 1u;
    }
    g_last = now;
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    return now;
}

std::uint64_t ticks_per_second() noexcept { return EMBER_CORTEX_M_CPU_HZ; }

void write(const char* text, std::size_t size) noexcept {
    if (g_console < 0) {
        // SYS_OPEN ":tt" with mode 4 ("w") is the host's standard output.
        static const char name[] = ":tt";
        const std::uintptr_t open_args[3] = {reinterpret_cast<std::uintptr_t>(name), 4u,
                                             sizeof name - 1u};
        g_console = static_cast<int>(ember_semihost(EMBER_SYS_OPEN, open_args));
        if (g_console < 0) {
            return;
        }
    }
    const std::uintptr_t write_args[3] = {static_cast<std::uintptr_t>(g_console),
                                          reinterpret_cast<std::uintptr_t>(text), size};
    ember_semihost(EMBER_SYS_WRITE, write_args);
}

} // namespace ember::port
