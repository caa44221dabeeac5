// ember — seeded shuffling without an index array.
#pragma once

#include "ember/random.hpp"

#include <cstdint>

namespace ember::train {

/// A pseudo-random permutation of 0..n-1 that needs no memory: a balanced
/// four-round Feistel network on the smallest even number of bits covering
/// n, with cycle walking (values >= n are mapped again) so the result stays
/// in range. Keys come from a Pcg32, so the order depends only on the seed
/// and is the same on every target.
class Permutation {
public:
    Permutation() noexcept = default;
    /// Permutation of n elements with keys drawn from rng (four outputs).
    Permutation(std::uint32_t n, Pcg32& rng) noexcept : n_(n) {
        unsigned bits = 2;
        while (bits < 32 && (std::uint64_t{1} << bits) < n) bits += 2;
        half_ = bits / 2;
        mask_ = (std::uint32_t{1} << half_) - 1u;
        for (auto& k : key_) k = rng();
    }

    std::uint32_t size() const noexcept { return n_; }

    /// The image of i (i < size()).
    std::uint32_t operator()(std::uint32_t i) const noexcept {
        std::uint32_t x = i;
        do {
            x = encrypt(x);
        } while (x >= n_);
        return x;
    }

private:
    // murmur3's 32-bit finaliser: a bijective mix with full avalanche.
    static constexpr std::uint32_t mix(std::uint32_t h) noexcept {
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        h ^= h >> 16;
        return h;
    }
    std::uint32_t encrypt(std::uint32_t x) const noexcept {
        std::uint32_t l = x >> half_;
        std::uint32_t r = x & mask_;
        for (const std::uint32_t k : key_) {
            const std::uint32_t t = l ^ (mix(r ^ k) & mask_);
            l = r;
            r = t;
        }
        return (l << half_) | r;
    }

    std::uint32_t n_ = 0;
    unsigned half_ = 1;
    std::uint32_t mask_ = 1;
    std::uint32_t key_[4] = {};
};

} // namespace ember::train
