// ember — a fixed-capacity replay buffer of sampler states (persistent
// contrastive divergence), in static storage.
#pragma once

#include "ember/config.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember::train {

/// `Capacity` points of dimension D (row-major, `Capacity * D` values in the
/// object itself: 10 000 two-dimensional float points are 80 KB, make the
/// owner static). Persistent CD draws chain starts from it and writes the
/// chains' final positions back to the same slots.
///
/// The buffer starts full of noise (reset()); draw() picks `Chains` slots
/// uniformly with replacement and re-initialises a fixed fraction of the
/// chains from noise: chain starts 0 .. k-1 of a draw are fresh noise, with k
/// chosen so that after s draws exactly floor(s * Chains * q / 2^16) chains
/// were re-initialised, q = round(fraction * 2^16) (an exact fraction over
/// many steps, not a coin per chain). Noise is uniform in [low, high]^D.
template <class T, std::size_t D, std::size_t Capacity>
class ReplayBuffer {
    static_assert(std::is_floating_point_v<T>,
                  "ReplayBuffer<T, D, Capacity>: T is float or double");
    static_assert(D >= 1 && Capacity >= 1, "ReplayBuffer needs D >= 1 and Capacity >= 1");
    static_assert(Capacity <= 0xffffffffu, "ReplayBuffer: at most 2^32 - 1 slots");

public:
    using value_type = T;
    static constexpr std::size_t dim = D;
    static constexpr std::size_t capacity = Capacity;

    /// Noise box and re-initialisation fraction: invalid_argument (and no
    /// change) unless low < high, both finite, and 0 <= fraction <= 1.
    Status configure(T low, T high, T fraction) noexcept {
        if (!simd::is_finite(low) || !simd::is_finite(high) || !(low < high))
            return Status::invalid_argument;
        if (!(fraction >= T(0)) || !(fraction <= T(1))) return Status::invalid_argument;
        low_ = low;
        high_ = high;
        q_ = static_cast<std::uint32_t>(fraction * T(65536) + T(0.5));
        return Status::ok;
    }

    /// Fills every slot with noise from rng (slot, coordinate order) and
    /// restarts the re-initialisation count.
    void reset(Pcg32& rng) noexcept {
        for (std::size_t i = 0; i < Capacity * D; ++i) x_[i] = noise(rng);
        draws_ = 0;
        reinitialised_ = 0;
        ready_ = true;
    }
    /// True after reset().
    bool ready() const noexcept { return ready_; }
    /// Forgets the contents: ready() is false until the next reset().
    void clear() noexcept { ready_ = false; }

    /// Chain starts for `chains` chains into rows[chains * D] and their slots
    /// into slot[chains]: k fresh noise rows first (see the class comment),
    /// then rows copied from uniformly drawn slots. Returns k. Draws slots
    /// first (one index each, in chain order), then the noise.
    template <std::size_t Chains>
    std::size_t draw(Pcg32& rng, T* rows, std::uint32_t* slot) noexcept {
        for (std::size_t c = 0; c < Chains; ++c)
            slot[c] = uniform_index(rng, static_cast<std::uint32_t>(Capacity));
        const std::uint64_t before = (draws_ * Chains * q_) >> 16;
        const std::uint64_t after = ((draws_ + 1) * Chains * q_) >> 16;
        const auto k = static_cast<std::size_t>(after - before);
        ++draws_;
        reinitialised_ += k;
        for (std::size_t c = 0; c < Chains; ++c)
            for (std::size_t d = 0; d < D; ++d)
                rows[c * D + d] = c < k ? noise(rng) : x_[slot[c] * D + d];
        return k;
    }

    /// Writes chain c's position (column c of `x`, `x[d * ld + c]`, the
    /// layout of sample::ChainState) to slot[c], in chain order (a slot drawn
    /// twice keeps the later chain).
    template <std::size_t Chains>
    void store_columns(const T* x, std::size_t ld, const std::uint32_t* slot) noexcept {
        for (std::size_t c = 0; c < Chains; ++c)
            for (std::size_t d = 0; d < D; ++d) x_[slot[c] * D + d] = x[d * ld + c];
    }

    /// Point i (D values).
    const T* operator[](std::size_t i) const noexcept { return x_ + i * D; }
    /// All points, row-major.
    Span<const T> points() const noexcept { return Span<const T>(x_, Capacity * D); }
    /// draw() calls since reset().
    std::uint64_t draws() const noexcept { return draws_; }
    /// Chains re-initialised from noise since reset().
    std::uint64_t reinitialised() const noexcept { return reinitialised_; }

private:
    T noise(Pcg32& rng) const noexcept { return simd::fma(uniform01<T>(rng), high_ - low_, low_); }

    alignas(EMBER_ALIGN) T x_[Capacity * D];
    T low_ = T(-1);
    T high_ = T(1);
    std::uint32_t q_ = 3277; // 0.05 * 2^16
    std::uint64_t draws_ = 0;
    std::uint64_t reinitialised_ = 0;
    bool ready_ = false;
};

} // namespace ember::train
