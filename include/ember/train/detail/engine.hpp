// ember — the batched passes behind the score-matching losses (internal).
//
// `Engine` runs the passes of docs/math.md for a chunk of G points at once
// and accumulates the parameter gradient point by point:
//
//   forward      z, h, act', act'', act''' of every point (shared by all
//                directions of that point);
//   grad_x       pass 1 reverse with fbar = 1 (grad_x f of every point);
//   tangents     pass 2 along K1 first-order directions (u, t only: the loss
//                has no fddot term for them) and K2 second-order directions
//                (u, q, t, c), or along the basis e_1..e_D (exact SM);
//   backward     pass 3 with per-row coefficients alpha (of fdot) and beta
//                (of fddot), then the parameter gradient.
//
// The adjoint Hbar is linear and its coefficient act' is shared by all
// directions of a point, so only the sum over directions of Zbar is
// propagated (one W^T per layer instead of one per direction), and the outer
// product with h uses that sum (docs/math.md).
//
// Layout: one row per point (arrays of G rows) or per point-direction pair
// (row k * G + n for direction k of point n); a row holds every hidden unit,
// layer l at column unit_col(l), each layer padded to whole SIMD packs (pad
// lanes hold finite values that are never read back into real ones). Rows
// are what the kernels block in registers, units are the SIMD lanes, and a
// point's vectors are contiguous, so the gradient's outer products need no
// transposition.
//
// Determinism: every value of a point is computed by the same operations in
// the same order whatever the SIMD width; the gradient of every parameter is
// one chain of fmas over the valid points in index order and, within a
// point, over the terms Z h, then first-order directions (Ubar t), then
// second-order directions (Ubar t, Qbar c) in index order. Chunks are
// consecutive runs of points, so chunking does not change that order either.
#pragma once

#include "ember/simd.hpp"
#include "ember/train/detail/kernels.hpp"

#include <cstddef>
#include <type_traits>
#include <utility>

namespace ember::train::detail {

constexpr std::size_t at_least_one(std::size_t n) noexcept { return n == 0 ? 1 : n; }

template <class F, std::size_t... I>
inline void layers_up_impl(F& f, std::index_sequence<I...>) noexcept {
    (f(std::integral_constant<std::size_t, I + 1>{}), ...);
}
template <std::size_t L, class F, std::size_t... I>
inline void layers_down_impl(F& f, std::index_sequence<I...>) noexcept {
    (f(std::integral_constant<std::size_t, L - I>{}), ...);
}
/// f(integral_constant<l>) for l = 1..L.
template <std::size_t L, class F>
inline void layers_up(F&& f) noexcept {
    layers_up_impl(f, std::make_index_sequence<L>{});
}
/// f(integral_constant<l>) for l = L..1.
template <std::size_t L, class F>
inline void layers_down(F&& f) noexcept {
    layers_down_impl<L>(f, std::make_index_sequence<L>{});
}

/// Batched passes for a chunk of G points with K1 first-order and K2
/// second-order directions per point (Basis: the K2 = D directions are the
/// unit vectors, as in exact score matching).
template <class Net, std::size_t K1, std::size_t K2, bool Basis, std::size_t G>
class Engine {
public:
    using T = typename Net::value_type;
    using Act = typename Net::activation;
    using V = simd::Pack<T>;
    static constexpr std::size_t W = V::width;
    static constexpr std::size_t D = Net::input_dim;
    static constexpr std::size_t L = Net::hidden_layers;
    static constexpr std::size_t points = G;
    static constexpr bool second = K2 > 0;
    static constexpr std::size_t R1 = K1 * G; ///< first-order rows
    static constexpr std::size_t R2 = K2 * G; ///< second-order rows

    static constexpr std::size_t pad(std::size_t n) noexcept { return (n + W - 1) / W * W; }
    /// Column of hidden layer l's first unit in a row.
    static constexpr std::size_t unit_col(std::size_t l) noexcept {
        std::size_t c = 0;
        for (std::size_t k = 1; k < l; ++k) c += pad(Net::widths[k]);
        return c;
    }
    static constexpr std::size_t S = unit_col(L + 1); ///< row stride of unit arrays
    static constexpr std::size_t DP = pad(D);         ///< row stride of input arrays
    /// Offset of layer l's transposed weights in the prepared weights.
    static constexpr std::size_t wt_offset(std::size_t l) noexcept {
        std::size_t o = 0;
        for (std::size_t k = 1; k < l; ++k) o += pad(Net::widths[k]) * (Net::widths[k - 1] + 1);
        return o;
    }
    static constexpr std::size_t wt_size = wt_offset(L + 1) + pad(Net::last_width);

    static_assert(G > 0, "at least one point per chunk");
    static_assert(!Basis || K2 == D, "basis directions: K2 must equal the input dimension");
    static_assert(K1 + K2 > 0, "at least one direction");

    // Dense multiply-adds per point of each pass (the work the kernels do;
    // element-wise activation and adjoint arithmetic is not counted).
    static constexpr std::size_t dense_macs(std::size_t from_layer) noexcept {
        std::size_t m = 0;
        for (std::size_t l = from_layer; l <= L; ++l) m += Net::widths[l] * Net::widths[l - 1];
        return m;
    }
    static constexpr std::size_t forward_macs = dense_macs(1) + Net::last_width;
    static constexpr std::size_t grad_x_macs = dense_macs(1);
    /// tangents + backward + parameter gradient, per point.
    static constexpr std::size_t direction_macs =
        K1 * (dense_macs(1) + Net::last_width + dense_macs(2) + Net::last_width) +
        K2 * ((Basis ? 0 : Net::widths[1] * D) + 2 * dense_macs(2) + 2 * Net::last_width +
              2 * dense_macs(2) + 2 * Net::last_width) +
        dense_macs(2) +                                  // Hbar
        (Basis ? 1 : 1 + K1 + K2) * Net::widths[1] * D + // layer-1 gradient
        (1 + K1 + 2 * K2) * dense_macs(2);               // upper layers' gradient

    // ---- inputs, written by the loss before the passes ----------------------
    alignas(EMBER_ALIGN) T x[G * DP] = {};                               ///< point n: x + n * DP
    alignas(EMBER_ALIGN) T v1[at_least_one(R1) * DP] = {};               ///< first-order directions
    alignas(EMBER_ALIGN) T v2[(Basis ? 1 : at_least_one(R2)) * DP] = {}; ///< second-order
    alignas(EMBER_ALIGN) T alpha1[at_least_one(R1)] = {};                ///< coefficient of fdot
    alignas(EMBER_ALIGN) T alpha2[at_least_one(R2)] = {};                ///< coefficient of fdot
    alignas(EMBER_ALIGN) T beta2[at_least_one(R2)] = {};                 ///< coefficient of fddot

    // ---- outputs of the passes ----------------------------------------------
    alignas(EMBER_ALIGN) T f[G] = {};       ///< f of each point
    alignas(EMBER_ALIGN) T gx[G * DP] = {}; ///< grad_x f, row n
    alignas(EMBER_ALIGN) T fdot1[at_least_one(R1)] = {};
    alignas(EMBER_ALIGN) T fdot2[at_least_one(R2)] = {};
    alignas(EMBER_ALIGN) T fddot2[at_least_one(R2)] = {};

    /// Rearranges the parameters for the kernels (once per parameter vector:
    /// call before the passes whenever the parameters have changed).
    void prepare(const T* p) noexcept {
        layers_up<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = Net::widths[l], nin = Net::widths[l - 1], np = pad(nout);
            T* blk = wt_ + wt_offset(l);
            const T* Wl = p + Net::weight_offset(l);
            const T* bl = p + Net::bias_offset(l);
            for (std::size_t j = 0; j < np; ++j) blk[j] = j < nout ? bl[j] : T(0);
            for (std::size_t i = 0; i < nin; ++i)
                for (std::size_t j = 0; j < np; ++j)
                    blk[np + i * np + j] = j < nout ? Wl[j * nin + i] : T(0);
        });
        T* wo = wt_ + wt_offset(L + 1);
        for (std::size_t j = 0; j < pad(Net::last_width); ++j)
            wo[j] = j < Net::last_width ? p[Net::output_weight_offset + j] : T(0);
    }

    /// Forward pass of the G points in x: f, h and act' .. act'''.
    void forward(const T* p) noexcept {
        using simd::fma;
        layers_up<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nin = Net::widths[l - 1], np = pad(Net::widths[l]);
            constexpr std::size_t o = unit_col(l);
            const T* blk = wt_ + wt_offset(l);
            if constexpr (l == 1) {
                mm<np, nin>(blk + np, blk, x, DP, h_ + o, S, G);
            } else {
                mm<np, nin>(blk + np, blk, h_ + unit_col(l - 1), S, h_ + o, S, G);
            }
            for (std::size_t n = 0; n < G; ++n)
                for (std::size_t j = 0; j < np; j += W) {
                    const std::size_t k = n * S + o + j;
                    V a0, d1, d2, d3;
                    Act::eval3(V::load(h_ + k), a0, d1, d2, d3);
                    a0.store(h_ + k);
                    d1.store(a1_ + k);
                    d2.store(a2_ + k);
                    if constexpr (second) d3.store(a3_ + k);
                }
        });
        const T* w = p + Net::output_weight_offset;
        constexpr std::size_t o = unit_col(L);
        for (std::size_t n = 0; n < G; ++n)
            f[n] = dot_from(p[Net::output_bias_offset], w, h_ + n * S + o);
    }

    /// Pass 1 reverse with fbar = 1: gx = grad_x f (after forward).
    void grad_x(const T* p) noexcept {
        {
            constexpr std::size_t o = unit_col(L), np = pad(Net::last_width);
            const T* wo = wt_ + wt_offset(L + 1);
            for (std::size_t n = 0; n < G; ++n)
                for (std::size_t j = 0; j < np; j += W)
                    (V::load(wo + j) * V::load(a1_ + n * S + o + j)).store(z_ + n * S + o + j);
        }
        layers_down<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = Net::widths[l], nin = Net::widths[l - 1];
            const T* Wl = p + Net::weight_offset(l);
            if constexpr (l > 1) {
                constexpr std::size_t op = unit_col(l - 1), npp = pad(nin);
                mm_t<nout, nin>(Wl, z_ + unit_col(l), S, hb_ + op, S, G);
                for (std::size_t n = 0; n < G; ++n)
                    for (std::size_t i = 0; i < npp; i += W) {
                        const std::size_t k = n * S + op + i;
                        (V::load(hb_ + k) * V::load(a1_ + k)).store(z_ + k);
                    }
            } else {
                mm_t<nout, nin>(Wl, z_ + unit_col(1), S, gx, DP, G);
            }
        });
    }

    /// Pass 2 along every direction (after forward and after v1/v2 are set):
    /// fdot1, fdot2, fddot2.
    void tangents(const T* p) noexcept {
        using simd::fma;
        layers_up<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nin = Net::widths[l - 1], np = pad(Net::widths[l]);
            constexpr std::size_t o = unit_col(l);
            const T* WT = wt_ + wt_offset(l) + np;
            const T* nobias = nullptr;
            if constexpr (K1 > 0) {
                if constexpr (l == 1) {
                    mm<np, nin>(WT, nobias, v1, DP, u1_ + o, S, R1);
                } else {
                    mm<np, nin>(WT, nobias, t1_ + unit_col(l - 1), S, u1_ + o, S, R1);
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
                    // u = column k of W_1 (v = e_k) = row k of W_1^T, for every point.
                    for (std::size_t k = 0; k < K2; ++k)
                        for (std::size_t n = 0; n < G; ++n)
                            for (std::size_t j = 0; j < np; j += W)
                                V::load(WT + k * np + j).store(u2_ + (k * G + n) * S + o + j);
                } else if constexpr (l == 1) {
                    mm<np, nin>(WT, nobias, v2, DP, u2_ + o, S, R2);
                } else {
                    constexpr std::size_t op = unit_col(l - 1);
                    mm<np, nin>(WT, nobias, t2_ + op, S, u2_ + o, S, R2);
                    mm<np, nin>(WT, nobias, c2_ + op, S, q2_ + o, S, R2);
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
        const T* w = p + Net::output_weight_offset;
        constexpr std::size_t o = unit_col(L);
        if constexpr (K1 > 0) dots(w, t1_ + o, R1, fdot1);
        if constexpr (K2 > 0) {
            dots(w, t2_ + o, R2, fdot2);
            dots(w, c2_ + o, R2, fddot2);
        }
    }

    /// Pass 3 for l = sum over rows of alpha fdot + beta fddot (after
    /// tangents and after alpha1/alpha2/beta2 are set; rows of points beyond
    /// `valid` must have zero coefficients), then
    /// grad[param_count] += grad_theta l, using points 0..valid-1 only.
    void backward(const T* p, std::size_t valid, T* grad) noexcept {
        using simd::fma;
        {
            // Seeds at the last hidden layer: Tbar = alpha w_L, Cbar = beta w_L.
            constexpr std::size_t o = unit_col(L), np = pad(Net::last_width);
            const T* wo = wt_ + wt_offset(L + 1);
            for (std::size_t j = 0; j < np; j += W) {
                const V wj = V::load(wo + j);
                for (std::size_t r = 0; r < R1; ++r)
                    (V(alpha1[r]) * wj).store(tb1_ + r * S + o + j);
                for (std::size_t r = 0; r < R2; ++r) {
                    (V(alpha2[r]) * wj).store(tb2_ + r * S + o + j);
                    (V(beta2[r]) * wj).store(cb2_ + r * S + o + j);
                }
            }
        }
        output_layer_grad(valid, grad + Net::output_weight_offset);

        layers_down<L>([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = Net::widths[l], nin = Net::widths[l - 1], np = pad(nout);
            constexpr std::size_t o = unit_col(l);
            const V two(T(2));
            for (std::size_t n = 0; n < G; ++n)
                for (std::size_t j = 0; j < np; j += W) {
                    const std::size_t e = n * S + o + j;
                    const V a1 = V::load(a1_ + e), a2 = V::load(a2_ + e);
                    V zs(T(0));
                    bool first = true;
                    if constexpr (K1 > 0)
                        for (std::size_t k = 0; k < K1; ++k) {
                            const std::size_t c = (k * G + n) * S + o + j;
                            const V tb = V::load(tb1_ + c);
                            const V u = V::load(u1_ + c);
                            (tb * a1).store(u1_ + c); // Ubar
                            const V zl = tb * (a2 * u);
                            zs = first ? zl : zs + zl;
                            first = false;
                        }
                    if constexpr (K2 > 0) {
                        const V a3 = V::load(a3_ + e);
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
                            zs = first ? zl : zs + zl;
                            first = false;
                        }
                    }
                    if (l < L) zs = fma(V::load(hb_ + e), a1, zs); // + Hbar act'
                    zs.store(z_ + e);
                }
            if constexpr (l > 1) {
                // Adjoints of layer l-1: Tbar, Cbar per direction, Hbar shared.
                constexpr std::size_t op = unit_col(l - 1);
                const T* Wl = p + Net::weight_offset(l);
                if constexpr (K1 > 0) mm_t<nout, nin>(Wl, u1_ + o, S, tb1_ + op, S, R1);
                if constexpr (K2 > 0) {
                    mm_t<nout, nin>(Wl, u2_ + o, S, tb2_ + op, S, R2);
                    mm_t<nout, nin>(Wl, q2_ + o, S, cb2_ + op, S, R2);
                }
                mm_t<nout, nin>(Wl, z_ + o, S, hb_ + op, S, G);
            }
            layer_grad<l>(valid, grad);
        });
    }

private:
    static constexpr std::size_t kMaxSteps = G * (1 + K1 + 2 * K2);

    // b + sum_j w[j] v[j], j ascending (the chain of Mlp's output layer).
    static T dot_from(T b, const T* w, const T* v) noexcept {
        T s = b;
        for (std::size_t j = 0; j < Net::last_width; ++j) s = simd::fma(w[j], v[j], s);
        return s;
    }
    // out[r] = dot_from(0, w, v + r * S) for r < rows, four chains at a time.
    static void dots(const T* w, const T* v, std::size_t rows, T* out) noexcept {
        using simd::fma;
        const std::size_t rb = rows / 4 * 4;
        for (std::size_t r = 0; r < rb; r += 4) {
            const T* v0 = v + r * S;
            T s0(0), s1(0), s2(0), s3(0);
            for (std::size_t j = 0; j < Net::last_width; ++j) {
                s0 = fma(w[j], v0[j], s0);
                s1 = fma(w[j], v0[S + j], s1);
                s2 = fma(w[j], v0[2 * S + j], s2);
                s3 = fma(w[j], v0[3 * S + j], s3);
            }
            out[r] = s0;
            out[r + 1] = s1;
            out[r + 2] = s2;
            out[r + 3] = s3;
        }
        for (std::size_t r = rb; r < rows; ++r) out[r] = dot_from(T(0), w, v + r * S);
    }

    // grad of w_L: per point, alpha t (first-order), alpha t, beta c (second).
    void output_layer_grad(std::size_t valid, T* gw) noexcept {
        constexpr std::size_t o = unit_col(L);
        std::size_t s = 0;
        for (std::size_t n = 0; n < valid; ++n) {
            if constexpr (K1 > 0)
                for (std::size_t k = 0; k < K1; ++k) {
                    const std::size_t r = k * G + n;
                    steps_[s++] = {alpha1 + r, t1_ + r * S + o};
                }
            if constexpr (K2 > 0)
                for (std::size_t k = 0; k < K2; ++k) {
                    const std::size_t r = k * G + n;
                    steps_[s++] = {alpha2 + r, t2_ + r * S + o};
                    steps_[s++] = {beta2 + r, c2_ + r * S + o};
                }
        }
        rank_update<1, Net::last_width>(gw, steps_, s);
    }

    template <std::size_t l>
    void layer_grad(std::size_t valid, T* grad) noexcept {
        using simd::fma;
        constexpr std::size_t nout = Net::widths[l], nin = Net::widths[l - 1];
        constexpr std::size_t o = unit_col(l);
        constexpr std::size_t op = l > 1 ? unit_col(l - 1) : 0;
        T* gW = grad + Net::weight_offset(l);
        T* gb = grad + Net::bias_offset(l);
        if constexpr (l == 1 && Basis) {
            // t_0 = e_k: the Ubar e_k^T term touches column k only; c_0 = 0.
            // Per column i, SIMD down the rows j: the column is gathered once
            // per chunk, then per point Z x_i and (K1 terms and) Ubar_i added.
            constexpr std::size_t nb = nout / W * W;
            alignas(EMBER_ALIGN) T col[pad(nout)];
            for (std::size_t i = 0; i < nin; ++i) {
                for (std::size_t j = 0; j < nout; ++j) col[j] = gW[j * nin + i];
                for (std::size_t n = 0; n < valid; ++n) {
                    const T xi = x[n * DP + i];
                    const T* zr = z_ + n * S + o;
                    const T* ur = u2_ + (i * G + n) * S + o;
                    for (std::size_t j = 0; j < nb; j += W) {
                        V acc = fma(V::load(zr + j), V(xi), V::load(col + j));
                        if constexpr (K1 > 0)
                            for (std::size_t k = 0; k < K1; ++k)
                                acc = fma(V::load(u1_ + (k * G + n) * S + o + j),
                                          V(v1[(k * G + n) * DP + i]), acc);
                        (acc + V::load(ur + j)).store(col + j);
                    }
                    for (std::size_t j = nb; j < nout; ++j) {
                        T acc = fma(zr[j], xi, col[j]);
                        if constexpr (K1 > 0)
                            for (std::size_t k = 0; k < K1; ++k)
                                acc = fma(u1_[(k * G + n) * S + o + j], v1[(k * G + n) * DP + i],
                                          acc);
                        col[j] = acc + ur[j];
                    }
                }
                for (std::size_t j = 0; j < nout; ++j) gW[j * nin + i] = col[j];
            }
        } else {
            std::size_t s = 0;
            for (std::size_t n = 0; n < valid; ++n) {
                steps_[s++] = {z_ + n * S + o, l > 1 ? h_ + n * S + op : x + n * DP};
                if constexpr (K1 > 0)
                    for (std::size_t k = 0; k < K1; ++k) {
                        const std::size_t r = k * G + n;
                        steps_[s++] = {u1_ + r * S + o, l > 1 ? t1_ + r * S + op : v1 + r * DP};
                    }
                if constexpr (K2 > 0)
                    for (std::size_t k = 0; k < K2; ++k) {
                        const std::size_t r = k * G + n;
                        steps_[s++] = {u2_ + r * S + o, l > 1 ? t2_ + r * S + op : v2 + r * DP};
                        if (l > 1) steps_[s++] = {q2_ + r * S + o, c2_ + r * S + op};
                    }
            }
            rank_update<nout, nin>(gW, steps_, s);
        }
        // gb[j] += Zbar[n][j] for n < valid, in n order: SIMD across j.
        for (std::size_t j = 0; j + W <= nout; j += W) {
            V acc = V::load(gb + j);
            for (std::size_t n = 0; n < valid; ++n) acc = acc + V::load(z_ + n * S + o + j);
            acc.store(gb + j);
        }
        for (std::size_t j = nout / W * W; j < nout; ++j) {
            T acc = gb[j];
            for (std::size_t n = 0; n < valid; ++n) acc += z_[n * S + o + j];
            gb[j] = acc;
        }
    }

    alignas(EMBER_ALIGN) T wt_[wt_size] = {}; // W_l^T and b_l, padded (prepare)
    alignas(EMBER_ALIGN) T h_[G * S] = {};
    alignas(EMBER_ALIGN) T a1_[G * S] = {};
    alignas(EMBER_ALIGN) T a2_[G * S] = {};
    alignas(EMBER_ALIGN) T a3_[second ? G * S : 1] = {};
    alignas(EMBER_ALIGN) T z_[G * S] = {};                 // pass-1 adjoint d, then the sum of Zbar
    alignas(EMBER_ALIGN) T hb_[G * S] = {};                // pass-1 g / Hbar of the layer below
    alignas(EMBER_ALIGN) T u1_[at_least_one(R1) * S] = {}; // u, then Ubar
    alignas(EMBER_ALIGN) T t1_[at_least_one(R1) * S] = {};
    alignas(EMBER_ALIGN) T tb1_[at_least_one(R1) * S] = {}; // Tbar
    alignas(EMBER_ALIGN) T u2_[at_least_one(R2) * S] = {};  // u, then Ubar
    alignas(EMBER_ALIGN) T q2_[at_least_one(R2) * S] = {};  // q, then Qbar
    alignas(EMBER_ALIGN) T t2_[at_least_one(R2) * S] = {};
    alignas(EMBER_ALIGN) T c2_[at_least_one(R2) * S] = {};
    alignas(EMBER_ALIGN) T tb2_[at_least_one(R2) * S] = {}; // Tbar
    alignas(EMBER_ALIGN) T cb2_[at_least_one(R2) * S] = {}; // Cbar
    RankStep<T> steps_[kMaxSteps] = {};
};

} // namespace ember::train::detail
