// ember::Pcg32 against pcg-cpp's pcg32 (host only; the build defines
// EMBER_HAVE_PCG_CPP when pcg_random.hpp is found).
#include "ember/random.hpp"

#include <doctest/doctest.h>

#if EMBER_HAVE_PCG_CPP

#include <pcg_random.hpp>

#include <cstdint>

namespace ember_test_random_pcgcpp_host { // one namespace per test file (EMBER_TEST_UNITY batches)
namespace {

// splitmix64, to pick seeds, streams and jump distances.
std::uint64_t mix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

} // namespace

TEST_CASE("Pcg32 is bit-identical to pcg-cpp's pcg32") {
    std::uint64_t s = 1;
    int bad = 0;
    for (int k = 0; k < 200; ++k) {
        std::uint64_t seed = mix(s);
        std::uint64_t stream = mix(s);
        if (k == 0) seed = stream = 0;
        if (k == 1) seed = stream = ~std::uint64_t(0);
        if (k == 2) seed = 42, stream = 54;
        pcg32 ref(seed, stream);
        ember::Pcg32 ours(seed, stream);
        for (int i = 0; i < 64; ++i) bad += ref() != ours();
        // Jump ahead by a random distance (sometimes backwards: huge deltas).
        const std::uint64_t delta = (k % 3 == 0) ? mix(s) : mix(s) % 100000u;
        ref.advance(delta);
        ours.advance(delta);
        for (int i = 0; i < 8; ++i) bad += ref() != ours();
        ref.discard(77);
        ours.discard(77);
        bad += ref() != ours();
    }
    CHECK(bad == 0);
}

TEST_CASE("Pcg32 default and one-argument constructors match pcg-cpp") {
    pcg32 ref_default;
    ember::Pcg32 ours_default;
    pcg32 ref_seed(12345u);
    ember::Pcg32 ours_seed(12345u);
    int bad = 0;
    for (int i = 0; i < 100; ++i) {
        bad += ref_default() != ours_default();
        bad += ref_seed() != ours_seed();
    }
    CHECK(bad == 0);
}

} // namespace ember_test_random_pcgcpp_host

#else

TEST_CASE("Pcg32 vs pcg-cpp" * doctest::skip()) {}

#endif
