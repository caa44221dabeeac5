// The machine's own single-core FMA peak, measured at the SIMD width of the
// build (simd::Pack<T>), so every benchmark can report its GFLOP/s as a
// fraction of what this core can do with the same instructions.
//
//     const double peak = ember_bench::fma_peak_gflops<float>();  // cached
//     state.counters["peak_fraction"] = gflops / peak;
//
// The kernel keeps `kAccumulators` independent FMA chains in registers (more
// than latency x FMA ports on current x86 and ARM cores), so it runs at the
// FMA throughput limit. One FMA on a pack counts 2 * width FLOPs.
#pragma once

#include "ember/simd.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include <time.h>

namespace ember_bench {

/// Independent accumulators of the peak kernel: 12 fits the 16 vector
/// registers of SSE/AVX2 and NEON-32 with room for the two constants.
inline constexpr std::size_t kAccumulators = 12;

namespace detail {

template <class P, std::size_t... K>
inline void fma_rounds(P (&acc)[sizeof...(K)], P m, P a, std::uint64_t rounds,
                       std::index_sequence<K...>) noexcept {
    using ember::simd::fma;
    for (std::uint64_t r = 0; r < rounds; ++r) {
        ((acc[K] = fma(acc[K], m, a)), ...);
    }
}

} // namespace detail

/// Runs `rounds` rounds of kAccumulators dependent-per-chain FMAs on
/// simd::Pack<T> and returns a value that depends on all of them (a sink).
template <class T>
T fma_kernel(std::uint64_t rounds) noexcept {
    using P = ember::simd::Pack<T>;
    P acc[kAccumulators];
    for (std::size_t k = 0; k < kAccumulators; ++k) acc[k] = P(T(1) + T(k) * T(0.001));
    // acc -> acc * m + a has the fixed point a / (1 - m) = 1: values stay
    // normal and finite however long it runs.
    P m(T(0.999));
    P a(T(0.001));
    benchmark::DoNotOptimize(m);
    benchmark::DoNotOptimize(a);
    detail::fma_rounds(acc, m, a, rounds, std::make_index_sequence<kAccumulators>{});
    P s = acc[0];
    for (std::size_t k = 1; k < kAccumulators; ++k) s = s + acc[k];
    return s.get(0);
}

/// FLOPs of fma_kernel(rounds).
template <class T>
constexpr double fma_kernel_flops(std::uint64_t rounds) noexcept {
    return 2.0 * double(ember::simd::Pack<T>::width) * double(kAccumulators) * double(rounds);
}

/// CPU time of the calling thread in seconds. Rates are computed from it, not
/// from wall time, so other processes on a shared machine do not count.
inline double thread_seconds() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

/// Measured single-core FMA peak in GFLOP/s for Pack<T>: best of 15 runs of
/// about 10 ms of thread CPU time (computed once, then cached).
template <class T>
double fma_peak_gflops() {
    static const double peak = [] {
        constexpr std::uint64_t rounds = 1u << 20;
        double best = 0.0;
        for (int rep = 0; rep < 15; ++rep) {
            const double t0 = thread_seconds();
            T sink = fma_kernel<T>(rounds);
            benchmark::DoNotOptimize(sink);
            const double s = thread_seconds() - t0;
            const double g = fma_kernel_flops<T>(rounds) / s * 1e-9;
            if (g > best) best = g;
        }
        return best;
    }();
    return peak;
}

/// Thread CPU time since construction (for the counters of one run).
class CpuTimer {
public:
    CpuTimer() noexcept : t0_(thread_seconds()) {}
    double seconds() const noexcept { return thread_seconds() - t0_; }

private:
    double t0_;
};

/// Sets the counters every kernel reports, from `flops` FLOPs done in
/// `seconds` of thread CPU time: `GFLOP/s` and `peak_fraction` (of
/// fma_peak_gflops<T>). Plain numbers, already rates.
template <class T>
void report_flops(benchmark::State& state, double flops, double seconds) {
    const double gflops = seconds > 0 ? flops / seconds * 1e-9 : 0.0;
    state.counters["GFLOP/s"] = gflops;
    state.counters["peak_fraction"] = gflops / fma_peak_gflops<T>();
}

} // namespace ember_bench
