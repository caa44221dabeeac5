// ember::Pcg32, the draws and PcgBank: known answers, jump-ahead, ranges,
// moments over a fixed-seed sample, and bank fills equal to per-stream scalar
// draws bit for bit. Portable (runs on Cortex-M under QEMU).
#include "ember/random.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

namespace ember_test_random { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

using ember::Pcg32;
using ember::PcgBank;

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

// The first outputs of pcg-cpp's pcg32(42, 54).
constexpr std::uint32_t kat_42_54[] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                       0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};

constexpr std::uint32_t first_output() {
    Pcg32 g(42, 54);
    return g.next_u32();
}
static_assert(first_output() == 0xa15c02b7u, "Pcg32 is usable in constant expressions");
static_assert(sizeof(Pcg32) == 16, "Pcg32 is two 64-bit words");
static_assert(sizeof(PcgBank<1>) == 16, "PcgBank<N> is N generators, nothing else");
static_assert(sizeof(PcgBank<64>) == 64 * 16, "PcgBank<N> is N generators, nothing else");

} // namespace

TEST_CASE("Pcg32: known answers (seed 42, stream 54)") {
    Pcg32 g(42, 54);
    for (std::uint32_t want : kat_42_54) CHECK(g() == want);

    Pcg32 a(42, 54);
    a.advance(1000);
    CHECK(a.next_u32() == 0xefebeab3u);

    CHECK(Pcg32(42, 54).stream() == 54u);
    CHECK(Pcg32(42, 54).increment() == 109u);
}

TEST_CASE("Pcg32: advance equals repeated next, and goes back") {
    for (std::uint64_t n : {0u, 1u, 2u, 3u, 17u, 64u, 1000u, 4097u}) {
        CAPTURE(n);
        Pcg32 stepped(7, 3);
        for (std::uint64_t i = 0; i < n; ++i) stepped.next_u32();
        Pcg32 jumped(7, 3);
        jumped.advance(n);
        CHECK(jumped == stepped);
        Pcg32 discarded(7, 3);
        discarded.discard(n);
        CHECK(discarded == stepped);
        CHECK(jumped.next_u32() == stepped.next_u32());
    }
    Pcg32 g(123, 456);
    const Pcg32 start = g;
    for (int i = 0; i < 10; ++i) g.next_u32();
    CHECK(g != start);
    g.advance(~std::uint64_t(0) - 9u); // 2^64 - 10: back by 10
    CHECK(g == start);
}

TEST_CASE("Pcg32: streams and seeds differ") {
    Pcg32 a(1, 0), b(1, 1), c(2, 0);
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < 100; ++i) {
        const std::uint32_t x = a(), y = b(), z = c();
        same_ab += x == y;
        same_ac += x == z;
    }
    CHECK(same_ab < 3);
    CHECK(same_ac < 3);
    CHECK(Pcg32::min() == 0u);
    CHECK(Pcg32::max() == 0xffffffffu);
}

TEST_CASE("draws: exact values from known outputs") {
    Pcg32 g(42, 54);
    CHECK(ember::uniform01<float>(g) == float(0xa15c02b7u >> 8) * 0x1p-24f);
    CHECK(ember::uniform_pos<float>(g) == float((0x7b47f409u >> 8) + 1u) * 0x1p-24f);
    CHECK(ember::rademacher<float>(g) == 1.0f); // 0xba1d3330: top bit set
    CHECK(ember::rademacher<double>(g) == 1.0); // 0x83d2f293
    Pcg32 h(42, 54);
    const std::uint64_t bits = ((std::uint64_t(0xa15c02b7u) << 32) | 0x7b47f409u) >> 11;
    CHECK(ember::uniform01<double>(h) == double(bits) * 0x1p-53);
    Pcg32 h2(42, 54);
    CHECK(ember::uniform01<double>(h2) == 0x1.42b8056ef68fep-1);

    // Pinned normals: they depend on ember::math, identical on every target.
    Pcg32 f(42, 54);
    CHECK(ember::normal<float>(f) == -0x1.e89edap-1f);
    CHECK(ember::normal<float>(f) == -0x1.970b1p-1f);
    Pcg32 d(42, 54);
    CHECK(ember::normal<double>(d) == -0x1.1b4431d112b96p-3);
}

TEST_CASE_TEMPLATE("draws: ranges, output counts and moments", T, float, double) {
    Pcg32 g(2024, 7);
    const int n = 10000;
    double sum = 0, sum2 = 0, rsum = 0;
    T umin = T(1), umax = T(0), pmin = T(1);
    bool range_ok = true;
    for (int i = 0; i < n; ++i) {
        const T u = ember::uniform01<T>(g);
        const T p = ember::uniform_pos<T>(g);
        range_ok = range_ok && u >= T(0) && u < T(1) && p > T(0) && p <= T(1);
        umin = u < umin ? u : umin;
        umax = u > umax ? u : umax;
        pmin = p < pmin ? p : pmin;
        const T r = ember::rademacher<T>(g);
        range_ok = range_ok && (r == T(1) || r == T(-1));
        rsum += static_cast<double>(r);
        const T z = ember::normal<T>(g);
        sum += static_cast<double>(z);
        sum2 += static_cast<double>(z) * static_cast<double>(z);
    }
    CHECK(range_ok);
    CHECK(umin < T(0.001f));
    CHECK(umax > T(0.999f));
    // Deterministic sample, so these bounds are exact pass/fail, chosen at
    // about 3 standard errors for n = 10000.
    const double mean = sum / n;
    const double var = sum2 / n - mean * mean;
    CHECK(mean > -0.03);
    CHECK(mean < 0.03);
    CHECK(var > 0.96);
    CHECK(var < 1.04);
    CHECK(rsum / n > -0.03);
    CHECK(rsum / n < 0.03);

    // Output counts: a float uniform or a rademacher takes 1, a double uniform
    // 2, a normal 2 (float) / 4 (double).
    const std::uint64_t per_uniform = sizeof(T) == 4 ? 1 : 2;
    Pcg32 a(5, 5), b(5, 5);
    ember::uniform01<T>(a);
    b.advance(per_uniform);
    CHECK(a == b);
    ember::normal<T>(a);
    b.advance(2 * per_uniform);
    CHECK(a == b);
    T z0, z1;
    ember::normal_pair(a, z0, z1);
    b.advance(2 * per_uniform);
    CHECK(a == b);
    ember::rademacher<T>(a);
    b.advance(1);
    CHECK(a == b);
}

TEST_CASE_TEMPLATE("draws: normal_pair is (r cos, r sin) of the same uniforms", T, float, double) {
    Pcg32 a(9, 1), b(9, 1);
    T z0, z1;
    ember::normal_pair(a, z0, z1);
    CHECK(same_bits(z0, ember::normal<T>(b)));
    CHECK(a == b);
    CHECK(!same_bits(z0, z1));
}

namespace {

template <class T, std::size_t N>
void check_bank(std::uint64_t seed, std::uint64_t base) {
    PcgBank<N> bank(seed, base);
    static_assert(PcgBank<N>::size() == N, "size is the template argument");
    alignas(EMBER_ALIGN) T out[N];
    std::size_t bad = 0;
    // Several rounds, each fill type: the state must advance per stream.
    Pcg32 ref[N];
    for (std::size_t i = 0; i < N; ++i) ref[i] = Pcg32(seed, base + i);
    for (int round = 0; round < 3; ++round) {
        bank.template fill_normal<T>(out);
        for (std::size_t i = 0; i < N; ++i) bad += !same_bits(out[i], ember::normal<T>(ref[i]));
        bank.template fill_uniform01<T>(out);
        for (std::size_t i = 0; i < N; ++i) bad += !same_bits(out[i], ember::uniform01<T>(ref[i]));
        bank.template fill_rademacher<T>(out);
        for (std::size_t i = 0; i < N; ++i) bad += !same_bits(out[i], ember::rademacher<T>(ref[i]));
    }
    for (std::size_t i = 0; i < N; ++i) bad += !(bank[i] == ref[i]);
    CHECK(bad == 0);
}

} // namespace

TEST_CASE_TEMPLATE("PcgBank: fills equal per-stream scalar draws bit for bit", T, float, double) {
    check_bank<T, 1>(42, 0);
    check_bank<T, 3>(42, 54);
    check_bank<T, 16>(1, 100);
    check_bank<T, 37>(7, 0);
    check_bank<T, 130>(99, 1000); // two full blocks of 64 and a tail
    PcgBank<4> bank(42, 54);
    CHECK(bank[0].next_u32() == kat_42_54[0]); // generator 0 is Pcg32(42, 54)
    CHECK(bank[1] == Pcg32(42, 55));
}

TEST_CASE_TEMPLATE("random: fill_normal from one stream is normal_pair in order", T, float,
                   double) {
    for (std::size_t n : {1u, 2u, 7u, 64u, 65u, 131u}) {
        ember::Pcg32 a(42, 54), b(42, 54);
        T got[131], want[131];
        ember::fill_normal(a, got, n);
        std::size_t i = 0;
        for (; i + 2 <= n; i += 2) ember::normal_pair(b, want[i], want[i + 1]);
        if (i < n) want[i] = ember::normal<T>(b);
        CHECK(std::memcmp(got, want, n * sizeof(T)) == 0);
        CHECK(a() == b()); // the same numbers of the stream were used
    }
}

} // namespace ember_test_random
