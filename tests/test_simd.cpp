// The facade's determinism guarantees: fused fma, correctly rounded div and
// sqrt, sign-exact negation, and lanes that behave like scalars.
#include "ember/simd.hpp"

#include <doctest/doctest.h>

#include <cstring>

namespace ember_test_simd { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {
template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}
} // namespace

using ember::simd::Pack;

TEST_CASE_TEMPLATE("simd: fma is fused for scalars and every lane", T, float, double) {
    // (1 + e)(1 - e) - 1 = -e^2: exact only when fused (unfused gives 0).
    const T e = sizeof(T) == 4 ? T(1) / T(4096) : T(1) / T(134217728.0);
    const T a = T(1) + e, b = T(1) - e;
    const T want = -(e * e);
    CHECK(ember::simd::fma(a, b, T(-1)) == want);
    CHECK(ember::simd::fnma(a, b, T(1)) == -want);
    const Pack<T> r = fma(Pack<T>(a), Pack<T>(b), Pack<T>(T(-1)));
    for (std::size_t k = 0; k < Pack<T>::width; ++k) CHECK(r.get(k) == want);
    CHECK(ember::simd::detail::soft_fma(a, b, T(-1)) == want);
}

TEST_CASE("simd: emulated fma rounds like a fused one on hard cases") {
    using ember::simd::detail::soft_fma;
    // Exact ties and near-ties around the rounding point of a*b + c.
    const double a = 1.0 + 0x1p-52, b = 1.0 + 0x1p-52;
    CHECK(soft_fma(a, b, -1.0) == 0x1p-51); // 2^-51 + 2^-104: a tie, to even
    CHECK(soft_fma(a, b, 0.0) == a * b);
    CHECK(soft_fma(0x1.fffffffffffffp-1, 0x1.fffffffffffffp-1, -0x1.ffffffffffffep-1) == 0x1p-106);
    CHECK(soft_fma(3.0, 1.0 / 3.0, -1.0) == -0x1p-54);
    const float af = 1.0f + 0x1p-23f;
    CHECK(soft_fma(af, af, -1.0f) == 0x1p-22f);
    CHECK(soft_fma(3.0f, 1.0f / 3.0f, -1.0f) == 0x1p-25f);
}

TEST_CASE_TEMPLATE("simd: div and sqrt are correctly rounded in every lane", T, float, double) {
    const T num[] = {T(1), T(2), T(10), T(0.1), T(7), T(-3), T(1e-3), T(12345.678)};
    const T den[] = {T(3), T(7), T(9), T(0.3), T(11), T(13), T(17), T(19)};
    for (std::size_t i = 0; i < 8; ++i) {
        const T q = num[i] / den[i];
        const Pack<T> pq = div(Pack<T>(num[i]), Pack<T>(den[i]));
        const T r = std::sqrt(den[i]);
        const Pack<T> pr = sqrt(Pack<T>(den[i]));
        for (std::size_t k = 0; k < Pack<T>::width; ++k) {
            CHECK(same_bits(pq.get(k), q));
            CHECK(same_bits(pr.get(k), r));
        }
        CHECK(same_bits(ember::simd::div(num[i], den[i]), q));
    }
}

TEST_CASE_TEMPLATE("simd: negation flips the sign of zero; min/max/select lane-wise", T, float,
                   double) {
    const Pack<T> z = -Pack<T>(T(0));
    for (std::size_t k = 0; k < Pack<T>::width; ++k) CHECK(std::signbit(z.get(k)));
    const Pack<T> a(T(2)), b(T(-1));
    CHECK(min(a, b).get(0) == T(-1));
    CHECK(max(a, b).get(0) == T(2));
    CHECK(select(a > b, a, b).get(0) == T(2));
    CHECK(pow2i(Pack<T>(T(-20))).get(0) == std::ldexp(T(1), -20));
    CHECK(any(ember::simd::is_finite(Pack<T>(T(1)))));
    CHECK(!any(ember::simd::is_finite(Pack<T>(std::numeric_limits<T>::infinity()))));
    CHECK(!any(ember::simd::is_finite(Pack<T>(std::numeric_limits<T>::quiet_NaN()))));
}

TEST_CASE_TEMPLATE("simd: load/store round trip", T, float, double) {
    constexpr std::size_t W = Pack<T>::width;
    alignas(EMBER_ALIGN) T in[W], out[W];
    for (std::size_t k = 0; k < W; ++k) in[k] = T(k) + T(0.5);
    Pack<T>::load_aligned(in).store_aligned(out);
    for (std::size_t k = 0; k < W; ++k) CHECK(out[k] == in[k]);
    CHECK(ember::simd::backend_name() != nullptr);
    MESSAGE("SIMD backend " << ember::simd::backend_name() << ", float lanes " << Pack<float>::width
                            << ", double lanes " << Pack<double>::width);
}

} // namespace ember_test_simd
