// ember::math: special values, known answers of our implementation, Pack lanes
// equal to scalar calls bit for bit, monotonicity and saturation. Portable: no
// libm reference (that is tests/host/test_math_ulp.cpp), small and fast enough
// for Cortex-M under QEMU.
#include "ember/math.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>

namespace ember_test_math { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

namespace math = ember::math;
namespace simd = ember::simd;

template <class T>
bool is_nan(T x) {
    return x != x;
}

// Same bits, or both NaN (NaN payloads differ between targets: armv7 NEON
// returns the default NaN).
template <class T>
bool same(T a, T b) {
    if (is_nan(a) || is_nan(b)) return is_nan(a) && is_nan(b);
    return std::memcmp(&a, &b, sizeof a) == 0;
}

template <class T>
bool is_subnormal(T x) {
    return x != T(0) && (x < std::numeric_limits<T>::min() && x > -std::numeric_limits<T>::min());
}

template <class T>
bool neg_zero(T x) {
    return x == T(0) && std::signbit(x);
}

template <class T>
constexpr T inf = std::numeric_limits<T>::infinity();
template <class T>
constexpr T qnan = std::numeric_limits<T>::quiet_NaN();

// A fixed set of inputs: specials, a grid over [-lim, lim], small values.
template <class T>
struct Inputs {
    static constexpr std::size_t n = 512;
    alignas(EMBER_ALIGN) T v[n];
    explicit Inputs(T lim) {
        const T specials[] = {T(0),
                              -T(0),
                              inf<T>,
                              -inf<T>,
                              qnan<T>,
                              T(1),
                              T(-1),
                              std::numeric_limits<T>::min(),
                              -std::numeric_limits<T>::min(),
                              std::numeric_limits<T>::max(),
                              -std::numeric_limits<T>::max(),
                              T(1e-30f),
                              T(-1e-30f),
                              T(1e-6f),
                              T(-1e-6f),
                              T(0.5f)};
        std::size_t k = 0;
        for (T s : specials) v[k++] = s;
        const std::size_t m = n - k;
        for (std::size_t i = 0; i < m; ++i) {
            // Not a round grid: (i + 0.37) / m avoids only hitting nice numbers.
            v[k + i] = lim * (T(2) * (T(i) + T(0.37f)) / T(m) - T(1));
        }
    }
};

// Count lanes where f(Pack) differs from f(scalar).
template <class T, class F>
std::size_t lane_mismatches(const Inputs<T>& in, F f) {
    using P = simd::Pack<T>;
    constexpr std::size_t w = P::width;
    static_assert(Inputs<T>::n % 16 == 0, "inputs fill whole packs");
    std::size_t bad = 0;
    for (std::size_t i = 0; i < Inputs<T>::n; i += w) {
        const P y = f(P::load_aligned(in.v + i));
        for (std::size_t j = 0; j < w; ++j)
            if (!same(y.get(j), f(in.v[i + j]))) ++bad;
    }
    return bad;
}

} // namespace

TEST_CASE_TEMPLATE("math: Pack lanes equal scalar calls bit for bit", T, float, double) {
    const T big = std::is_same<T, float>::value ? T(100) : T(800);
    for (T lim : {T(1), T(20), big}) {
        CAPTURE(lim);
        const Inputs<T> in(lim);
        CHECK(lane_mismatches(in, [](auto x) { return math::exp(x); }) == 0);
        CHECK(lane_mismatches(in, [](auto x) { return math::expm1(x); }) == 0);
        CHECK(lane_mismatches(in, [](auto x) { return math::log(x); }) == 0);
        CHECK(lane_mismatches(in, [](auto x) { return math::log1p(x); }) == 0);
        CHECK(lane_mismatches(in, [](auto x) { return math::sigmoid(x); }) == 0);
        CHECK(lane_mismatches(in, [](auto x) { return math::tanh(x); }) == 0);
        CHECK(lane_mismatches(in, [](auto x) { return math::softplus(x); }) == 0);
        CHECK(lane_mismatches(in, [](auto x) {
                  decltype(x) s, c;
                  math::sincos_2pi(x, s, c);
                  return s;
              }) == 0);
        CHECK(lane_mismatches(in, [](auto x) {
                  decltype(x) s, c;
                  math::sincos_2pi(x, s, c);
                  return c;
              }) == 0);
    }
}

TEST_CASE_TEMPLATE("math: special values", T, float, double) {
    const T i = inf<T>;
    const T n = qnan<T>;
    SUBCASE("exp") {
        CHECK(math::exp(T(0)) == T(1));
        CHECK(math::exp(-T(0)) == T(1));
        CHECK(math::exp(i) == i);
        CHECK(math::exp(-i) == T(0));
        CHECK(is_nan(math::exp(n)));
        CHECK(math::exp(std::numeric_limits<T>::max()) == i);
        CHECK(math::exp(-std::numeric_limits<T>::max()) == T(0));
        // Overflow threshold: ln(max) = 88.7228391 (float), 709.782712893 (double).
        if (std::is_same<T, float>::value) {
            CHECK(math::exp(T(88.72283f)) < i);
            CHECK(math::exp(T(88.72284f)) == i);
            CHECK(math::exp(T(-87.3365f)) >= std::numeric_limits<T>::min());
            CHECK(math::exp(T(-87.3366f)) == T(0)); // would be subnormal: flushed
        } else {
            CHECK(math::exp(T(709.7827128933)) < i);
            CHECK(math::exp(T(709.7827128934)) == i);
            CHECK(math::exp(T(-708.3964185)) >= std::numeric_limits<T>::min());
            CHECK(math::exp(T(-708.3964186)) == T(0));
        }
    }
    SUBCASE("expm1") {
        CHECK(math::expm1(T(0)) == T(0));
        CHECK(neg_zero(math::expm1(-T(0))));
        CHECK(math::expm1(i) == i);
        CHECK(math::expm1(-i) == T(-1));
        CHECK(is_nan(math::expm1(n)));
        CHECK(math::expm1(T(-50)) == T(-1));
        CHECK(math::expm1(std::numeric_limits<T>::max()) == i);
        CHECK(math::expm1(T(1e-30f)) == T(1e-30f));
    }
    SUBCASE("log") {
        CHECK(math::log(T(1)) == T(0));
        CHECK(math::log(T(0)) == -i);
        CHECK(math::log(-T(0)) == -i);
        CHECK(is_nan(math::log(T(-1))));
        CHECK(is_nan(math::log(-i)));
        CHECK(math::log(i) == i);
        CHECK(is_nan(math::log(n)));
        const T sub = std::numeric_limits<T>::min() / T(4); // subnormal: counts as 0
        CHECK(math::log(sub) == -i);
        CHECK(math::log(std::numeric_limits<T>::max()) < i);
        CHECK(math::log(std::numeric_limits<T>::min()) > -i);
    }
    SUBCASE("log1p") {
        CHECK(math::log1p(T(0)) == T(0));
        CHECK(neg_zero(math::log1p(-T(0))));
        CHECK(math::log1p(T(-1)) == -i);
        CHECK(is_nan(math::log1p(T(-2))));
        CHECK(is_nan(math::log1p(-i)));
        CHECK(math::log1p(i) == i);
        CHECK(is_nan(math::log1p(n)));
        CHECK(math::log1p(T(1e-30f)) == T(1e-30f));
        CHECK(math::log1p(std::numeric_limits<T>::max()) < i);
    }
    SUBCASE("sigmoid") {
        CHECK(math::sigmoid(T(0)) == T(0.5f));
        CHECK(math::sigmoid(i) == T(1));
        CHECK(math::sigmoid(-i) == T(0));
        CHECK(math::sigmoid(T(1000)) == T(1));
        CHECK(math::sigmoid(T(-1000)) == T(0));
        CHECK(is_nan(math::sigmoid(n)));
    }
    SUBCASE("tanh") {
        CHECK(math::tanh(T(0)) == T(0));
        CHECK(neg_zero(math::tanh(-T(0))));
        CHECK(math::tanh(i) == T(1));
        CHECK(math::tanh(-i) == T(-1));
        CHECK(math::tanh(T(50)) == T(1));
        CHECK(math::tanh(T(-50)) == T(-1));
        CHECK(is_nan(math::tanh(n)));
        CHECK(math::tanh(T(1e-30f)) == T(1e-30f));
    }
    SUBCASE("softplus") {
        CHECK(math::softplus(i) == i);
        CHECK(math::softplus(-i) == T(0));
        CHECK(math::softplus(T(1000)) == T(1000));
        CHECK(math::softplus(T(-1000)) == T(0));
        CHECK(math::softplus(T(50)) == T(50));
        CHECK(is_nan(math::softplus(n)));
    }
    SUBCASE("sincos_2pi quadrants") {
        T s, c;
        math::sincos_2pi(T(0), s, c);
        CHECK(s == T(0));
        CHECK(c == T(1));
        math::sincos_2pi(T(0.25f), s, c);
        CHECK(s == T(1));
        CHECK(c == T(0));
        math::sincos_2pi(T(0.5f), s, c);
        CHECK(s == T(0));
        CHECK(c == T(-1));
        math::sincos_2pi(T(0.75f), s, c);
        CHECK(s == T(-1));
        CHECK(c == T(0));
        math::sincos_2pi(T(0.125f), s, c); // two polynomials: equal within an ulp
        CHECK(s - c <= std::numeric_limits<T>::epsilon());
        CHECK(c - s <= std::numeric_limits<T>::epsilon());
        math::sincos_2pi(T(-0.25f), s, c);
        CHECK(s == T(-1));
        math::sincos_2pi(T(1.25f), s, c);
        CHECK(s == T(1));
    }
}

TEST_CASE("math: known values of our implementation (float)") {
    // Pinned outputs: a change here changes every sample the library draws.
    CHECK(math::exp(1.0f) == 0x1.5bf0a8p+1f);
    CHECK(math::exp(-10.0f) == 0x1.7cd79cp-15f);
    CHECK(math::exp(80.0f) == 0x1.55779cp+115f);
    CHECK(math::expm1(1e-3f) == 0x1.06466ep-10f);
    CHECK(math::log(10.0f) == 0x1.26bb1cp+1f);
    CHECK(math::log(1e-30f) == -0x1.144f6ap+6f);
    CHECK(math::log1p(0.5f) == 0x1.9f323ep-2f);
    CHECK(math::sigmoid(1.0f) == 0x1.764d5p-1f);
    CHECK(math::sigmoid(-3.0f) == 0x1.848344p-5f);
    CHECK(math::tanh(0.5f) == 0x1.d9353ep-2f);
    CHECK(math::softplus(0.0f) == 0x1.62e43p-1f);
    CHECK(math::softplus(2.0f) == 0x1.103f2ep+1f);
    float s, c;
    math::sincos_2pi(0.1f, s, c);
    CHECK(s == 0x1.2cf23p-1f);
    CHECK(c == 0x1.9e377ap-1f);
}

TEST_CASE("math: known values of our implementation (double)") {
    CHECK(math::exp(1.0) == 0x1.5bf0a8b145769p+1);
    CHECK(math::exp(-10.0) == 0x1.7cd79b5647c9ap-15);
    CHECK(math::exp(700.0) == 0x1.d945df4f8ec8ep+1009);
    CHECK(math::expm1(1e-3) == 0x1.06466dfb8cf3ap-10);
    CHECK(math::log(10.0) == 0x1.26bb1bbb55516p+1);
    CHECK(math::log(1e-300) == -0x1.5963447f87fb5p+9);
    CHECK(math::log1p(0.5) == 0x1.9f323ecbf984cp-2);
    CHECK(math::sigmoid(1.0) == 0x1.764d4f5d5a2bdp-1);
    CHECK(math::sigmoid(-3.0) == 0x1.848343c905446p-5);
    CHECK(math::tanh(0.5) == 0x1.d9353d7568af3p-2);
    CHECK(math::softplus(0.0) == 0x1.62e42fefa39efp-1);
    CHECK(math::softplus(2.0) == 0x1.103f2d54301d5p+1);
    double s, c;
    math::sincos_2pi(0.1, s, c);
    CHECK(s == 0x1.2cf2304755a5ep-1);
    CHECK(c == 0x1.9e3779b97f4a8p-1);
}

TEST_CASE_TEMPLATE("math: monotone, saturating, never subnormal", T, float, double) {
    const int steps = 4000;
    const T lo = T(-120);
    const T hi = T(120);
    T prev_exp = T(0), prev_sig = T(0), prev_tanh = T(-1), prev_sp = T(0), prev_log = -inf<T>;
    std::size_t bad_mono = 0, bad_range = 0, subnormal = 0;
    for (int k = 0; k <= steps; ++k) {
        const T z = lo + (hi - lo) * T(k) / T(steps);
        const T e = math::exp(z);
        const T sg = math::sigmoid(z);
        const T th = math::tanh(z);
        const T sp = math::softplus(z);
        if (e < prev_exp || sg < prev_sig || th < prev_tanh || sp < prev_sp) ++bad_mono;
        if (sg < T(0) || sg > T(1) || th < T(-1) || th > T(1) || sp < T(0) || sp < z) ++bad_range;
        if (is_subnormal(e) || is_subnormal(sg) || is_subnormal(sp)) ++subnormal;
        prev_exp = e;
        prev_sig = sg;
        prev_tanh = th;
        prev_sp = sp;
        const T x = T(k + 1) * T(0.01f);
        const T l = math::log(x);
        if (l < prev_log) ++bad_mono;
        prev_log = l;
    }
    CHECK(bad_mono == 0);
    CHECK(bad_range == 0);
    CHECK(subnormal == 0);
    // tanh is odd, sigmoid(z) + sigmoid(-z) = 1 within rounding.
    for (T z : {T(0.1f), T(0.7f), T(3), T(12)}) {
        CHECK(math::tanh(-z) == -math::tanh(z));
        const T sum = math::sigmoid(z) + math::sigmoid(-z);
        CHECK(sum >= T(1) - T(4) * std::numeric_limits<T>::epsilon());
        CHECK(sum <= T(1) + T(4) * std::numeric_limits<T>::epsilon());
    }
    // sin^2 + cos^2 = 1 within a few ulp over [0, 1).
    std::size_t bad_circle = 0;
    for (int k = 0; k < 1000; ++k) {
        T s, c;
        math::sincos_2pi(T(k) / T(1000), s, c);
        const T d = s * s + c * c - T(1);
        if (d > T(4) * std::numeric_limits<T>::epsilon() ||
            d < T(-4) * std::numeric_limits<T>::epsilon())
            ++bad_circle;
    }
    CHECK(bad_circle == 0);
}

} // namespace ember_test_math
