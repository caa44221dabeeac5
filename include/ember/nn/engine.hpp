// ember — the passes of an MLP, batched over points: the one implementation
// behind every call that evaluates a network (one point or many, scoring,
// sampling, training, the golden tables).
//
// `Engine<Spec, G, K1, K2, Basis>` runs the passes of docs/passes.md for G
// points at once:
//
//   forward      z, h, act' .. act''' of every point (shared by all
//                directions of that point) and f;
//   grad_x       pass 1 reverse with fbar = 1 (grad_x f of every point);
//   tangents     pass 2 along K1 first-order directions (u, t only: losses
//                have no fddot term for them) and K2 second-order directions
//                (u, q, t, c), or along the basis e_1..e_D (exact SM);
//   backward     pass 3 with per-row coefficients gamma (of f), alpha (of
//                fdot) and beta (of fddot), then the parameter gradient. With
//                no directions it is pass 1's parameter gradient
//                sum_n gamma_n grad_theta f(x_n).
//
// The adjoint Hbar is linear and its coefficient act' is shared by all
// directions of a point, so only the sum over directions of Zbar is
// propagated (one W^T per layer instead of one per direction), and the outer
// product with h uses that sum.
//
// Layout: one row per point (arrays of G rows) or per point-direction pair
// (row k * G + n for direction k of point n); a row holds every hidden unit,
// layer l at column unit_col(l), each layer padded to whole SIMD packs (pad
// lanes hold finite values that are never read back into real ones). Rows
// are what the kernels block in registers, units are the SIMD lanes, and a
// point's vectors are contiguous, so the gradient's outer products need no
// transposition. With G = 1 the engine is the one-point path: the same code,
// so a point gets the same bits alone or in a batch.
//
// Determinism: every value of a point is computed by the same operations in
// the same order whatever the SIMD width or G (nn/kernels.hpp); the gradient
// of every parameter is one chain of fmas over the valid points in index
// order and, within a point, over the terms Z h, then first-order directions
// (Ubar t), then second-order directions (Ubar t, Qbar c) in index order.
//
// The arrays are not initialised on construction (a one-point engine on the
// stack costs nothing); every pass writes what it later reads.
#pragma once

#include "ember/config.hpp"
#include "ember/nn/kernels.hpp"
#include "ember/nn/spec.hpp"
#include "ember/simd.hpp"

#include <cstddef>
#include <type_traits>
#include <utility>

namespace ember {

namespace detail {

template <class F, std::size_t... I>
inline void layers_up_impl(F& f, std::index_sequence<I...>) noexcept {
    (f(std::integral_constant<std::size_t, I + 1>{}), ...);
}
template <std::size_t L, class F, std::size_t... I>
inline void layers_down_impl(F& f, std::index_sequence<I...>) noexcept {
    (f(std::integral_constant<std::size_t, L - I>{}), ...);
}
/// f(integral_constant<l>) for l = 1..L: every layer's sizes are
/// compile-time constants inside f.
template <std::size_t L, class F>
inline void layers_up(F&& f) noexcept {
    layers_up_impl(f, std::make_index_sequence<L>{});
}
/// f(integral_constant<l>) for l = L..1.
template <std::size_t L, class F>
inline void layers_down(F&& f) noexcept {
    layers_down_impl<L>(f, std::make_index_sequence<L>{});
}

constexpr std::size_t at_least_one(std::size_t n) noexcept { return n == 0 ? 1 : n; }

} // namespace detail

/// The hidden layers' weights in output-major order (W_l[j][i], the
/// transpose of the stored input-major layout), which the reverse sweeps read
/// with the inputs of a layer in SIMD lanes. Only builds with SIMD lanes need
/// it; with one lane the reverse sweeps read the stored weights directly and
/// this object holds a single unused value.
template <class Spec>
class ReverseWeights {
    static_assert(detail::is_mlp_spec<Spec>::value,
                  "ember::ReverseWeights<Spec>: Spec is an MlpSpec (Mlp::spec_type)");

public:
    using T = typename Spec::value_type;
    using Layout = typename Spec::layout;
    /// True on builds with SIMD lanes.
    static constexpr bool used = simd::Pack<T>::width > 1;
    /// Offset of layer l's block.
    static constexpr std::size_t offset(std::size_t l) noexcept {
        return Layout::dense_macs(1) - Layout::dense_macs(l);
    }
    /// Values held.
    static constexpr std::size_t size = used ? Layout::dense_macs(1) : 1;

    /// Rebuilds the copy from the parameter vector p.
    void prepare(const T* p) noexcept {
        if constexpr (used) {
            for (std::size_t l = 1; l <= Layout::hidden_layers; ++l) {
                const std::size_t nout = Layout::widths[l], nin = Layout::widths[l - 1];
                const T* wt = p + Layout::weight_offset(l);
                T* w = w_ + offset(l);
                for (std::size_t j = 0; j < nout; ++j)
                    for (std::size_t i = 0; i < nin; ++i) w[j * nin + i] = wt[i * nout + j];
            }
        } else {
            (void)p;
        }
    }
    /// The copy, or null where it is not used.
    const T* data() const noexcept {
        if constexpr (used) {
            return w_;
        } else {
            return nullptr;
        }
    }

private:
    alignas(EMBER_ALIGN) T w_[size];
};

/// The parameters as the passes read them: the stored vector `p` and the
/// reverse copy `rev` (null: the reverse sweeps read `p` one lane at a time).
template <class T>
struct PassWeights {
    const T* p;
    const T* rev;
};

/// Batched passes for G points with K1 first-order and K2 second-order
/// directions per point (Basis: the K2 = D directions are the unit vectors,
/// as in exact score matching). Spec is the network's MlpSpec.
template <class Spec, std::size_t G, std::size_t K1 = 0, std::size_t K2 = 0, bool Basis = false>
class Engine {
    static_assert(detail::is_mlp_spec<Spec>::value,
                  "ember::Engine<Spec, ...>: Spec is an MlpSpec (Mlp::spec_type)");

public:
    using T = typename Spec::value_type;
    using Act = typename Spec::activation;
    using Layout = typename Spec::layout;
    using V = simd::Pack<T>;
    static constexpr std::size_t W = V::width;
    static constexpr std::size_t D = Layout::input_dim;
    static constexpr std::size_t L = Layout::hidden_layers;
    static constexpr std::size_t points = G;
    static constexpr bool second = K2 > 0;           ///< act''' and (u, q, t, c)
    static constexpr bool directional = K1 + K2 > 0; ///< act'' and tangents
    static constexpr std::size_t R1 = K1 * G;        ///< first-order rows
    static constexpr std::size_t R2 = K2 * G;        ///< second-order rows

    static constexpr std::size_t pad(std::size_t n) noexcept { return detail::padded<T>(n); }
    /// Column of hidden layer l's first unit in a row.
    static constexpr std::size_t unit_col(std::size_t l) noexcept {
        std::size_t c = 0;
        for (std::size_t k = 1; k < l; ++k) c += pad(Layout::widths[k]);
        return c;
    }
    static constexpr std::size_t S = unit_col(L + 1); ///< row stride of unit arrays
    static constexpr std::size_t DP = pad(D);         ///< row stride of input arrays

    static_assert(G > 0, "at least one point per engine");
    static_assert(!Basis || K2 == D, "basis directions: K2 must equal the input dimension");

    // Dense multiply-adds per point of each pass (the work the kernels do;
    // element-wise activation and adjoint arithmetic is not counted).
    static constexpr std::size_t forward_macs = Layout::forward_macs;
    static constexpr std::size_t grad_x_macs = Layout::dense_macs(1);
    /// tangents + backward + parameter gradient, per point.
    static constexpr std::size_t direction_macs =
        K1 * (Layout::dense_macs(1) + 2 * Layout::last_width + Layout::dense_macs(2)) +
        K2 * ((Basis ? 0 : Layout::widths[1] * D) + 4 * Layout::dense_macs(2) +
              4 * Layout::last_width) +
        Layout::dense_macs(2) +                             // Hbar
        (Basis ? 1 : 1 + K1 + K2) * Layout::widths[1] * D + // layer-1 gradient
        (1 + K1 + 2 * K2) * Layout::dense_macs(2);          // upper layers' gradient

    // ---- inputs, written by the caller before the passes --------------------
    alignas(EMBER_ALIGN) T x[G * DP];                         ///< point n: x + n * DP
    alignas(EMBER_ALIGN) T v1[detail::at_least_one(R1 * DP)]; ///< first-order directions
    alignas(EMBER_ALIGN) T v2[Basis ? 1 : detail::at_least_one(R2 * DP)]; ///< second-order
    alignas(EMBER_ALIGN) T gamma[G];                                      ///< coefficient of f
    alignas(EMBER_ALIGN) T alpha1[detail::at_least_one(R1)];              ///< coefficient of fdot
    alignas(EMBER_ALIGN) T alpha2[detail::at_least_one(R2)];              ///< coefficient of fdot
    alignas(EMBER_ALIGN) T beta2[detail::at_least_one(R2)];               ///< coefficient of fddot

    // ---- outputs of the passes ----------------------------------------------
    alignas(EMBER_ALIGN) T f[G];       ///< f of each point
    alignas(EMBER_ALIGN) T gx[G * DP]; ///< grad_x f, row n
    alignas(EMBER_ALIGN) T fdot1[detail::at_least_one(R1)];
    alignas(EMBER_ALIGN) T fdot2[detail::at_least_one(R2)];
    alignas(EMBER_ALIGN) T fddot2[detail::at_least_one(R2)];

    /// Forward pass of the G points in x: f and h, with act' (Derivs >= 1)
    /// and act'', act''' (Derivs >= 2; what tangents and backward need).
    template <int Derivs = directional ? 2 : 1>
    void forward(const T* p) noexcept {
        static_assert(Derivs <= 1 || directional, "act'' is only stored with directions");
        forward_rows<Derivs>(p, x, DP, G, h_, a1_, a2_, a3_, f);
    }

    /// The forward pass on caller buffers: `rows` points at x + r * ldx;
    /// unit rows of stride S in h (and a1, a2, a3 as Derivs asks; a3 only
    /// with second-order directions); f[rows].
    template <int Derivs>
    static void forward_rows(const T* p, const T* x, std::size_t ldx, std::size_t rows, T* h, T* a1,
                             T* a2, T* a3, T* f) noexcept {
        detail::layers_up<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = Layout::widths[l], nin = Layout::widths[l - 1];
            constexpr std::size_t np = pad(nout), o = unit_col(l);
            const T* in = l == 1 ? x : h + unit_col(l - 1);
            detail::gemm<nout, nin, np, nout, 1>(p + Layout::weight_offset(l),
                                                 p + Layout::bias_offset(l), in, l == 1 ? ldx : S,
                                                 h + o, S, rows);
            for (std::size_t n = 0; n < rows; ++n)
                for (std::size_t j = 0; j < np; j += W) {
                    const std::size_t k = n * S + o + j;
                    if constexpr (Derivs >= 2) {
                        V a0, d1, d2, d3;
                        Act::eval3(V::load(h + k), a0, d1, d2, d3);
                        a0.store(h + k);
                        d1.store(a1 + k);
                        d2.store(a2 + k);
                        if constexpr (second) d3.store(a3 + k);
                    } else {
                        V a0, d1;
                        Act::eval1(V::load(h + k), a0, d1);
                        a0.store(h + k);
                        if constexpr (Derivs >= 1) d1.store(a1 + k);
                    }
                }
        });
        const T* w = p + Layout::output_weight_offset;
        const T b = p[Layout::output_bias_offset];
        for (std::size_t n = 0; n < rows; ++n)
            f[n] = b + detail::dot_out<Layout::last_width>(w, h + n * S + unit_col(L));
    }

    /// Pass 1 reverse with fbar = 1: gx = grad_x f (after forward with
    /// Derivs >= 1).
    void grad_x(PassWeights<T> w) noexcept {
        {
            constexpr std::size_t o = unit_col(L), np = pad(Layout::last_width);
            const T* wo = w.p + Layout::output_weight_offset;
            for (std::size_t n = 0; n < G; ++n) {
                T* z = z_ + n * S + o;
                detail::scale_to<Layout::last_width, np>(T(1), wo, z);
                for (std::size_t j = 0; j < np; j += W)
                    (V::load(z + j) * V::load(a1_ + n * S + o + j)).store(z + j);
            }
        }
        detail::layers_down<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            if constexpr (l > 1) {
                constexpr std::size_t op = unit_col(l - 1), npp = pad(Layout::widths[l - 1]);
                reverse_layer<l>(w, z_ + unit_col(l), S, hb_ + op, S, G);
                for (std::size_t n = 0; n < G; ++n)
                    for (std::size_t i = 0; i < npp; i += W) {
                        const std::size_t k = n * S + op + i;
                        (V::load(hb_ + k) * V::load(a1_ + k)).store(z_ + k);
                    }
            } else {
                reverse_layer<1>(w, z_ + unit_col(1), S, gx, DP, G);
            }
        });
    }

    /// Pass 2 along every direction (after forward and after v1/v2 are set):
    /// fdot1, fdot2, fddot2.
    void tangents(const T* p) noexcept {
        static_assert(directional, "tangents need directions (K1 + K2 > 0)");
        using simd::fma;
        detail::layers_up<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = Layout::widths[l], nin = Layout::widths[l - 1];
            constexpr std::size_t np = pad(nout), o = unit_col(l);
            const T* Wt = p + Layout::weight_offset(l);
            const T* nobias = nullptr;
            if constexpr (K1 > 0) {
                if constexpr (l == 1) {
                    detail::gemm<nout, nin, np, nout, 1>(Wt, nobias, v1, DP, u1_ + o, S, R1);
                } else {
                    detail::gemm<nout, nin, np, nout, 1>(Wt, nobias, t1_ + unit_col(l - 1), S,
                                                         u1_ + o, S, R1);
                }
                for (std::size_t k = 0; k < K1; ++k)
                    for (std::size_t n = 0; n < G; ++n)
                        for (std::size_t j = 0; j < np; j += W) {
                            const std::size_t c = (k * G + n) * S + o + j;
                            (V::load(a1_ + n * S + o + j) * V::load(u1_ + c)).store(t1_ + c);
                        }
            }
            if constexpr (K2 > 0) {
                if constexpr (l == 1 && Basis) {
                    // u = column k of W_1 (v = e_k) = stored row k, for every point.
                    for (std::size_t k = 0; k < K2; ++k)
                        for (std::size_t n = 0; n < G; ++n) {
                            T* u = u2_ + (k * G + n) * S + o;
                            for (std::size_t j = 0; j < nout; ++j) u[j] = Wt[k * nout + j];
                            for (std::size_t j = nout; j < np; ++j) u[j] = T(0);
                        }
                } else if constexpr (l == 1) {
                    detail::gemm<nout, nin, np, nout, 1>(Wt, nobias, v2, DP, u2_ + o, S, R2);
                } else {
                    constexpr std::size_t op = unit_col(l - 1);
                    detail::gemm<nout, nin, np, nout, 1>(Wt, nobias, t2_ + op, S, u2_ + o, S, R2);
                    detail::gemm<nout, nin, np, nout, 1>(Wt, nobias, c2_ + op, S, q2_ + o, S, R2);
                }
                for (std::size_t k = 0; k < K2; ++k)
                    for (std::size_t n = 0; n < G; ++n)
                        for (std::size_t j = 0; j < np; j += W) {
                            const std::size_t c = (k * G + n) * S + o + j;
                            const V a1 = V::load(a1_ + n * S + o + j);
                            const V a2 = V::load(a2_ + n * S + o + j);
                            const V u = V::load(u2_ + c);
                            (a1 * u).store(t2_ + c);
                            if constexpr (l == 1) {
                                ((a2 * u) * u).store(c2_ + c); // q_1 = 0
                            } else {
                                fma(a2 * u, u, a1 * V::load(q2_ + c)).store(c2_ + c);
                            }
                        }
            }
        });
        const T* w = p + Layout::output_weight_offset;
        constexpr std::size_t o = unit_col(L);
        constexpr std::size_t n = Layout::last_width;
        for (std::size_t r = 0; r < R1; ++r) fdot1[r] = detail::dot_out<n>(w, t1_ + r * S + o);
        for (std::size_t r = 0; r < R2; ++r) {
            fdot2[r] = detail::dot_out<n>(w, t2_ + r * S + o);
            fddot2[r] = detail::dot_out<n>(w, c2_ + r * S + o);
        }
    }

    /// Pass 3 for l = sum over rows of gamma f + alpha fdot + beta fddot
    /// (after forward, tangents when there are directions, and after gamma,
    /// alpha1, alpha2, beta2 are set; rows of points beyond `valid` must have
    /// zero coefficients), then grad[param_count] += grad_theta l, using
    /// points 0..valid-1 only. It overwrites the tangents' u and q with their
    /// adjoints: run tangents() again before another backward().
    void backward(PassWeights<T> w, std::size_t valid, T* grad) noexcept {
        using simd::fma;
        const T* p = w.p;
        {
            // Seeds at the last hidden layer: Hbar = gamma w, Tbar = alpha w,
            // Cbar = beta w.
            constexpr std::size_t o = unit_col(L), np = pad(Layout::last_width);
            constexpr std::size_t n = Layout::last_width;
            const T* wo = p + Layout::output_weight_offset;
            for (std::size_t r = 0; r < G; ++r)
                detail::scale_to<n, np>(gamma[r], wo, hb_ + r * S + o);
            for (std::size_t r = 0; r < R1; ++r)
                detail::scale_to<n, np>(alpha1[r], wo, tb1_ + r * S + o);
            for (std::size_t r = 0; r < R2; ++r) {
                detail::scale_to<n, np>(alpha2[r], wo, tb2_ + r * S + o);
                detail::scale_to<n, np>(beta2[r], wo, cb2_ + r * S + o);
            }
        }
        output_layer_grad(valid, grad + Layout::output_weight_offset);

        detail::layers_down<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t np = pad(Layout::widths[l]), o = unit_col(l);
            const V two(T(2));
            for (std::size_t n = 0; n < G; ++n)
                for (std::size_t j = 0; j < np; j += W) {
                    const std::size_t e = n * S + o + j;
                    const V a1 = V::load(a1_ + e);
                    V zs(T(0));
                    if constexpr (K1 > 0) {
                        const V a2 = V::load(a2_ + e);
                        for (std::size_t k = 0; k < K1; ++k) {
                            const std::size_t c = (k * G + n) * S + o + j;
                            const V tb = V::load(tb1_ + c);
                            const V u = V::load(u1_ + c);
                            (tb * a1).store(u1_ + c); // Ubar
                            const V zl = tb * (a2 * u);
                            zs = k == 0 ? zl : zs + zl;
                        }
                    }
                    if constexpr (K2 > 0) {
                        const V a2 = V::load(a2_ + e), a3 = V::load(a3_ + e);
                        for (std::size_t k = 0; k < K2; ++k) {
                            const std::size_t c = (k * G + n) * S + o + j;
                            const V tb = V::load(tb2_ + c), cb = V::load(cb2_ + c);
                            const V u = V::load(u2_ + c);
                            const V a2u = a2 * u;
                            V zl;
                            if constexpr (l == 1) {
                                zl = fma(cb, (a3 * u) * u, tb * a2u);
                            } else {
                                zl = fma(cb, fma(a3 * u, u, a2 * V::load(q2_ + c)), tb * a2u);
                            }
                            fma(two * cb, a2u, tb * a1).store(u2_ + c); // Ubar
                            (cb * a1).store(q2_ + c);                   // Qbar
                            zs = (K1 == 0 && k == 0) ? zl : zs + zl;
                        }
                    }
                    fma(V::load(hb_ + e), a1, zs).store(z_ + e); // + Hbar act'
                }
            if constexpr (l > 1) {
                // Adjoints of layer l-1: Tbar, Cbar per direction, Hbar shared.
                constexpr std::size_t op = unit_col(l - 1);
                if constexpr (K1 > 0) reverse_layer<l>(w, u1_ + o, S, tb1_ + op, S, R1);
                if constexpr (K2 > 0) {
                    reverse_layer<l>(w, u2_ + o, S, tb2_ + op, S, R2);
                    reverse_layer<l>(w, q2_ + o, S, cb2_ + op, S, R2);
                }
                reverse_layer<l>(w, z_ + o, S, hb_ + op, S, G);
            }
            layer_grad<l>(valid, grad);
        });
    }

    /// Hidden layer l's activations of point n (after forward).
    const T* hidden(std::size_t n, std::size_t l) const noexcept {
        return h_ + n * S + unit_col(l);
    }

private:
    static constexpr std::size_t kMaxSteps = G * (1 + K1 + 2 * K2);
    static constexpr std::size_t kTangentRows = directional ? G * S : 1;

    // out = W_l^T in for `rows` rows: the reverse copy when there is one,
    // else the stored weights one lane at a time (the same sums).
    template <std::size_t l>
    static void reverse_layer(PassWeights<T> w, const T* in, std::size_t ldi, T* out,
                              std::size_t ldo, std::size_t rows) noexcept {
        constexpr std::size_t nout = Layout::widths[l], nin = Layout::widths[l - 1];
        const T* nobias = nullptr;
        if (w.rev) {
            detail::gemm<nin, nout, pad(nin), nin, 1>(w.rev + ReverseWeights<Spec>::offset(l),
                                                      nobias, in, ldi, out, ldo, rows);
        } else {
            detail::gemm<nin, nout, pad(nin), 1, nout>(w.p + Layout::weight_offset(l), nobias, in,
                                                       ldi, out, ldo, rows);
        }
    }

    // grad of w and b: per point, gamma h, then alpha t (first-order), then
    // alpha t, beta c (second-order); b gets the gammas.
    void output_layer_grad(std::size_t valid, T* gw) noexcept {
        constexpr std::size_t o = unit_col(L);
        std::size_t s = 0;
        for (std::size_t n = 0; n < valid; ++n) {
            steps_[s++] = {gamma + n, h_ + n * S + o};
            for (std::size_t k = 0; k < K1; ++k) {
                const std::size_t r = k * G + n;
                steps_[s++] = {alpha1 + r, t1_ + r * S + o};
            }
            for (std::size_t k = 0; k < K2; ++k) {
                const std::size_t r = k * G + n;
                steps_[s++] = {alpha2 + r, t2_ + r * S + o};
                steps_[s++] = {beta2 + r, c2_ + r * S + o};
            }
        }
        detail::rank_update<1, Layout::last_width>(gw, steps_, s);
        T gb = gw[Layout::last_width];
        for (std::size_t n = 0; n < valid; ++n) gb += gamma[n];
        gw[Layout::last_width] = gb;
    }

    // grad of W_l (input-major, nin x nout) and b_l.
    template <std::size_t l>
    void layer_grad(std::size_t valid, T* grad) noexcept {
        using simd::fma;
        constexpr std::size_t nout = Layout::widths[l], nin = Layout::widths[l - 1];
        constexpr std::size_t o = unit_col(l);
        constexpr std::size_t op = l > 1 ? unit_col(l - 1) : 0;
        T* gW = grad + Layout::weight_offset(l);
        T* gb = grad + Layout::bias_offset(l);
        constexpr std::size_t nv = nout / W * W;
        if constexpr (l == 1 && Basis) {
            // t_0 = e_k: the Ubar e_k^T term touches row k only; c_0 = 0. Per
            // row i and pack j: per point Z x_i, the K1 terms, then Ubar of
            // direction i.
            for (std::size_t i = 0; i < nin; ++i) {
                T* row = gW + i * nout;
                for (std::size_t j = 0; j < nv; j += W) {
                    V acc = V::load(row + j);
                    for (std::size_t n = 0; n < valid; ++n) {
                        acc = fma(V::load(z_ + n * S + o + j), V(x[n * DP + i]), acc);
                        for (std::size_t k = 0; k < K1; ++k)
                            acc = fma(V::load(u1_ + (k * G + n) * S + o + j),
                                      V(v1[(k * G + n) * DP + i]), acc);
                        acc = acc + V::load(u2_ + (i * G + n) * S + o + j);
                    }
                    acc.store(row + j);
                }
                for (std::size_t j = nv; j < nout; ++j) {
                    T acc = row[j];
                    for (std::size_t n = 0; n < valid; ++n) {
                        acc = fma(z_[n * S + o + j], x[n * DP + i], acc);
                        for (std::size_t k = 0; k < K1; ++k)
                            acc = fma(u1_[(k * G + n) * S + o + j], v1[(k * G + n) * DP + i], acc);
                        acc = acc + u2_[(i * G + n) * S + o + j];
                    }
                    row[j] = acc;
                }
            }
        } else {
            std::size_t s = 0;
            for (std::size_t n = 0; n < valid; ++n) {
                steps_[s++] = {l > 1 ? h_ + n * S + op : x + n * DP, z_ + n * S + o};
                for (std::size_t k = 0; k < K1; ++k) {
                    const std::size_t r = k * G + n;
                    steps_[s++] = {l > 1 ? t1_ + r * S + op : v1 + r * DP, u1_ + r * S + o};
                }
                for (std::size_t k = 0; k < K2; ++k) {
                    const std::size_t r = k * G + n;
                    steps_[s++] = {l > 1 ? t2_ + r * S + op : v2 + r * DP, u2_ + r * S + o};
                    if (l > 1) steps_[s++] = {c2_ + r * S + op, q2_ + r * S + o};
                }
            }
            detail::rank_update<nin, nout>(gW, steps_, s);
        }
        // gb[j] += Zbar[n][j] for n < valid, in n order: SIMD across j.
        for (std::size_t j = 0; j < nv; j += W) {
            V acc = V::load(gb + j);
            for (std::size_t n = 0; n < valid; ++n) acc = acc + V::load(z_ + n * S + o + j);
            acc.store(gb + j);
        }
        for (std::size_t j = nv; j < nout; ++j) {
            T acc = gb[j];
            for (std::size_t n = 0; n < valid; ++n) acc += z_[n * S + o + j];
            gb[j] = acc;
        }
    }

    alignas(EMBER_ALIGN) T h_[G * S];
    alignas(EMBER_ALIGN) T a1_[G * S];
    alignas(EMBER_ALIGN) T a2_[kTangentRows];
    alignas(EMBER_ALIGN) T a3_[second ? G * S : 1];
    alignas(EMBER_ALIGN) T z_[G * S];  // pass-1 adjoint d, then the sum of Zbar
    alignas(EMBER_ALIGN) T hb_[G * S]; // pass-1 g / Hbar of the layer below
    alignas(EMBER_ALIGN) T u1_[detail::at_least_one(R1 * S)]; // u, then Ubar
    alignas(EMBER_ALIGN) T t1_[detail::at_least_one(R1 * S)];
    alignas(EMBER_ALIGN) T tb1_[detail::at_least_one(R1 * S)]; // Tbar
    alignas(EMBER_ALIGN) T u2_[detail::at_least_one(R2 * S)];  // u, then Ubar
    alignas(EMBER_ALIGN) T q2_[detail::at_least_one(R2 * S)];  // q, then Qbar
    alignas(EMBER_ALIGN) T t2_[detail::at_least_one(R2 * S)];
    alignas(EMBER_ALIGN) T c2_[detail::at_least_one(R2 * S)];
    alignas(EMBER_ALIGN) T tb2_[detail::at_least_one(R2 * S)]; // Tbar
    alignas(EMBER_ALIGN) T cb2_[detail::at_least_one(R2 * S)]; // Cbar
    detail::RankStep<T> steps_[kMaxSteps];
};

} // namespace ember
