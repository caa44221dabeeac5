// ember — the project's own elementary functions, bit-identical on every target.
//
// Each function is one template for V = float, double, simd::Pack<float> or
// simd::Pack<double>, built only from facade operations (+ - * fma div sqrt
// select comparisons min max abs pow2i split_pow2), never from libm: glibc,
// newlib and the per-architecture libms disagree in the last bits, these do
// not. fma is always fused and div/sqrt correctly rounded (simd.hpp), there
// are no branches on values, so a Pack lane equals the scalar call bit for bit,
// on x86-64 (sse2, avx2, avx512), aarch64, armv7 (NEON and VFP) and Cortex-M.
//
// Algorithms (coefficients: weighted minimax fits by tools/fit_poly.py):
//  exp, expm1  k = round(x log2 e) (add and subtract 1.5 * 2^23 or 2^52),
//              r1 = x - k ln2_hi (exact, fma), lo = r^2 P(r) - k ln2_lo with
//              r = r1 - k ln2_lo (P: degree 4 float / 9 double), so that
//              e^x = 2^k (1 + r1 + lo). exp = (1 + (r1 + lo)) 2^k, scaled in two
//              steps when 2^k overflows; expm1 = (2^k r1 + (2^k - 1)) + 2^k lo.
//  log, log1p  x = m 2^e (split_pow2), m in [sqrt(1/2), sqrt(2)), f = m - 1,
//              s = f/(2+f): log(1+f) = f - (f^2/2 - s (f^2/2 + s^2 Q(s^2)))
//              (Q: degree 2 / 6), plus e ln2 in two parts. log1p adds the
//              rounding error c of u = 1 + x (exact, Fast2Sum) as
//              c/u = c 2^-e (1-s)^2 (1+s^2) (to 2^-10 relative, plenty).
//  sigmoid     e^-|z| = t (1+s) as in exp; e/(1+e) for z < 0, 1/(1+e) for z >= 0,
//              with e and 1+e each formed in one fma.
//  tanh        e^-2|z| = t (1+s); tanh|z| = (1-t-ts)/(1+t+ts), numerator and
//              denominator in one fma each (exact -s/(2+s) form when t = 1);
//              sign of z; |z| below 2^-13 (float) / 2^-28 (double) returns z.
//  softplus    max(z, 0) + log1p(e^-|z|) (log1p without its special cases).
//  sincos_2pi  y = 4u (exact), n = round(y), r = y - n (exact), sin(pi/2 r) =
//              r (pi/2 + r^2 S(r^2)) with pi/2 in two parts, cos(pi/2 r) =
//              1 + r^2 C(r^2) (degree 7/8 float, 13/14 double), then the
//              quadrant n mod 4 by selects.
// Measured max error in ulp (tests/host/test_math_ulp.cpp on x86-64 with
// EMBER_ULP_SAMPLES=2000000: dense sweeps plus random points, reference libm
// in long double; results are bit-identical on every target, so these hold
// everywhere):
//
//   function    range                                     float   double
//   exp         [-87.3, 88.7] / [-708.4, 709.8], [-1, 1]   0.89    0.91
//   expm1       [-20, 88.7] / [-40, 709.8], |x| < 1         1.20    1.22
//   log         (0, inf): all binades, [2^-24, 2]           0.84    0.85
//   log1p       [-0.5, 1e6], (-1, -0.5], tiny |x|           0.88    0.88
//   sigmoid     [-100, 100]                                 2.33    2.31
//   tanh        [-30, 30], tiny |x|                         1.99    2.03
//   softplus    [-100, 100]                                 1.55    1.52
//   sin_2pi     u in [0, 1)                                 1.00    1.00
//   cos_2pi     u in [0, 1)                                 0.99    1.01
//
// sin/cos errors are relative to the exact sin(2 pi u) of the given u, near
// the zeros included. Results below the smallest normal count as exact when
// flushed to 0 (see below).
//
// Special values: NaN in gives NaN out (payload not preserved: armv7 NEON
// returns the default NaN). exp(+inf) = inf, exp(-inf) = 0, exp overflows to
// inf above ~88.72 (float) / ~709.78 (double). log(0) = -inf, log(x < 0) =
// NaN, log(inf) = inf; log1p(-1) = -inf, log1p(x < -1) = NaN. sigmoid, tanh
// and softplus saturate to 0 / +-1 / z without NaN for any finite or infinite z.
//
// Subnormals (armv7 NEON always flushes them, the scalar VFP and x86 do not):
//  - exp and sigmoid return 0 where the exact result is below the smallest
//    normal (x < -87.3365 float, < -708.396 double): results are never
//    subnormal. expm1, log1p and tanh return a subnormal input unchanged (by a
//    select, so every target agrees); log treats subnormal inputs as 0 (-inf).
//  - Intermediates may become subnormal only for tiny arguments, in terms that
//    are added to a value 2^24 (float) times larger or in lanes replaced by a
//    select, so flushing them never changes a result.
//
// Double on Cortex-M (software double): bit-identity needs the facade's double
// fma to be correctly rounded, which newlib's fma() is not (see simd.hpp).
#pragma once

#include "ember/simd.hpp"

#include <cstddef>
#include <limits>
#include <type_traits>

namespace ember::math {

// The facade's scalar overloads, so unqualified calls in the generic code
// below find them for V = float / double too (the Pack overloads are hidden
// friends, found by ADL only: call them unqualified, never as math::sqrt).
using simd::abs;
using simd::div;
using simd::fma;
using simd::fnma;
using simd::max;
using simd::min;
using simd::pow2i;
using simd::select;
using simd::split_pow2;
using simd::sqrt;

namespace detail {

template <class T>
struct Consts;

template <>
struct Consts<float> {
    static constexpr float log2e = 0x1.715476p+0f;
    static constexpr float ln2_hi = 0x1.62e430p-1f;   // ln 2 rounded to float
    static constexpr float ln2_lo = -0x1.05c610p-29f; // ln 2 - ln2_hi
    static constexpr float round_magic = 0x1.8p+23f;  // x + m - m rounds x to integer
    static constexpr float max_pow2 = 127.0f;
    static constexpr float min_normal = 0x1p-126f;
    static constexpr float sqrt2 = 0x1.6a09e6p+0f;
    static constexpr float inf = std::numeric_limits<float>::infinity();
    static constexpr float nan = std::numeric_limits<float>::quiet_NaN();
    // exp: below exp_lo (the float just above -126 ln 2) the result would be
    // subnormal; above exp_hi it overflows anyway.
    static constexpr float exp_lo = -0x1.5d589ep+6f;
    static constexpr float exp_hi = 89.0f;
    static constexpr float expm1_lo = -18.0f;     // expm1 rounds to -1 below
    static constexpr float expm1_tiny = 0x1p-26f; // expm1(x) rounds to x below
    static constexpr float tanh_tiny = 0x1p-13f;  // tanh(x) rounds to x below
    static constexpr float tanh_lo = -20.0f;      // tanh rounds to 1 beyond |z| = 10
    static constexpr float log1p_tiny = 0x1p-26f; // log1p(x) rounds to x below
    static constexpr float log1p_min_scale = -100.0f;
    // e^r - 1 = r + r^2 P(r), |r| <= ln2 / 2
    static constexpr float exp_p[] = {0x1.fffffep-2f, 0x1.5554b0p-3f, 0x1.555674p-5f,
                                      0x1.1227b0p-7f, 0x1.6bebfep-10f};
    // log(1+f) = 2 s + s z Q(z), s = f / (2+f), z = s^2
    static constexpr float log_q[] = {0x1.55557ep-1f, 0x1.9959c0p-2f, 0x1.3271a2p-2f};
    // sin(pi/2 r) = r (pi/2 + r^2 S(r^2)), cos(pi/2 r) = 1 + r^2 C(r^2), |r| <= 1/2
    static constexpr float pi2_hi = 0x1.921fb6p+0f;
    static constexpr float pi2_lo = -0x1.777a5cp-25f;
    static constexpr float sin_s[] = {-0x1.4abbbep-1f, 0x1.466004p-4f, -0x1.2dc84cp-8f};
    static constexpr float cos_c[] = {-0x1.3bd3ccp+0f, 0x1.03c1dep-2f, -0x1.55c5e0p-6f,
                                      0x1.d9d57ep-11f};
};

template <>
struct Consts<double> {
    static constexpr double log2e = 0x1.71547652b82fep+0;
    static constexpr double ln2_hi = 0x1.62e42fefa39efp-1;
    static constexpr double ln2_lo = 0x1.abc9e3b39803fp-56;
    static constexpr double round_magic = 0x1.8p+52;
    static constexpr double max_pow2 = 1023.0;
    static constexpr double min_normal = 0x1p-1022;
    static constexpr double sqrt2 = 0x1.6a09e667f3bcdp+0;
    static constexpr double inf = std::numeric_limits<double>::infinity();
    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    static constexpr double exp_lo = -0x1.6232bdd7abcd2p+9;
    static constexpr double exp_hi = 710.0;
    static constexpr double expm1_lo = -38.0;
    static constexpr double expm1_tiny = 0x1p-55;
    static constexpr double tanh_tiny = 0x1p-28;
    static constexpr double tanh_lo = -40.0;
    static constexpr double log1p_tiny = 0x1p-55;
    static constexpr double log1p_min_scale = -1000.0;
    static constexpr double exp_p[] = {
        0x1.0000000000005p-1,  0x1.5555555555539p-3,  0x1.555555555228ep-5,  0x1.1111111119011p-7,
        0x1.6c16c17ee7238p-10, 0x1.a01a0174faee7p-13, 0x1.a019a74a7bb46p-16, 0x1.71de88257bdc1p-19,
        0x1.28a2068953020p-22, 0x1.ae6bab110e7a7p-26};
    static constexpr double log_q[] = {
        0x1.55555555555a6p-1, 0x1.9999999978cd4p-2, 0x1.249249488869ep-2, 0x1.c71c4c6e2d2c0p-3,
        0x1.74677105ce409p-3, 0x1.3981d3d956b76p-3, 0x1.3050457d85ed4p-3};
    static constexpr double pi2_hi = 0x1.921fb54442d18p+0;
    static constexpr double pi2_lo = 0x1.1a62633145c07p-54;
    static constexpr double sin_s[] = {-0x1.4abbce625be46p-1,  0x1.466bc67758cb2p-4,
                                       -0x1.32d2cce324134p-8,  0x1.5078300c421a6p-13,
                                       -0x1.e30098975cf0cp-19, 0x1.e3ff27bcd4bd5p-25};
    static constexpr double cos_c[] = {
        -0x1.3bd3cc9be45dep+0,  0x1.03c1f081b5aaep-2,  -0x1.55d3c7e3c9280p-6, 0x1.e1f5068367b18p-11,
        -0x1.a6d1ec7e0b367p-16, 0x1.f9cc40ac7688fp-22, -0x1.b263c33cd26c1p-28};
};

template <class V>
using K = Consts<simd::scalar_of_t<V>>;

// c[0] + c[1] z + ... in Horner form, one fma per coefficient.
template <class V, class T, std::size_t N>
inline V horner(V z, const T (&c)[N]) noexcept {
    V p = V(c[N - 1]);
    for (std::size_t i = N - 1; i-- > 0;) p = fma(p, z, V(c[i]));
    return p;
}

// Nearest integer (ties to even) for |x| < 2^22 (float) / 2^51 (double).
template <class V>
inline V round_int(V x) noexcept {
    const V m = V(K<V>::round_magic);
    return (x + m) - m;
}

// x = k ln2 + r1 + lo with k = round(x log2 e), such that e^x - 1 =
// 2^k (1 + r1 + lo) - 1 up to the polynomial error. r1 = x - k ln2_hi is exact
// (x and k ln2_hi agree in their top bits); lo = r^2 P(r) - k ln2_lo is small,
// so keeping r1 apart saves a rounding in the leading term.
template <class V>
inline V exp_reduce(V x, V& k, V& r1) noexcept {
    using C = K<V>;
    k = round_int(x * V(C::log2e));
    r1 = fnma(k, V(C::ln2_hi), x);
    const V rl = k * V(-C::ln2_lo);
    const V r = r1 + rl;
    return fma(r * r, horner(r, C::exp_p), rl);
}

// e^x = t (1 + s) with t = 2^k exact and |s| < 0.42, for clamped x.
template <class V>
inline V exp_parts(V x, V& t) noexcept {
    V k, r1;
    const V lo = exp_reduce(x, k, r1);
    t = pow2i(k);
    return r1 + lo;
}

// e^x for x <= 0 (sigmoid, softplus); 0 below exp_lo; NaN stays NaN.
template <class V>
inline V exp_nonpos(V x) noexcept {
    using C = K<V>;
    using T = simd::scalar_of_t<V>;
    // NaN maps to exp_lo here (max(a, b) keeps a when the compare fails), so
    // every lane takes valid bits into pow2i; the selects below fix the lane.
    V t;
    const V s = exp_parts(max(V(C::exp_lo), x), t);
    const V res = select(x < V(C::exp_lo), V(T(0)), fma(t, s, t));
    return select(x == x, res, x); // NOLINT(misc-redundant-expression): false only for NaN
}

// e ln2 + log(1+f) - lo for f in about [sqrt(1/2) - 1, sqrt(2) - 1], where lo
// carries e ln2_lo plus any low-order correction; s = f / (2+f).
template <class V>
inline V log_reduced(V f, V s, V e, V lo) noexcept {
    using C = K<V>;
    using T = simd::scalar_of_t<V>;
    const V z = s * s;
    const V r = z * horner(z, C::log_q);
    const V hfsq = (V(T(0.5f)) * f) * f;
    const V res = f - (hfsq - fma(s, hfsq + r, lo));
    return fma(e, V(C::ln2_hi), res);
}

// log1p(x) for finite x > -1 (NaN propagates). SmallX: the caller guarantees
// x <= 1 (softplus), which saves the second Fast2Sum variant.
template <class V, bool SmallX>
inline V log1p_kernel(V x) noexcept {
    using C = K<V>;
    using T = simd::scalar_of_t<V>;
    const V one = V(T(1));
    const V u = one + x;
    // c = (1 + x) - u exactly (Fast2Sum: the larger magnitude goes first).
    V c = x - (u - one);
    if constexpr (!SmallX) c = select(x > one, one - (u - x), c);
    V e;
    V m = split_pow2(u, e);
    const auto big = m > V(C::sqrt2);
    m = select(big, m * V(T(0.5f)), m);
    e = select(big, e + one, e);
    const V f = m - one; // exact
    const V s = div(f, V(T(2)) + f);
    // c / u = c 2^-e / m, and 1/m = (1-s)/(1+s) ~ (1-s)^2 (1+s^2) to 2^-10,
    // plenty for a term below half an ulp of u.
    const V w = one - s;
    const V inv_m = (w * w) * fma(s, s, one);
    const V cc = (c * pow2i(max(-e, V(C::log1p_min_scale)))) * inv_m;
    return log_reduced(f, s, e, fma(e, V(C::ln2_lo), cc));
}

} // namespace detail

/// e^x. Results below the smallest normal are flushed to 0 (documented above).
template <class V>
inline V exp(V x) noexcept {
    using C = detail::K<V>;
    using T = simd::scalar_of_t<V>;
    // NaN maps to exp_lo (max(a, b) keeps a when the compare fails), so every
    // lane takes valid bits into pow2i; the selects below fix the lane.
    const V xc = min(V(C::exp_hi), max(V(C::exp_lo), x));
    V k, r1;
    const V lo = detail::exp_reduce(xc, k, r1);
    const V p = (r1 + lo) + V(T(1));
    // 2^128 (2^1024) is not a float: scale by 2^(k-1) and then by 2.
    const V kc = min(k, V(C::max_pow2));
    V res = p * pow2i(kc);
    res = select(k > kc, res * V(T(2)), res);
    res = select(x < V(C::exp_lo), V(T(0)), res);
    return select(x == x, res, x); // NOLINT(misc-redundant-expression): false only for NaN
}

/// e^x - 1, accurate near 0.
template <class V>
inline V expm1(V x) noexcept {
    using C = detail::K<V>;
    using T = simd::scalar_of_t<V>;
    const V xc = min(V(C::exp_hi), max(V(C::expm1_lo), x));
    V k, r1;
    const V lo = detail::exp_reduce(xc, k, r1);
    const V kc = min(k, V(C::max_pow2));
    const V t = pow2i(kc);
    // 2^k r1 + (2^k - 1) first (exact for k = 0), then the small 2^k lo.
    V res = fma(t, lo, fma(t, r1, t - V(T(1))));
    res = select(k > kc, res * V(T(2)), res);
    // Below expm1_lo the result rounds to -1 (covers -inf).
    res = select(x < V(C::expm1_lo), V(T(-1)), res);
    // |x| tiny (zeros and subnormals included) and NaN: x itself.
    return select(abs(x) >= V(C::expm1_tiny), res, x);
}

/// Natural logarithm. log(0) = -inf, log(x < 0) = NaN; subnormal x counts as 0.
template <class V>
inline V log(V x) noexcept {
    using C = detail::K<V>;
    using T = simd::scalar_of_t<V>;
    const V one = V(T(1));
    V e;
    V m = split_pow2(x, e);
    const auto big = m > V(C::sqrt2);
    m = select(big, m * V(T(0.5f)), m);
    e = select(big, e + one, e);
    const V f = m - one; // exact
    const V s = div(f, V(T(2)) + f);
    V res = detail::log_reduced(f, s, e, e * V(C::ln2_lo));
    res = select(x < V(C::inf), res, x + x);             // inf, NaN
    res = select(x < V(C::min_normal), V(-C::inf), res); // 0, subnormal
    return select(x < V(T(0)), V(C::nan), res);          // negative
}

/// log(1 + x), accurate near 0. log1p(-1) = -inf, log1p(x < -1) = NaN.
template <class V>
inline V log1p(V x) noexcept {
    using C = detail::K<V>;
    using T = simd::scalar_of_t<V>;
    const V one = V(T(1));
    // Lanes outside (-1, inf) run the kernel on 0 so no lane sees odd bits.
    const auto inside = (x > V(T(-1))) & (x < V(C::inf));
    V res = detail::log1p_kernel<V, false>(select(inside, x, V(T(0))));
    res = select(x < V(C::inf), res, x + x); // inf, NaN
    res = select(x == -one, V(-C::inf), res);
    res = select(x < -one, V(C::nan), res);
    return select(abs(x) >= V(C::log1p_tiny), res, x); // tiny, zeros, NaN
}

/// Logistic function 1 / (1 + e^-z), never 0/0 or subnormal.
template <class V>
inline V sigmoid(V z) noexcept {
    using T = simd::scalar_of_t<V>;
    using C = detail::K<V>;
    const V one = V(T(1));
    // e = e^-|z| = t (1 + s); 1 + e is formed in one rounding.
    const V x = -abs(z);
    V t;
    const V s = detail::exp_parts(max(V(C::exp_lo), x), t);
    const V e = select(x < V(C::exp_lo), V(T(0)), fma(t, s, t));
    const V res = div(select(z < V(T(0)), e, one), fma(t, s, one + t));
    return select(z == z, res, z); // NOLINT(misc-redundant-expression): false only for NaN
}

/// Hyperbolic tangent.
template <class V>
inline V tanh(V z) noexcept {
    using C = detail::K<V>;
    using T = simd::scalar_of_t<V>;
    const V one = V(T(1));
    const V a = abs(z);
    // e^-2|z| = t (1 + s); tanh|z| = (1 - e^-2|z|) / (1 + e^-2|z|) with the
    // numerator and the denominator each formed in one rounding (for |z| small
    // t = 1 and the numerator is -s exactly). NaN maps to tanh_lo here.
    V t;
    const V s = detail::exp_parts(max(V(C::tanh_lo), V(T(-2)) * a), t);
    const V r = div(fnma(t, s, one - t), fma(t, s, one + t));
    const V res = select(z < V(T(0)), -r, r);
    return select(a >= V(C::tanh_tiny), res, z); // tiny, zeros, NaN
}

/// log(1 + e^z) in the stable form max(z, 0) + log1p(e^-|z|).
template <class V>
inline V softplus(V z) noexcept {
    using T = simd::scalar_of_t<V>;
    const V e = detail::exp_nonpos(-abs(z)); // in [0, 1]
    return max(z, V(T(0))) + detail::log1p_kernel<V, true>(e);
}

/// s = sin(2 pi u), c = cos(2 pi u) for u in [0, 1) (the RNG's uniforms); any
/// |u| below 2^20 (float) / 2^49 (double) works. The reduction is exact.
template <class V>
inline void sincos_2pi(V u, V& s, V& c) noexcept {
    using C = detail::K<V>;
    using T = simd::scalar_of_t<V>;
    const V y = V(T(4)) * u;
    const V n = detail::round_int(y);
    const V r = y - n; // exact, in [-1/2, 1/2]
    const V z = r * r;
    // pi/2 in two parts: its rounding would otherwise cost half an ulp.
    const V sp = fma(r, V(C::pi2_hi), r * fma(z, detail::horner(z, C::sin_s), V(C::pi2_lo)));
    const V cp = fma(z, detail::horner(z, C::cos_c), V(T(1)));
    // Quadrant q = n mod 4 in {-2, -1, 0, 1, 2}.
    const V q = fnma(detail::round_int(n * V(T(0.25f))), V(T(4)), n);
    const auto odd = abs(q) == V(T(1));
    const V s0 = select(odd, cp, sp);
    const V c0 = select(odd, sp, cp);
    const auto neg_s = (q < V(T(-0.5f))) | (q > V(T(1.5f)));
    const auto neg_c = (q > V(T(0.5f))) | (q < V(T(-1.5f)));
    s = select(neg_s, -s0, s0);
    c = select(neg_c, -c0, c0);
}

} // namespace ember::math
