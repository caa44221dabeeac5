// ember — a dense layer with vector output and its vector-Jacobian product,
// as a parameter block (for normalizing flows, generators, conditioners).
#pragma once

#include "ember/config.hpp"
#include "ember/fp.hpp"
#include "ember/nn/kernels.hpp"

#include <cstddef>
#include <type_traits>

namespace ember {

/// y = W x + b with In inputs and Out outputs, parameters `W` (input-major:
/// the weight from input i to output j at `i * Out + j`, as in MlpLayout)
/// then `b`. Stateless: every call takes the parameter vector, so a Dense is
/// a block of an ember::Model. The sums are the MLP layers' (nn/kernels.hpp),
/// so the bits do not depend on the SIMD width or the number of rows.
///
///     using Layer = ember::Dense<float, 4, 8>;
///     float y[8], xbar[4];
///     Layer::forward(p, x, 4, y, 8, /*rows=*/1);
///     Layer::vjp(p, x, 4, ybar, 8, xbar, 4, /*rows=*/1, grad);   // grad += d(ybar . y)/dp
template <class T, std::size_t In, std::size_t Out>
struct Dense {
    static_assert(std::is_floating_point_v<T>, "ember::Dense<T, ...>: T must be float or double");
    static_assert(In >= 1 && Out >= 1, "ember::Dense needs at least one input and one output");

    using value_type = T;
    static constexpr std::size_t input_dim = In;
    static constexpr std::size_t output_dim = Out;
    static constexpr std::size_t weight_offset = 0;
    static constexpr std::size_t bias_offset = In * Out;
    static constexpr std::size_t param_count = In * Out + Out;

    /// y[r * ldy + j] = b[j] + sum_i W[i][j] x[r * ldx + i] for `rows` rows.
    static void forward(const T* p, const T* x, std::size_t ldx, T* y, std::size_t ldy,
                        std::size_t rows) noexcept {
        const fp::Scope fp_scope;
        detail::gemm<Out, In, Out, Out, 1>(p, p + bias_offset, x, ldx, y, ldy, rows);
    }

    /// Vector-Jacobian product at `rows` inputs x with output adjoints ybar:
    /// xbar[r * ldxb + i] = sum_j W[i][j] ybar[r * ldyb + j] (skipped when
    /// xbar is null), and grad[param_count] += the gradient of
    /// sum_r ybar_r . y_r with respect to (W, b), rows summed in order.
    static void vjp(const T* p, const T* x, std::size_t ldx, const T* ybar, std::size_t ldyb,
                    T* xbar, std::size_t ldxb, std::size_t rows, T* grad) noexcept {
        const fp::Scope fp_scope;
        const T* nobias = nullptr;
        if (xbar) detail::gemm<In, Out, In, 1, Out>(p, nobias, ybar, ldyb, xbar, ldxb, rows);
        constexpr std::size_t chunk = 16;
        detail::RankStep<T> steps[chunk];
        for (std::size_t r0 = 0; r0 < rows; r0 += chunk) {
            const std::size_t n = rows - r0 < chunk ? rows - r0 : chunk;
            for (std::size_t k = 0; k < n; ++k)
                steps[k] = {x + (r0 + k) * ldx, ybar + (r0 + k) * ldyb};
            detail::rank_update<In, Out>(grad + weight_offset, steps, n);
        }
        T* gb = grad + bias_offset;
        for (std::size_t j = 0; j < Out; ++j) {
            T acc = gb[j];
            for (std::size_t r = 0; r < rows; ++r) acc += ybar[r * ldyb + j];
            gb[j] = acc;
        }
    }
};

} // namespace ember
