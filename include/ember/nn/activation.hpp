// ember — activations with their first three derivatives.
//
// Each activation is an empty tag type with
//   `static constexpr bool smooth`  (score matching needs act'' != 0),
//   `eval1(z, a0, a1)`              value and first derivative,
//   `eval3(z, a0, a1, a2, a3)`      value and three derivatives,
// written once for V = T and V = simd::Pack<T> (see docs/passes.md
// for the formulas). Only ember's own elementary functions are used, so the
// same input gives the same bits on every target.
#pragma once

#include "ember/math.hpp"
#include "ember/simd.hpp"

namespace ember {

/// softplus(z) = log(1 + e^z); act' = s, act'' = s(1-s), act''' = s(1-s)(1-2s).
struct Softplus {
    static constexpr bool smooth = true;
    static constexpr const char* name = "softplus";

    template <class V>
    static void eval1(V z, V& a0, V& a1) noexcept {
        a0 = math::softplus(z);
        a1 = math::sigmoid(z);
    }
    template <class V>
    static void eval3(V z, V& a0, V& a1, V& a2, V& a3) noexcept {
        using simd::fnma;
        const V one(simd::scalar_of_t<V>(1));
        const V two(simd::scalar_of_t<V>(2));
        const V s = math::sigmoid(z);
        const V s1 = s * (one - s);
        a0 = math::softplus(z);
        a1 = s;
        a2 = s1;
        a3 = s1 * fnma(two, s, one);
    }
};

/// swish(z) = z sigmoid(z) (SiLU).
struct Swish {
    static constexpr bool smooth = true;
    static constexpr const char* name = "swish";

    template <class V>
    static void eval1(V z, V& a0, V& a1) noexcept {
        using simd::fma;
        const V one(simd::scalar_of_t<V>(1));
        const V s = math::sigmoid(z);
        a0 = z * s;
        a1 = fma(z, s * (one - s), s);
    }
    template <class V>
    static void eval3(V z, V& a0, V& a1, V& a2, V& a3) noexcept {
        using simd::fma;
        using simd::fnma;
        using S = simd::scalar_of_t<V>;
        const V one(S(1)), two(S(2)), three(S(3)), six(S(6));
        const V s = math::sigmoid(z);
        const V s1 = s * (one - s);
        const V s2 = s1 * fnma(two, s, one);
        // 1 - 6s + 6s^2 = 1 - 6 s (1 - s) = 1 - 6 s1
        const V s3 = s1 * fnma(six, s1, one);
        a0 = z * s;
        a1 = fma(z, s1, s);
        a2 = fma(z, s2, two * s1);
        a3 = fma(z, s3, three * s2);
    }
};

/// tanh(z); act' = 1 - t^2, act'' = -2 t (1 - t^2), act''' = -2 (1 - t^2)(1 - 3 t^2).
struct Tanh {
    static constexpr bool smooth = true;
    static constexpr const char* name = "tanh";

    template <class V>
    static void eval1(V z, V& a0, V& a1) noexcept {
        using simd::fnma;
        const V one(simd::scalar_of_t<V>(1));
        const V t = math::tanh(z);
        a0 = t;
        a1 = fnma(t, t, one);
    }
    template <class V>
    static void eval3(V z, V& a0, V& a1, V& a2, V& a3) noexcept {
        using simd::fnma;
        using S = simd::scalar_of_t<V>;
        const V one(S(1)), m2(S(-2)), three(S(3));
        const V t = math::tanh(z);
        const V d = fnma(t, t, one);
        a0 = t;
        a1 = d;
        a2 = m2 * t * d;
        a3 = m2 * d * fnma(three * t, t, one);
    }
};

/// relu(z) = max(z, 0): for inference and sampling only. Its second
/// derivative is zero almost everywhere, so score-matching trainers reject it
/// at compile time (`smooth == false`).
struct Relu {
    static constexpr bool smooth = false;
    static constexpr const char* name = "relu";

    template <class V>
    static void eval1(V z, V& a0, V& a1) noexcept {
        using simd::max;
        using simd::select;
        using S = simd::scalar_of_t<V>;
        const V zero(S(0));
        a0 = max(z, zero);
        a1 = select(z > zero, V(S(1)), zero);
    }
    template <class V>
    static void eval3(V z, V& a0, V& a1, V& a2, V& a3) noexcept {
        eval1(z, a0, a1);
        a2 = V(simd::scalar_of_t<V>(0));
        a3 = a2;
    }
};

} // namespace ember
