// POSIX port: CLOCK_MONOTONIC in nanoseconds, stdout for the log.
#include <ember/port.hpp>

#include <cstdio>
#include <time.h>

namespace ember::port {

std::uint64_t ticks() noexcept {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1000000000u +
           static_cast<std::uint64_t>(now.tv_nsec);
}

std::uint64_t ticks_per_second() noexcept { return 1000000000u; }

void write(const char* text, std::size_t size) noexcept {
    // Through stdio, so the bytes stay in order with the program's printf output.
    std::fwrite(text, 1, size, stdout);
}

} // namespace ember::port
