// A Gaussian energy model as an ember::Mlp: one hidden layer of act(z) = z^2
// makes f(x) = sum_j w_j (W_j . x + b_j)^2 + b an arbitrary quadratic, so the
// estimators' optima can be checked against closed forms.
#pragma once

#include "ember/nn/mlp.hpp"
#include "ember/simd.hpp"

namespace ember_test {

struct Square {
    static constexpr bool smooth = true;
    static constexpr const char* name = "square";
    template <class V>
    static void eval1(V z, V& a0, V& a1) noexcept {
        a0 = z * z;
        a1 = z + z;
    }
    template <class V>
    static void eval3(V z, V& a0, V& a1, V& a2, V& a3) noexcept {
        using S = ember::simd::scalar_of_t<V>;
        eval1(z, a0, a1);
        a2 = V(S(2));
        a3 = V(S(0));
    }
};

/// f(x) = sum_j w_j (W_j . x + b_j)^2 + b on R^2 with two units.
using Quad = ember::Mlp<float, Square, 2, 2>;

inline double dbl(float x) { return static_cast<double>(x); }

/// Precision P = -Hess f = -2 sum_j w_j W_j W_j^T and mean mu = P^-1 grad f(0)
/// of the quadratic with parameters p (Quad's layout).
inline void gaussian_of(const float* p, double P[2][2], double mu[2]) {
    // W_1 is input-major: the weight from input r to unit j is W[r * 2 + j].
    const float* W = p + Quad::layout::weight_offset(1);
    const float* b = p + Quad::layout::bias_offset(1);
    const float* w = p + Quad::layout::output_weight_offset;
    double g0[2] = {0, 0};
    for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 2; ++c) P[r][c] = 0;
    for (int j = 0; j < 2; ++j) {
        for (int r = 0; r < 2; ++r) {
            for (int c = 0; c < 2; ++c)
                P[r][c] -= 2.0 * dbl(w[j]) * dbl(W[r * 2 + j]) * dbl(W[c * 2 + j]);
            g0[r] += 2.0 * dbl(w[j]) * dbl(b[j]) * dbl(W[r * 2 + j]);
        }
    }
    const double det = P[0][0] * P[1][1] - P[0][1] * P[1][0];
    mu[0] = (P[1][1] * g0[0] - P[0][1] * g0[1]) / det;
    mu[1] = (-P[1][0] * g0[0] + P[0][0] * g0[1]) / det;
}

} // namespace ember_test
