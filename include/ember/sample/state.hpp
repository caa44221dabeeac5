// ember — the state of a set of chains and the per-step report.
#pragma once

#include "ember/config.hpp"
#include "ember/random.hpp"
#include "ember/sample/adapt.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

// Internal helpers of the stream loops below: keep a loop over lanes rolled
// (so GCC's loop vectorizer, not complete unrolling followed by a failed SLP
// attempt, handles it), promise no aliasing, keep a function out of line.
// Undefined again at the end of this header: they must not reach user code.
#if defined(__GNUC__) && !defined(__clang__)
#define EMBER_SAMPLE_LANE_LOOP _Pragma("GCC unroll 1")
#else
#define EMBER_SAMPLE_LANE_LOOP
#endif
#if defined(__GNUC__)
#define EMBER_SAMPLE_RESTRICT __restrict__
#define EMBER_SAMPLE_NOINLINE __attribute__((noinline)) inline
#else
#define EMBER_SAMPLE_RESTRICT
#define EMBER_SAMPLE_NOINLINE inline
#endif

namespace ember::sample {

namespace detail {

// G streams stepped at once, each exactly as ember::Pcg32::next_u32, written
// as plain loops over lanes that compilers vectorize (no cross-lane work).
// out[c] = uniform01<T> (Pos = false) or uniform_pos<T> (Pos = true) of
// stream c, with the same outputs consumed and the same bits as random.hpp.
template <class T, std::size_t G, bool Pos>
inline void pcg_uniforms_loop(std::uint64_t* EMBER_SAMPLE_RESTRICT st,
                              const std::uint64_t* EMBER_SAMPLE_RESTRICT inc,
                              T* EMBER_SAMPLE_RESTRICT out) noexcept {
    constexpr std::uint64_t mult = Pcg32::multiplier;
    auto next = [&](std::size_t c) {
        const std::uint64_t old = st[c];
        st[c] = old * mult + inc[c];
        const auto x = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
        const auto rot = static_cast<unsigned>(old >> 59u);
        return (x >> rot) | (x << ((32u - rot) & 31u));
    };
    if constexpr (std::is_same_v<T, float>) {
        EMBER_SAMPLE_LANE_LOOP
        for (std::size_t c = 0; c < G; ++c) {
            const auto v = static_cast<std::int32_t>(next(c) >> 8) + (Pos ? 1 : 0);
            out[c] = static_cast<float>(v) * 0x1p-24f;
        }
    } else {
        EMBER_SAMPLE_LANE_LOOP
        for (std::size_t c = 0; c < G; ++c) {
            const std::uint64_t hi = next(c);
            const std::uint64_t lo = next(c);
            const auto v = static_cast<std::int64_t>(((hi << 32) | lo) >> 11) + (Pos ? 1 : 0);
            out[c] = static_cast<double>(v) * 0x1p-53;
        }
    }
}

// A lane group's loop out of line: once inlined into the big step function
// GCC unrolls it and then fails to vectorize it.
template <class T, std::size_t G, bool Pos>
EMBER_SAMPLE_NOINLINE void pcg_uniforms_group(std::uint64_t* EMBER_SAMPLE_RESTRICT st,
                                              const std::uint64_t* EMBER_SAMPLE_RESTRICT inc,
                                              T* EMBER_SAMPLE_RESTRICT out) noexcept {
    pcg_uniforms_loop<T, G, Pos>(st, inc, out);
}

template <class T, std::size_t G, bool Pos>
inline void pcg_uniforms(std::uint64_t* st, const std::uint64_t* inc, T* out) noexcept {
    if constexpr (G == 1) {
        pcg_uniforms_loop<T, 1, Pos>(st, inc, out);
    } else {
        pcg_uniforms_group<T, G, Pos>(st, inc, out);
    }
}

} // namespace detail

/// Per-chain outcome bits of one step (StepReport::flags).
enum StepFlag : std::uint8_t {
    step_accepted = 1,   ///< the chain moved to its proposal
    step_non_finite = 2, ///< proposal, f or grad f was NaN/inf: rejected
    step_divergent = 4,  ///< finite, but log acceptance ratio < -divergence_threshold
};

/// What one step did to each chain, and totals over the chains: the
/// `report` member of a ChainState, written by every step().
template <class T, std::size_t Chains>
struct StepReport {
    /// StepFlag bits of chain c.
    std::uint8_t flags[Chains];
    /// Metropolis acceptance probability min(1, exp(log ratio)) of chain c
    /// (1 for ULA; 0 for a non-finite proposal).
    T accept_prob[Chains];
    std::size_t n_accepted = 0;   ///< chains that moved
    std::size_t n_non_finite = 0; ///< chains whose proposal was non-finite
    std::size_t n_divergent = 0;  ///< chains flagged divergent
    /// accept_prob summed in chain order, divided by Chains.
    T mean_accept_prob = T(0);
    /// Step size used by this step.
    T step_size = T(0);
    /// What step() returned: ok, or non_finite_output when n_non_finite > 0
    /// (ok after init()). A step refused with invalid_argument writes no
    /// report.
    Status status = Status::ok;

    bool accepted(std::size_t c) const noexcept { return (flags[c] & step_accepted) != 0; }
    bool non_finite(std::size_t c) const noexcept { return (flags[c] & step_non_finite) != 0; }
    bool divergent(std::size_t c) const noexcept { return (flags[c] & step_divergent) != 0; }
};

/// The fixed-size state of `Chains` chains in dimension `D`: positions, the
/// cached f and grad f there, one PCG stream per chain, step size and its
/// adaptation, running counts, and the report of the last step.
///
/// Structure-of-arrays: coordinate d of chain c is `x[d * ld + c]`, with
/// `ld = Chains` rounded up to a whole number of SIMD packs. Lanes c >=
/// Chains are padding: computed, never moved, reported or counted.
///
///     static ember::sample::ChainState<float, 16, 1024> chains;  // ~140 KB: static
///
/// Read the members freely; change them only through a sampler (init,
/// set_chain, refresh, step), which keeps the cache consistent. A state keeps
/// going where it stopped: stepping it again continues every chain and its
/// random stream (persistent chains).
template <class T, std::size_t D, std::size_t Chains>
struct ChainState {
    static_assert(std::is_floating_point_v<T>, "ChainState: T must be float or double");
    static_assert(D >= 1 && Chains >= 1, "ChainState needs D >= 1 and Chains >= 1");

    using value_type = T;
    static constexpr std::size_t dim = D;
    static constexpr std::size_t chains = Chains;
    static constexpr std::size_t width = simd::Pack<T>::width;
    /// Leading dimension: Chains rounded up to a multiple of the SIMD width.
    static constexpr std::size_t ld = (Chains + width - 1) / width * width;

    alignas(EMBER_ALIGN) T x[D * ld] = {}; ///< positions, x[d * ld + c]
    alignas(EMBER_ALIGN) T f[ld] = {};     ///< f(x) (log density up to log Z)
    alignas(EMBER_ALIGN) T g[D * ld] = {}; ///< grad f(x), valid if grad_valid
    /// PCG32 streams in structure-of-arrays form, so a group of chains
    /// draws in SIMD: lane c holds the state and increment of the
    /// ember::Pcg32 of chain c (pad lanes have streams too, never reported).
    alignas(EMBER_ALIGN) std::uint64_t rng_state[ld] = {};
    alignas(EMBER_ALIGN) std::uint64_t rng_inc[ld] = {};

    StepReport<T, Chains> report{}; ///< outcome of the last step

    std::uint32_t n_accepted[Chains] = {};   ///< moves per chain since init
    std::uint32_t n_non_finite[Chains] = {}; ///< non-finite proposals per chain
    std::uint32_t n_divergent[Chains] = {};  ///< divergent proposals per chain
    std::uint64_t steps = 0;                 ///< steps since init

    T step_size = T(0);            ///< step size of the next step
    DualAveraging<T> adapt{};      ///< adaptation state (used during warm-up)
    std::uint32_t warmup_left = 0; ///< warm-up steps still to adapt

    bool ready = false;      ///< init() succeeded
    bool grad_valid = false; ///< g holds grad f(x) (MH does not maintain it)

    /// Coordinate d of chain c.
    T position(std::size_t c, std::size_t d) const noexcept { return x[d * ld + c]; }
    /// f at chain c's position.
    T log_density(std::size_t c) const noexcept { return f[c]; }
    /// Energy -f at chain c's position.
    T energy(std::size_t c) const noexcept { return -f[c]; }
    /// Copies the positions to `rows[c * D + d]` (Chains x D, row-major).
    void copy_rows(T* rows) const noexcept {
        for (std::size_t c = 0; c < Chains; ++c)
            for (std::size_t d = 0; d < D; ++d) rows[c * D + d] = x[d * ld + c];
    }
    /// Fraction of proposals accepted since init, over all chains (counts
    /// summed in chain order).
    T acceptance_rate() const noexcept {
        if (steps == 0) return T(0);
        std::uint64_t a = 0;
        for (std::size_t c = 0; c < Chains; ++c) a += n_accepted[c];
        return simd::div(static_cast<T>(a), static_cast<T>(steps) * static_cast<T>(Chains));
    }
    /// Non-finite proposals since init, over all chains.
    std::uint64_t total_non_finite() const noexcept {
        std::uint64_t a = 0;
        for (std::size_t c = 0; c < Chains; ++c) a += n_non_finite[c];
        return a;
    }
    /// Divergent proposals since init, over all chains.
    std::uint64_t total_divergent() const noexcept {
        std::uint64_t a = 0;
        for (std::size_t c = 0; c < Chains; ++c) a += n_divergent[c];
        return a;
    }
    /// True while the step size is still being adapted.
    bool warming_up() const noexcept { return warmup_left > 0; }
};

} // namespace ember::sample

#undef EMBER_SAMPLE_LANE_LOOP
#undef EMBER_SAMPLE_RESTRICT
#undef EMBER_SAMPLE_NOINLINE
