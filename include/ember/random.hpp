// ember — the project's own PCG32 and the draws built on it.
//
// `Pcg32` is PCG-XSH-RR 64/32 with the seeding and output of pcg-cpp's
// `pcg32 rng(seed, stream)`: increment = (stream << 1) | 1, state =
// (seed + increment) * a + increment, and each call outputs a permutation of
// the state *before* the step. Seed 42, stream 54 gives 0xa15c02b7,
// 0x7b47f409, 0xba1d3330, ... (tests/test_random.cpp; bit-identical to pcg-cpp
// in tests/host/test_random_pcgcpp.cpp). No heap, no exceptions, no iostream.
//
// Draws and the u32 outputs each consumes (fixed, so a stream stays in step
// whatever the data):
//   uniform01<float>    1   top 24 bits * 2^-24, in [0, 1)
//   uniform01<double>   2   53 bits (first output high) * 2^-53, in [0, 1)
//   uniform_pos<T>      as uniform01, plus one ulp: in (0, 1]
//   rademacher<T>       1   top bit: +1 or -1
//   normal_pair<T>      2 (float) / 4 (double): u1 = uniform_pos (radius),
//                       then u2 = uniform01 (angle); Box-Muller
//                       z0 = sqrt(-2 log u1) cos(2 pi u2), z1 = ... sin(...)
//   normal<T>           as normal_pair, returns z0 (z1 is dropped)
// The transcendental part uses ember::math, so a draw is bit-identical on
// every target. Since u1 >= 2^-24 (float) / 2^-53 (double), |z| never exceeds
// 5.77 (float) / 8.57 (double).
#pragma once

#include "ember/config.hpp"
#include "ember/math.hpp"
#include "ember/simd.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember {

/// PCG-XSH-RR 64/32 (pcg-cpp's `pcg32`): 64-bit LCG state, 32-bit output.
class Pcg32 {
public:
    using result_type = std::uint32_t;
    static constexpr std::uint64_t multiplier = 6364136223846793005u;
    /// pcg-cpp's defaults for `pcg32()`.
    static constexpr std::uint64_t default_seed = 0xcafef00dd15ea5e5u;
    static constexpr std::uint64_t default_increment = 1442695040888963407u;

    /// The generator `pcg32()` of pcg-cpp.
    constexpr Pcg32() noexcept
        : inc_(default_increment),
          state_((default_seed + default_increment) * multiplier + default_increment) {}
    /// Seed on pcg-cpp's default stream (`pcg32 rng(seed)`).
    constexpr explicit Pcg32(std::uint64_t seed) noexcept
        : inc_(default_increment),
          state_((seed + default_increment) * multiplier + default_increment) {}
    /// Seed and stream (`pcg32 rng(seed, stream)`); 2^63 distinct streams.
    constexpr Pcg32(std::uint64_t seed, std::uint64_t stream) noexcept
        : inc_((stream << 1) | 1u),
          state_((seed + ((stream << 1) | 1u)) * multiplier + ((stream << 1) | 1u)) {}

    /// Next 32 random bits.
    constexpr std::uint32_t next_u32() noexcept {
        const std::uint64_t old = state_;
        state_ = old * multiplier + inc_;
        return output(old);
    }
    constexpr std::uint32_t operator()() noexcept { return next_u32(); }
    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return 0xffffffffu; }

    /// Jump ahead by delta outputs in O(log delta) steps (delta = 2^64 - n
    /// goes back by n).
    constexpr void advance(std::uint64_t delta) noexcept {
        // The LCG map s -> a s + c composed with itself: (a, c) -> (a^2, (a+1) c).
        // Accumulate the powers selected by the bits of delta.
        std::uint64_t acc_mult = 1;
        std::uint64_t acc_plus = 0;
        std::uint64_t cur_mult = multiplier;
        std::uint64_t cur_plus = inc_;
        while (delta != 0) {
            if (delta & 1u) {
                acc_mult *= cur_mult;
                acc_plus = acc_plus * cur_mult + cur_plus;
            }
            cur_plus *= cur_mult + 1;
            cur_mult *= cur_mult;
            delta >>= 1;
        }
        state_ = acc_mult * state_ + acc_plus;
    }
    /// Skip n outputs (same as advance(n)).
    constexpr void discard(std::uint64_t n) noexcept { advance(n); }

    constexpr std::uint64_t state() const noexcept { return state_; }
    constexpr std::uint64_t increment() const noexcept { return inc_; }
    /// The stream id given to the constructor.
    constexpr std::uint64_t stream() const noexcept { return inc_ >> 1; }

    friend constexpr bool operator==(const Pcg32& a, const Pcg32& b) noexcept {
        return a.state_ == b.state_ && a.inc_ == b.inc_;
    }
    friend constexpr bool operator!=(const Pcg32& a, const Pcg32& b) noexcept { return !(a == b); }

private:
    // XSH-RR: xorshift the high bits down, keep bits 27..58, rotate right by
    // the top 5 bits.
    static constexpr std::uint32_t output(std::uint64_t s) noexcept {
        const auto x = static_cast<std::uint32_t>(((s >> 18u) ^ s) >> 27u);
        const auto rot = static_cast<unsigned>(s >> 59u);
        return (x >> rot) | (x << ((32u - rot) & 31u));
    }

    std::uint64_t inc_;
    std::uint64_t state_;
};

/// Uniform in [0, 1): float from 1 output (24 bits), double from 2 (53 bits).
template <class T, class Rng>
constexpr T uniform01(Rng& rng) noexcept {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "ember::uniform01 draws float or double");
    if constexpr (std::is_same_v<T, float>) {
        return static_cast<float>(rng() >> 8) * 0x1p-24f;
    } else {
        const std::uint64_t hi = rng();
        const std::uint64_t lo = rng();
        return static_cast<double>(((hi << 32) | lo) >> 11) * 0x1p-53;
    }
}

/// Uniform in (0, 1]: the uniform01 value plus one step, never 0 (for log).
template <class T, class Rng>
constexpr T uniform_pos(Rng& rng) noexcept {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "ember::uniform_pos draws float or double");
    if constexpr (std::is_same_v<T, float>) {
        return static_cast<float>((rng() >> 8) + 1u) * 0x1p-24f;
    } else {
        const std::uint64_t hi = rng();
        const std::uint64_t lo = rng();
        return static_cast<double>((((hi << 32) | lo) >> 11) + 1u) * 0x1p-53;
    }
}

/// +1 or -1 with equal probability, from the top bit of one output.
template <class T, class Rng>
constexpr T rademacher(Rng& rng) noexcept {
    return (rng() >> 31) != 0u ? T(1) : T(-1);
}

/// Uniform integer in [0, n) for n >= 1, without bias: the high word of the
/// 64-bit product of an output and n, redrawing the outputs whose low word
/// falls in the 2^32 mod n values that would favour some results (Lemire's
/// method). Usually one output; the same draws on every target.
template <class Rng>
constexpr std::uint32_t uniform_index(Rng& rng, std::uint32_t n) noexcept {
    std::uint64_t m = static_cast<std::uint64_t>(rng()) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
        const std::uint32_t reject = (0u - n) % n; // 2^32 mod n
        while (low < reject) {
            m = static_cast<std::uint64_t>(rng()) * n;
            low = static_cast<std::uint32_t>(m);
        }
    }
    return static_cast<std::uint32_t>(m >> 32);
}

namespace detail {

// Box-Muller on V = T or simd::Pack<T>: u1 in (0, 1], u2 in [0, 1).
template <class V>
inline void box_muller(V u1, V u2, V& z0, V& z1) noexcept {
    using T = simd::scalar_of_t<V>;
    using simd::sqrt; // scalar overloads; Pack's is found by ADL
    const V r = sqrt(V(T(-2)) * math::log(u1));
    V s, c;
    math::sincos_2pi(u2, s, c);
    z0 = r * c;
    z1 = r * s;
}

} // namespace detail

/// Two independent standard normals from one Box-Muller step.
template <class T, class Rng>
inline void normal_pair(Rng& rng, T& z0, T& z1) noexcept {
    const T u1 = uniform_pos<T>(rng);
    const T u2 = uniform01<T>(rng);
    detail::box_muller(u1, u2, z0, z1);
}

/// One standard normal (the cosine half of normal_pair; the sine is dropped).
template <class T, class Rng>
inline T normal(Rng& rng) noexcept {
    T z0, z1;
    normal_pair(rng, z0, z1);
    return z0;
}

/// out[0..n) from one generator: the numbers of n/2 normal_pair calls in
/// order (z0, z1 of each), then, for odd n, one normal(); bit for bit. The
/// uniforms are drawn in that order; log, sqrt and sincos run on
/// simd::Pack<T>, a block of pairs at a time.
template <class T, class Rng>
void fill_normal(Rng& rng, T* out, std::size_t n) noexcept {
    using P = simd::Pack<T>;
    constexpr std::size_t w = P::width;
    constexpr std::size_t block = 32; // pairs per block: a multiple of every width
    alignas(EMBER_ALIGN) T u1[block];
    alignas(EMBER_ALIGN) T u2[block];
    alignas(EMBER_ALIGN) T z0[block];
    alignas(EMBER_ALIGN) T z1[block];
    const std::size_t pairs = n / 2;
    for (std::size_t base = 0; base < pairs; base += block) {
        const std::size_t m = pairs - base < block ? pairs - base : block;
        for (std::size_t i = 0; i < m; ++i) {
            u1[i] = uniform_pos<T>(rng);
            u2[i] = uniform01<T>(rng);
        }
        const std::size_t m_vec = m - m % w;
        for (std::size_t i = 0; i < m_vec; i += w) {
            P a, b;
            detail::box_muller(P::load_aligned(u1 + i), P::load_aligned(u2 + i), a, b);
            a.store_aligned(z0 + i);
            b.store_aligned(z1 + i);
        }
        for (std::size_t i = m_vec; i < m; ++i) detail::box_muller(u1[i], u2[i], z0[i], z1[i]);
        for (std::size_t i = 0; i < m; ++i) {
            out[2 * (base + i)] = z0[i];
            out[2 * (base + i) + 1] = z1[i];
        }
    }
    if (n % 2 != 0) out[n - 1] = normal<T>(rng);
}

/// N independent generators, one per chain or lane: generator i is
/// Pcg32(seed, stream_base + i), so a chain's numbers never depend on N, on
/// the SIMD width or on the other chains.
///
///     ember::PcgBank<64> rng(42);        // 64 chains, streams 0..63
///     float noise[64];
///     rng.fill_normal(noise);            // noise[i] from stream i
template <std::size_t N>
class PcgBank {
    static_assert(N > 0, "ember::PcgBank needs at least one generator");

public:
    static constexpr std::size_t count = N;

    constexpr explicit PcgBank(std::uint64_t seed, std::uint64_t stream_base = 0) noexcept {
        for (std::size_t i = 0; i < N; ++i) gen_[i] = Pcg32(seed, stream_base + i);
    }

    static constexpr std::size_t size() noexcept { return N; }
    constexpr Pcg32& operator[](std::size_t i) noexcept { return gen_[i]; }
    constexpr const Pcg32& operator[](std::size_t i) const noexcept { return gen_[i]; }

    /// out[i] = uniform01<T>(generator i), i < N.
    template <class T>
    void fill_uniform01(T* out) noexcept {
        for (std::size_t i = 0; i < N; ++i) out[i] = uniform01<T>(gen_[i]);
    }

    /// out[i] = rademacher<T>(generator i), i < N.
    template <class T>
    void fill_rademacher(T* out) noexcept {
        for (std::size_t i = 0; i < N; ++i) out[i] = rademacher<T>(gen_[i]);
    }

    /// out[i] = normal<T>(generator i), bit for bit, i < N. The uniforms are
    /// drawn lane by lane; log, sqrt and sincos run on simd::Pack<T>.
    template <class T>
    void fill_normal(T* out) noexcept {
        using P = simd::Pack<T>;
        constexpr std::size_t w = P::width;
        // Blocks keep the stack small on microcontrollers; a multiple of the
        // width (widths are powers of two up to 16) keeps the loads aligned.
        constexpr std::size_t block = N < 64 ? N : 64;
        alignas(EMBER_ALIGN) T u1[block];
        alignas(EMBER_ALIGN) T u2[block];
        for (std::size_t base = 0; base < N; base += block) {
            const std::size_t n = N - base < block ? N - base : block;
            for (std::size_t i = 0; i < n; ++i) {
                u1[i] = uniform_pos<T>(gen_[base + i]);
                u2[i] = uniform01<T>(gen_[base + i]);
            }
            const std::size_t n_vec = n - n % w;
            for (std::size_t i = 0; i < n_vec; i += w) {
                P z0, z1;
                detail::box_muller(P::load_aligned(u1 + i), P::load_aligned(u2 + i), z0, z1);
                z0.store(out + base + i);
            }
            for (std::size_t i = n_vec; i < n; ++i) {
                T z0, z1;
                detail::box_muller(u1[i], u2[i], z0, z1);
                out[base + i] = z0;
            }
        }
    }

private:
    std::array<Pcg32, N> gen_{};
};

} // namespace ember
