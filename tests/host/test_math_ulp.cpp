// Accuracy of ember::math against libm in long double (host only).
//
// Max error in ulp over dense sweeps plus random points of the ranges the
// library uses. The bounds asserted here are the measured maxima rounded up;
// the header's table comes from a run with EMBER_ULP_SAMPLES=2000000.
// float is measured on every host; double needs a long double with at least
// 64 mantissa bits (x86-64, aarch64) and is skipped where long double is double.
#include "ember/math.hpp"

#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

namespace ember_test_math_ulp_host { // one namespace per test file (EMBER_TEST_UNITY batches)

namespace {

using LD = long double;

#ifndef EMBER_ULP_SAMPLES
#if defined(__x86_64__)
#define EMBER_ULP_SAMPLES 40000
#else
// armv7 / aarch64 under qemu-user (aarch64 long double is software quad).
#define EMBER_ULP_SAMPLES 5000
#endif
#endif

constexpr int samples = EMBER_ULP_SAMPLES;

// splitmix64: an independent random source for the sample points.
struct Points {
    std::uint64_t s = 0x9e3779b97f4a7c15u;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
    }
    LD uniform() { return static_cast<LD>(next() >> 11) * 0x1p-53L; }
};

template <class T>
double ulp_error(T got, LD ref) {
    if (std::isnan(ref)) return std::isnan(got) ? 0.0 : 1e30;
    if (std::isinf(ref)) return static_cast<LD>(got) == ref ? 0.0 : 1e30;
    if (!std::isfinite(got)) return 1e30;
    // Documented flush: results below the smallest normal may be 0.
    if (got == 0 && std::fabs(ref) < static_cast<LD>(std::numeric_limits<T>::min())) return 0.0;
    int e = ref == 0 ? std::numeric_limits<T>::min_exponent - 1 : std::ilogb(ref);
    if (e < std::numeric_limits<T>::min_exponent - 1) e = std::numeric_limits<T>::min_exponent - 1;
    const LD ulp = std::ldexp(1.0L, e - (std::numeric_limits<T>::digits - 1));
    return static_cast<double>(std::fabs(static_cast<LD>(got) - ref) / ulp);
}

struct Worst {
    double ulp = 0;
    LD at = 0;
    void add(double u, LD x) {
        if (u > ulp) {
            ulp = u;
            at = x;
        }
    }
};

// Dense linear sweep of [lo, hi] plus as many uniform random points.
template <class T, class F, class R>
Worst sweep(F f, R ref, LD lo, LD hi, int n = samples) {
    Worst w;
    Points pts;
    for (int i = 0; i < 2 * n; ++i) {
        const LD t = i < n ? static_cast<LD>(i) / (n - 1) : pts.uniform();
        const T x = static_cast<T>(lo + (hi - lo) * t);
        w.add(ulp_error<T>(f(x), ref(static_cast<LD>(x))), static_cast<LD>(x));
    }
    return w;
}

// Random points log-uniform in [2^emin, 2^emax).
template <class T, class F, class R>
Worst sweep_log(F f, R ref, int emin, int emax, LD sign = 1, LD offset = 0, int n = samples) {
    Worst w;
    Points pts;
    for (int i = 0; i < n; ++i) {
        const LD e = emin + (emax - emin) * pts.uniform();
        const T x = static_cast<T>(offset + sign * std::exp2(e));
        w.add(ulp_error<T>(f(x), ref(static_cast<LD>(x))), static_cast<LD>(x));
    }
    return w;
}

template <class T>
bool measurable() {
    return std::numeric_limits<LD>::digits >= std::numeric_limits<T>::digits + 11;
}

template <class T>
std::string tname() {
    return std::is_same<T, float>::value ? "float" : "double";
}

void report(const std::string& fn, const std::string& type, const Worst& w) {
    MESSAGE(fn << " <" << type << "> max ulp " << w.ulp << " at " << static_cast<double>(w.at));
}

// sin / cos of 2 pi u with the exact reduction done in long double.
LD ref_sin2pi(LD u, bool cosine) {
    const LD y = 4 * u;
    const LD n = std::nearbyint(y);
    const LD a = (y - n) * 1.5707963267948966192313216916397514L;
    int q = static_cast<int>(std::fmod(n, 4.0L));
    if (q < 0) q += 4;
    if (cosine) q = (q + 1) % 4;
    switch (q) {
    case 0: return std::sin(a);
    case 1: return std::cos(a);
    case 2: return -std::sin(a);
    default: return -std::cos(a);
    }
}

} // namespace

TEST_CASE_TEMPLATE("math: ulp error of exp and expm1", T, float, double) {
    if (!measurable<T>()) {
        MESSAGE("long double too short to measure " << tname<T>());
        return;
    }
    const bool f = std::is_same<T, float>::value;
    auto ex = [](T x) { return ember::math::exp(x); };
    auto exr = [](LD x) { return std::exp(x); };
    Worst w = sweep<T>(ex, exr, f ? -87.33L : -708.39L, f ? 88.72L : 709.78L);
    const Worst w1 = sweep<T>(ex, exr, -1, 1);
    if (w1.ulp > w.ulp) w = w1;
    report("exp", tname<T>(), w);
    CHECK(w.ulp <= 1.0);

    auto em = [](T x) { return ember::math::expm1(x); };
    auto emr = [](LD x) { return std::expm1(x); };
    w = sweep<T>(em, emr, f ? -20.0L : -40.0L, f ? 88.72L : 709.78L);
    for (const Worst& v : {sweep<T>(em, emr, -1, 1), sweep_log<T>(em, emr, -60, 0),
                           sweep_log<T>(em, emr, -60, 0, -1)})
        if (v.ulp > w.ulp) w = v;
    report("expm1", tname<T>(), w);
    CHECK(w.ulp <= 1.5);
}

TEST_CASE_TEMPLATE("math: ulp error of log and log1p", T, float, double) {
    if (!measurable<T>()) {
        MESSAGE("long double too short to measure " << tname<T>());
        return;
    }
    const int emax = std::numeric_limits<T>::max_exponent;
    const int emin = std::numeric_limits<T>::min_exponent - 1;
    auto lg = [](T x) { return ember::math::log(x); };
    auto lgr = [](LD x) { return std::log(x); };
    Worst w = sweep_log<T>(lg, lgr, emin, emax);
    for (const Worst& v : {sweep<T>(lg, lgr, 0.5L, 2.0L), sweep<T>(lg, lgr, 0x1p-24L, 1.0L)})
        if (v.ulp > w.ulp) w = v;
    report("log", tname<T>(), w);
    CHECK(w.ulp <= 1.0);

    auto l1 = [](T x) { return ember::math::log1p(x); };
    auto l1r = [](LD x) { return std::log1p(x); };
    w = sweep<T>(l1, l1r, -0.5L, 2.0L);
    for (const Worst& v :
         {sweep<T>(l1, l1r, -0.5L, 1e6L), sweep_log<T>(l1, l1r, -60, 20),
          sweep_log<T>(l1, l1r, -60, -1, -1), sweep_log<T>(l1, l1r, -24, -1, 1, -1)})
        if (v.ulp > w.ulp) w = v;
    report("log1p", tname<T>(), w);
    CHECK(w.ulp <= 1.0);
}

TEST_CASE_TEMPLATE("math: ulp error of the activations", T, float, double) {
    if (!measurable<T>()) {
        MESSAGE("long double too short to measure " << tname<T>());
        return;
    }
    auto sg = [](T x) { return ember::math::sigmoid(x); };
    auto sgr = [](LD x) { return 1 / (1 + std::exp(-x)); };
    Worst w = sweep<T>(sg, sgr, -30, 30);
    const Worst w1 = sweep<T>(sg, sgr, -100, 100);
    if (w1.ulp > w.ulp) w = w1;
    report("sigmoid", tname<T>(), w);
    CHECK(w.ulp <= 2.5);

    auto th = [](T x) { return ember::math::tanh(x); };
    auto thr = [](LD x) { return std::tanh(x); };
    w = sweep<T>(th, thr, -30, 30);
    for (const Worst& v : {sweep<T>(th, thr, -1, 1), sweep_log<T>(th, thr, -40, 2)})
        if (v.ulp > w.ulp) w = v;
    report("tanh", tname<T>(), w);
    CHECK(w.ulp <= 2.5);

    auto sp = [](T x) { return ember::math::softplus(x); };
    auto spr = [](LD x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); };
    w = sweep<T>(sp, spr, -30, 30);
    const Worst w2 = sweep<T>(sp, spr, -100, 100);
    if (w2.ulp > w.ulp) w = w2;
    report("softplus", tname<T>(), w);
    CHECK(w.ulp <= 2.0);
}

TEST_CASE_TEMPLATE("math: ulp error of sincos_2pi", T, float, double) {
    if (!measurable<T>()) {
        MESSAGE("long double too short to measure " << tname<T>());
        return;
    }
    auto s = [](T u) {
        T sv, cv;
        ember::math::sincos_2pi(u, sv, cv);
        return sv;
    };
    auto c = [](T u) {
        T sv, cv;
        ember::math::sincos_2pi(u, sv, cv);
        return cv;
    };
    const Worst ws = sweep<T>(
        s, [](LD u) { return ref_sin2pi(u, false); }, 0, 1);
    const Worst wc = sweep<T>(
        c, [](LD u) { return ref_sin2pi(u, true); }, 0, 1);
    report("sin_2pi", tname<T>(), ws);
    report("cos_2pi", tname<T>(), wc);
    CHECK(ws.ulp <= 1.1);
    CHECK(wc.ulp <= 1.1);
}

} // namespace ember_test_math_ulp_host
