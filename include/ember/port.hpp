// Port contract: the few platform services that ember's tests, benchmarks and
// examples use. The ember headers never call these themselves.
#pragma once

#include <cstddef>
#include <cstdint>

/// Platform services a port implements (one folder per target under ports/).
///
/// Link the `ember::port` CMake target to get the implementation for the target
/// being built: `ports/posix/port.cpp` on Linux, `ports/cortex_m/port.cpp` on
/// bare-metal Cortex-M (SysTick and semihosting).
namespace ember::port {

/// Monotonic tick counter (SysTick-extended on Cortex-M, ns on POSIX).
std::uint64_t ticks() noexcept;

/// Ticks per second of ticks().
std::uint64_t ticks_per_second() noexcept;

/// Write raw bytes to the platform's log/console.
void write(const char* text, std::size_t size) noexcept;

} // namespace ember::port
