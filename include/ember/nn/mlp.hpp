// ember — energy networks sized at compile time.
#pragma once

#include "ember/config.hpp"
#include "ember/nn/activation.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/span.hpp"
#include "ember/status.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace ember {

namespace detail {

template <std::size_t N>
constexpr std::size_t max_of(const std::array<std::size_t, N>& a) noexcept {
    std::size_t m = 0;
    for (std::size_t v : a) m = v > m ? v : m;
    return m;
}
} // namespace detail

/// A multilayer perceptron with a scalar linear output: the unnormalised
/// log-density `f(x)` of an energy-based model (`energy(x) = -f(x)`).
///
///     using Net = ember::Mlp<float, ember::Swish, 16, 64, 64>;
///     Net net;
///     net.init(/*seed=*/1);
///     float x[Net::input_dim] = {};
///     float score = -net.value(x);       // anomaly score = energy
///
/// Layers `l = 1..L-1`: `z_l = W_l h_{l-1} + b_l`, `h_l = act(z_l)`, `h_0 = x`;
/// output `f = w_L . h_{L-1} + b_L`. `W_l` is row-major `[out][in]`. All
/// parameters sit in one flat aligned array (`param_count` values, layer by
/// layer: W_1, b_1, ..., W_{L-1}, b_{L-1}, w_L, b_L), so an optimizer sees one
/// vector and a model can be a view over constant data in flash (`MlpView`).
///
/// The static members are the three passes of docs/math.md, written once for
/// one point (`V = T`) and for a group of points in SIMD lanes
/// (`V = simd::Pack<T>`): the same operations in the same order per lane, so a
/// point gives the same bits whichever way it is evaluated.
template <class T, class Act, std::size_t In, std::size_t... Hidden>
class Mlp {
    static_assert(std::is_floating_point_v<T>, "ember::Mlp: T must be float or double");
    static_assert(sizeof...(Hidden) >= 1,
                  "ember::Mlp needs at least one hidden layer: Mlp<T, Act, In, H1, H2, ...>");
    static_assert(In >= 1 && ((Hidden >= 1) && ...), "ember::Mlp: every layer needs >= 1 unit");

public:
    using value_type = T;
    using activation = Act;
    using pack_type = simd::Pack<T>;

    static constexpr std::size_t input_dim = In;
    static constexpr std::size_t hidden_layers = sizeof...(Hidden);
    /// widths[0] = In, widths[l] = units of hidden layer l.
    static constexpr std::array<std::size_t, hidden_layers + 1> widths{{In, Hidden...}};
    static constexpr std::size_t hidden_units = (Hidden + ...);
    static constexpr std::size_t max_width = detail::max_of(widths);
    static constexpr std::size_t last_width = widths[hidden_layers];

    /// Offset of W_l (l = 1..hidden_layers) in the parameter array.
    static constexpr std::size_t weight_offset(std::size_t l) noexcept {
        std::size_t off = 0;
        for (std::size_t k = 1; k < l; ++k) off += widths[k] * widths[k - 1] + widths[k];
        return off;
    }
    /// Offset of b_l in the parameter array.
    static constexpr std::size_t bias_offset(std::size_t l) noexcept {
        return weight_offset(l) + widths[l] * widths[l - 1];
    }
    static constexpr std::size_t output_weight_offset = weight_offset(hidden_layers + 1);
    static constexpr std::size_t output_bias_offset = output_weight_offset + last_width;
    /// Number of trainable parameters.
    static constexpr std::size_t param_count = output_bias_offset + 1;
    /// Multiply-adds of one forward evaluation (dense layers only).
    static constexpr std::size_t forward_macs = param_count - 1 - hidden_units;

    /// Offset of hidden layer l's units in the per-unit tape arrays.
    static constexpr std::size_t unit_offset(std::size_t l) noexcept {
        std::size_t off = 0;
        for (std::size_t k = 1; k < l; ++k) off += widths[k];
        return off;
    }

    /// Forward trace for pass 1 (value, gradient). `d` holds the adjoints d_l
    /// after `reverse`.
    template <class V>
    struct Tape1 {
        V x[In];
        V h[hidden_units];
        V a1[hidden_units];
        V d[hidden_units];
    };
    /// Trace for passes 2 and 3: derivatives up to act''', the tangent
    /// (u, q, t, c) along direction v, and the adjoints (Zbar in d, Ubar, Qbar).
    template <class V>
    struct Tape2 : Tape1<V> {
        V a2[hidden_units];
        V a3[hidden_units];
        V v[In];
        V u[hidden_units];
        V q[hidden_units];
        V t[hidden_units];
        V c[hidden_units];
        V ubar[hidden_units];
        V qbar[hidden_units];
    };

    /// Bytes of the workspaces, known at compile time.
    static constexpr std::size_t tape1_bytes = sizeof(Tape1<T>);
    static constexpr std::size_t tape2_bytes = sizeof(Tape2<T>);
    static constexpr std::size_t batch_tape1_bytes = sizeof(Tape1<pack_type>);
    static constexpr std::size_t batch_tape2_bytes = sizeof(Tape2<pack_type>);

    // ------------------------------------------------------------------
    // Pass 1: forward + reverse.
    // ------------------------------------------------------------------

    /// Forward pass from `tp.x`; fills h and a1 (Tape1) or also a2, a3 (Tape2).
    /// Returns f.
    template <class V>
    static V forward(const T* p, Tape1<V>& tp) noexcept {
        return forward_impl<false>(p, tp, static_cast<V*>(nullptr), static_cast<V*>(nullptr));
    }
    template <class V>
    static V forward(const T* p, Tape2<V>& tp) noexcept {
        return forward_impl<true>(p, tp, tp.a2, tp.a3);
    }

    /// Reverse pass for output adjoint `fbar`: fills `tp.d` and, when `gx` is
    /// not null, `gx[In] = fbar * grad_x f`. Needs a preceding `forward`.
    template <class V>
    static void reverse(const T* p, Tape1<V>& tp, V fbar, V* gx) noexcept {
        constexpr std::size_t L = hidden_layers;
        {
            const T* w = p + output_weight_offset;
            V* g = tp.d + unit_offset(L);
            for (std::size_t j = 0; j < last_width; ++j) g[j] = fbar * V(w[j]);
        }
        for_each_layer_down([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = widths[l];
            constexpr std::size_t nin = widths[l - 1];
            V* d = tp.d + unit_offset(l);
            const V* a1 = tp.a1 + unit_offset(l);
            for (std::size_t j = 0; j < nout; ++j) d[j] = d[j] * a1[j];
            if constexpr (l > 1) {
                matvec_t<nout, nin>(p + weight_offset(l), d, tp.d + unit_offset(l - 1));
            } else {
                if (gx) matvec_t<nout, nin>(p + weight_offset(l), d, gx);
            }
        });
    }

    /// Adds `fbar * grad_theta f` of one point (after forward + reverse with
    /// the same fbar) to `grad[param_count]`.
    static void accumulate_grad(const Tape1<T>& tp, T fbar, T* grad) noexcept {
        using simd::fma;
        constexpr std::size_t L = hidden_layers;
        const T* hl = tp.h + unit_offset(L);
        T* gw = grad + output_weight_offset;
        for (std::size_t j = 0; j < last_width; ++j) gw[j] = fma(fbar, hl[j], gw[j]);
        grad[output_bias_offset] += fbar;
        for (std::size_t l = 1; l <= L; ++l) {
            const T* hprev = l > 1 ? tp.h + unit_offset(l - 1) : tp.x;
            outer(grad + weight_offset(l), grad + bias_offset(l), tp.d + unit_offset(l), hprev,
                  widths[l], widths[l - 1]);
        }
    }

    // ------------------------------------------------------------------
    // Pass 2: second-order tangent along tp.v.
    // ------------------------------------------------------------------

    /// Tangent pass along `tp.v` after `forward(p, tape2)`: returns
    /// `fdot = v . grad f` and `fddot = v^T Hess f v`; fills u, q, t, c.
    template <class V>
    static void tangent(const T* p, Tape2<V>& tp, V& fdot, V& fddot) noexcept {
        using simd::fma;
        constexpr std::size_t L = hidden_layers;
        for_each_layer_up([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = widths[l];
            constexpr std::size_t nin = widths[l - 1];
            constexpr std::size_t o = unit_offset(l);
            const T* w = p + weight_offset(l);
            if constexpr (l > 1) {
                matvec<nout, nin>(w, nullptr, tp.t + unit_offset(l - 1), tp.u + o);
                matvec<nout, nin>(w, nullptr, tp.c + unit_offset(l - 1), tp.q + o);
            } else {
                matvec<nout, nin>(w, nullptr, tp.v, tp.u + o);
                for (std::size_t j = 0; j < nout; ++j) tp.q[o + j] = V(T(0));
            }
            for (std::size_t j = 0; j < nout; ++j) {
                const V u = tp.u[o + j];
                tp.t[o + j] = tp.a1[o + j] * u;
                tp.c[o + j] = fma(tp.a2[o + j] * u, u, tp.a1[o + j] * tp.q[o + j]);
            }
        });
        const T* w = p + output_weight_offset;
        const std::size_t o = unit_offset(L);
        V fd(T(0)), fdd(T(0));
        for (std::size_t j = 0; j < last_width; ++j) {
            fd = fma(V(w[j]), tp.t[o + j], fd);
            fdd = fma(V(w[j]), tp.c[o + j], fdd);
        }
        fdot = fd;
        fddot = fdd;
    }

    // ------------------------------------------------------------------
    // Pass 3: reverse over the tangent pass.
    // ------------------------------------------------------------------

    /// Reverse of `l = alpha fdot + beta fddot + gamma f` after `forward` and
    /// `tangent`: fills Zbar (in d), Ubar, Qbar, and `gx[In] = grad_x l` (v
    /// held constant) when `gx` is not null.
    template <class V>
    static void tangent_reverse(const T* p, Tape2<V>& tp, V alpha, V beta, V gamma,
                                V* gx) noexcept {
        using simd::fma;
        constexpr std::size_t L = hidden_layers;
        {
            const T* w = p + output_weight_offset;
            const std::size_t o = unit_offset(L);
            for (std::size_t j = 0; j < last_width; ++j) {
                const V wj(w[j]);
                tp.d[o + j] = gamma * wj;    // Hbar
                tp.ubar[o + j] = alpha * wj; // Tbar
                tp.qbar[o + j] = beta * wj;  // Cbar
            }
        }
        const V two(T(2));
        for_each_layer_down([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = widths[l];
            constexpr std::size_t nin = widths[l - 1];
            constexpr std::size_t o = unit_offset(l);
            for (std::size_t j = 0; j < nout; ++j) {
                const V hb = tp.d[o + j], tb = tp.ubar[o + j], cb = tp.qbar[o + j];
                const V a1 = tp.a1[o + j], a2 = tp.a2[o + j], a3 = tp.a3[o + j];
                const V u = tp.u[o + j], q = tp.q[o + j];
                const V a2u = a2 * u;
                tp.ubar[o + j] = fma(two * cb, a2u, tb * a1);
                tp.qbar[o + j] = cb * a1;
                tp.d[o + j] = fma(cb, fma(a3 * u, u, a2 * q), fma(tb, a2u, hb * a1));
            }
            const T* w = p + weight_offset(l);
            if constexpr (l > 1) {
                constexpr std::size_t op = unit_offset(l - 1);
                matvec_t<nout, nin>(w, tp.d + o, tp.d + op);
                matvec_t<nout, nin>(w, tp.ubar + o, tp.ubar + op);
                matvec_t<nout, nin>(w, tp.qbar + o, tp.qbar + op);
            } else {
                if (gx) matvec_t<nout, nin>(w, tp.d + o, gx);
            }
        });
    }

    /// Adds grad_theta of `alpha fdot + beta fddot + gamma f` for one point
    /// (after tangent_reverse with the same coefficients) to `grad`.
    static void accumulate_grad(const Tape2<T>& tp, T alpha, T beta, T gamma, T* grad) noexcept {
        using simd::fma;
        constexpr std::size_t L = hidden_layers;
        const std::size_t o = unit_offset(L);
        T* gw = grad + output_weight_offset;
        for (std::size_t j = 0; j < last_width; ++j) {
            T acc = fma(alpha, tp.t[o + j], gw[j]);
            acc = fma(beta, tp.c[o + j], acc);
            gw[j] = fma(gamma, tp.h[o + j], acc);
        }
        grad[output_bias_offset] += gamma;
        for (std::size_t l = 1; l <= L; ++l) {
            const std::size_t nout = widths[l];
            const std::size_t nin = widths[l - 1];
            const std::size_t ol = unit_offset(l);
            const T* hprev = l > 1 ? tp.h + unit_offset(l - 1) : tp.x;
            const T* tprev = l > 1 ? tp.t + unit_offset(l - 1) : tp.v;
            const T* cprev = l > 1 ? tp.c + unit_offset(l - 1) : nullptr;
            T* gW = grad + weight_offset(l);
            T* gb = grad + bias_offset(l);
            for (std::size_t j = 0; j < nout; ++j) {
                const T zb = tp.d[ol + j], ub = tp.ubar[ol + j], qb = tp.qbar[ol + j];
                T* row = gW + j * nin;
                if (cprev) {
                    for (std::size_t i = 0; i < nin; ++i)
                        row[i] = fma(qb, cprev[i], fma(ub, tprev[i], fma(zb, hprev[i], row[i])));
                } else {
                    for (std::size_t i = 0; i < nin; ++i)
                        row[i] = fma(ub, tprev[i], fma(zb, hprev[i], row[i]));
                }
                gb[j] += zb;
            }
        }
    }

    /// Copies lane k of a SIMD tape into a one-point tape (to accumulate that
    /// point's parameter gradient in a fixed, width-independent order).
    template <class V>
    static void extract_lane(const Tape1<V>& src, std::size_t k, Tape1<T>& dst) noexcept {
        copy_lane(src.x, k, dst.x, In);
        copy_lane(src.h, k, dst.h, hidden_units);
        copy_lane(src.a1, k, dst.a1, hidden_units);
        copy_lane(src.d, k, dst.d, hidden_units);
    }
    template <class V>
    static void extract_lane(const Tape2<V>& src, std::size_t k, Tape2<T>& dst) noexcept {
        extract_lane(static_cast<const Tape1<V>&>(src), k, static_cast<Tape1<T>&>(dst));
        copy_lane(src.a2, k, dst.a2, hidden_units);
        copy_lane(src.a3, k, dst.a3, hidden_units);
        copy_lane(src.v, k, dst.v, In);
        copy_lane(src.u, k, dst.u, hidden_units);
        copy_lane(src.q, k, dst.q, hidden_units);
        copy_lane(src.t, k, dst.t, hidden_units);
        copy_lane(src.c, k, dst.c, hidden_units);
        copy_lane(src.ubar, k, dst.ubar, hidden_units);
        copy_lane(src.qbar, k, dst.qbar, hidden_units);
    }

    // ------------------------------------------------------------------
    // Batches in structure-of-arrays layout: coordinate d of point n is
    // x[d * ld + n]. `ld` must be a multiple of pack_type::width and every
    // lane up to round_up(count, width) readable (pad lanes are computed and
    // discarded; lanes never interact).
    // ------------------------------------------------------------------

    /// Round n up to a whole number of SIMD packs.
    static constexpr std::size_t padded(std::size_t n) noexcept {
        return (n + pack_type::width - 1) / pack_type::width * pack_type::width;
    }

    /// f of `count` points.
    static void value_batch(const T* p, const T* x, std::size_t ld, std::size_t count, T* f,
                            Tape1<pack_type>& ws) noexcept {
        constexpr std::size_t W = pack_type::width;
        for (std::size_t n = 0; n < count; n += W) {
            for (std::size_t i = 0; i < In; ++i) ws.x[i] = pack_type::load(x + i * ld + n);
            const pack_type fv = forward(p, ws);
            store_partial(fv, f + n, count - n);
        }
    }

    /// f and grad_x f of `count` points; `gx` has the layout of `x`.
    static void value_and_grad_batch(const T* p, const T* x, std::size_t ld, std::size_t count,
                                     T* f, T* gx, Tape1<pack_type>& ws) noexcept {
        constexpr std::size_t W = pack_type::width;
        pack_type g[In];
        for (std::size_t n = 0; n < count; n += W) {
            for (std::size_t i = 0; i < In; ++i) ws.x[i] = pack_type::load(x + i * ld + n);
            const pack_type fv = forward(p, ws);
            reverse(p, ws, pack_type(T(1)), g);
            store_partial(fv, f + n, count - n);
            for (std::size_t i = 0; i < In; ++i) store_partial(g[i], gx + i * ld + n, count - n);
        }
    }

    // ------------------------------------------------------------------
    // One point with the units of each layer in SIMD lanes. The batch passes
    // put points in lanes, so a lone point would fill one lane of `width`;
    // these kernels vectorize across the units of a layer instead, with the
    // same per-element operations in the same order (each dot product summed
    // in index order from the bias or 0, with fma): a point gets the same
    // bits either way. The forward pass reads W_l transposed (PointWeights,
    // rebuilt by prepare_point whenever the parameters change); the reverse
    // pass reads W_l as stored.
    // ------------------------------------------------------------------

    /// Offset of hidden layer l's block in PointWeights: b_l padded to whole
    /// packs, then W_l^T as widths[l-1] rows of padded(widths[l]) values.
    static constexpr std::size_t point_layer_offset(std::size_t l) noexcept {
        std::size_t off = 0;
        for (std::size_t k = 1; k < l; ++k) off += padded(widths[k]) * (widths[k - 1] + 1);
        return off;
    }
    /// Offset of the padded output weights w_L in PointWeights.
    static constexpr std::size_t point_output_offset = point_layer_offset(hidden_layers + 1);
    /// Values in PointWeights.
    static constexpr std::size_t point_weight_count = point_output_offset + padded(last_width);
    /// Offset of hidden layer l's (padded) units in PointTape.
    static constexpr std::size_t point_unit_offset(std::size_t l) noexcept {
        std::size_t off = 0;
        for (std::size_t k = 1; k < l; ++k) off += padded(widths[k]);
        return off;
    }
    /// Units per PointTape array (every layer padded to whole packs).
    static constexpr std::size_t point_units = point_unit_offset(hidden_layers + 1);

    /// Parameters rearranged for the one-point kernels (pad entries are 0).
    struct PointWeights {
        alignas(EMBER_ALIGN) T w[point_weight_count];
    };
    /// Workspace of the one-point kernels. Value-initialise it once: pad
    /// lanes are computed but never read.
    struct PointTape {
        alignas(EMBER_ALIGN) T h[point_units];
        alignas(EMBER_ALIGN) T a1[point_units];
        alignas(EMBER_ALIGN) T d[point_units];
    };

    /// Builds PointWeights from the parameter vector `p`.
    static void prepare_point(const T* p, PointWeights& pw) noexcept {
        for (std::size_t l = 1; l <= hidden_layers; ++l) {
            const std::size_t nout = widths[l], nin = widths[l - 1], pn = padded(nout);
            T* blk = pw.w + point_layer_offset(l);
            for (std::size_t j = 0; j < pn; ++j) blk[j] = j < nout ? p[bias_offset(l) + j] : T(0);
            for (std::size_t i = 0; i < nin; ++i)
                for (std::size_t j = 0; j < pn; ++j)
                    blk[pn + i * pn + j] = j < nout ? p[weight_offset(l) + j * nin + i] : T(0);
        }
        for (std::size_t j = 0; j < padded(last_width); ++j)
            pw.w[point_output_offset + j] = j < last_width ? p[output_weight_offset + j] : T(0);
    }

    /// f(x) of one point (x holds input_dim values); fills `tp` for
    /// reverse_point. Same bits as forward() on a Tape1<T>.
    static T forward_point(const T* p, const PointWeights& pw, const T* x, PointTape& tp) noexcept {
        using simd::fma;
        constexpr std::size_t W = pack_type::width;
        constexpr std::size_t L = hidden_layers;
        for_each_layer_up([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t pn = padded(widths[l]);
            const T* in = l > 1 ? tp.h + point_unit_offset(l - 1) : x;
            T* h = tp.h + point_unit_offset(l);
            T* a1 = tp.a1 + point_unit_offset(l);
            point_matvec<pn, widths[l - 1]>(pw.w + point_layer_offset(l), in, h);
            for (std::size_t j = 0; j < pn; j += W) {
                pack_type hv, av;
                Act::eval1(pack_type::load_aligned(h + j), hv, av);
                hv.store_aligned(h + j);
                av.store_aligned(a1 + j);
            }
        });
        const T* hl = tp.h + point_unit_offset(L);
        const T* w = p + output_weight_offset;
        T f = p[output_bias_offset];
        for (std::size_t j = 0; j < last_width; ++j) f = fma(w[j], hl[j], f);
        return f;
    }

    /// Reverse pass after forward_point: `gx[In] = fbar * grad_x f` (skipped
    /// when gx is null). Same bits as reverse() on a Tape1<T>.
    static void reverse_point(const T* p, const PointWeights& pw, PointTape& tp, T fbar,
                              T* gx) noexcept {
        constexpr std::size_t W = pack_type::width;
        constexpr std::size_t L = hidden_layers;
        {
            const pack_type fb(fbar);
            T* g = tp.d + point_unit_offset(L);
            const T* w = pw.w + point_output_offset;
            for (std::size_t j = 0; j < padded(last_width); j += W)
                (fb * pack_type::load_aligned(w + j)).store_aligned(g + j);
        }
        for_each_layer_down([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = widths[l];
            constexpr std::size_t nin = widths[l - 1];
            T* d = tp.d + point_unit_offset(l);
            const T* a1 = tp.a1 + point_unit_offset(l);
            for (std::size_t j = 0; j < padded(nout); j += W)
                (pack_type::load_aligned(d + j) * pack_type::load_aligned(a1 + j))
                    .store_aligned(d + j);
            if constexpr (l > 1) {
                point_matvec_t<nout, nin>(p + weight_offset(l), d, tp.d + point_unit_offset(l - 1));
            } else {
                if (gx) point_matvec_t<nout, nin>(p + weight_offset(l), d, gx);
            }
        });
    }

private:
    // out[j] = b[j] + sum_i Wt[i][j] in[i] for j < pn (a whole number of
    // packs), blk = [b (pn)][Wt (nin x pn)]: 8, 4 or 1 packs of outputs at a
    // time, each summed in i order.
    template <std::size_t pn, std::size_t nin>
    static void point_matvec(const T* blk, const T* in, T* out) noexcept {
        using P = pack_type;
        using simd::fma;
        constexpr std::size_t W = P::width;
        const T* wt = blk + pn;
        std::size_t j = 0;
        for (; j + 8 * W <= pn; j += 8 * W) {
            P s0 = P::load_aligned(blk + j), s1 = P::load_aligned(blk + j + W),
              s2 = P::load_aligned(blk + j + 2 * W), s3 = P::load_aligned(blk + j + 3 * W),
              s4 = P::load_aligned(blk + j + 4 * W), s5 = P::load_aligned(blk + j + 5 * W),
              s6 = P::load_aligned(blk + j + 6 * W), s7 = P::load_aligned(blk + j + 7 * W);
            for (std::size_t i = 0; i < nin; ++i) {
                const P xi(in[i]);
                const T* r = wt + i * pn + j;
                s0 = fma(P::load_aligned(r), xi, s0);
                s1 = fma(P::load_aligned(r + W), xi, s1);
                s2 = fma(P::load_aligned(r + 2 * W), xi, s2);
                s3 = fma(P::load_aligned(r + 3 * W), xi, s3);
                s4 = fma(P::load_aligned(r + 4 * W), xi, s4);
                s5 = fma(P::load_aligned(r + 5 * W), xi, s5);
                s6 = fma(P::load_aligned(r + 6 * W), xi, s6);
                s7 = fma(P::load_aligned(r + 7 * W), xi, s7);
            }
            s0.store_aligned(out + j);
            s1.store_aligned(out + j + W);
            s2.store_aligned(out + j + 2 * W);
            s3.store_aligned(out + j + 3 * W);
            s4.store_aligned(out + j + 4 * W);
            s5.store_aligned(out + j + 5 * W);
            s6.store_aligned(out + j + 6 * W);
            s7.store_aligned(out + j + 7 * W);
        }
        for (; j + 4 * W <= pn; j += 4 * W) {
            P s0 = P::load_aligned(blk + j), s1 = P::load_aligned(blk + j + W),
              s2 = P::load_aligned(blk + j + 2 * W), s3 = P::load_aligned(blk + j + 3 * W);
            for (std::size_t i = 0; i < nin; ++i) {
                const P xi(in[i]);
                const T* r = wt + i * pn + j;
                s0 = fma(P::load_aligned(r), xi, s0);
                s1 = fma(P::load_aligned(r + W), xi, s1);
                s2 = fma(P::load_aligned(r + 2 * W), xi, s2);
                s3 = fma(P::load_aligned(r + 3 * W), xi, s3);
            }
            s0.store_aligned(out + j);
            s1.store_aligned(out + j + W);
            s2.store_aligned(out + j + 2 * W);
            s3.store_aligned(out + j + 3 * W);
        }
        for (; j + 2 * W <= pn; j += 2 * W) {
            P s0 = P::load_aligned(blk + j), s1 = P::load_aligned(blk + j + W);
            for (std::size_t i = 0; i < nin; ++i) {
                const P xi(in[i]);
                const T* r = wt + i * pn + j;
                s0 = fma(P::load_aligned(r), xi, s0);
                s1 = fma(P::load_aligned(r + W), xi, s1);
            }
            s0.store_aligned(out + j);
            s1.store_aligned(out + j + W);
        }
        for (; j < pn; j += W) {
            P s0 = P::load_aligned(blk + j);
            for (std::size_t i = 0; i < nin; ++i)
                s0 = fma(P::load_aligned(wt + i * pn + j), P(in[i]), s0);
            s0.store_aligned(out + j);
        }
    }

    // out[i] = sum_j W[j][i] d[j] (W row-major nout x nin, as stored), summed
    // in j order from 0: whole packs of i in blocks of 8, 4, 2 or 1, the last
    // nin % width columns one at a time.
    template <std::size_t nout, std::size_t nin>
    static void point_matvec_t(const T* Wm, const T* d, T* out) noexcept {
        using P = pack_type;
        using simd::fma;
        constexpr std::size_t W = P::width;
        std::size_t i = 0;
        for (; i + 8 * W <= nin; i += 8 * W) {
            P s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0)), s4(T(0)), s5(T(0)), s6(T(0)), s7(T(0));
            for (std::size_t j = 0; j < nout; ++j) {
                const P dj(d[j]);
                const T* r = Wm + j * nin + i;
                s0 = fma(P::load(r), dj, s0);
                s1 = fma(P::load(r + W), dj, s1);
                s2 = fma(P::load(r + 2 * W), dj, s2);
                s3 = fma(P::load(r + 3 * W), dj, s3);
                s4 = fma(P::load(r + 4 * W), dj, s4);
                s5 = fma(P::load(r + 5 * W), dj, s5);
                s6 = fma(P::load(r + 6 * W), dj, s6);
                s7 = fma(P::load(r + 7 * W), dj, s7);
            }
            s0.store(out + i);
            s1.store(out + i + W);
            s2.store(out + i + 2 * W);
            s3.store(out + i + 3 * W);
            s4.store(out + i + 4 * W);
            s5.store(out + i + 5 * W);
            s6.store(out + i + 6 * W);
            s7.store(out + i + 7 * W);
        }
        for (; i + 4 * W <= nin; i += 4 * W) {
            P s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
            for (std::size_t j = 0; j < nout; ++j) {
                const P dj(d[j]);
                const T* r = Wm + j * nin + i;
                s0 = fma(P::load(r), dj, s0);
                s1 = fma(P::load(r + W), dj, s1);
                s2 = fma(P::load(r + 2 * W), dj, s2);
                s3 = fma(P::load(r + 3 * W), dj, s3);
            }
            s0.store(out + i);
            s1.store(out + i + W);
            s2.store(out + i + 2 * W);
            s3.store(out + i + 3 * W);
        }
        for (; i + 2 * W <= nin; i += 2 * W) {
            P s0(T(0)), s1(T(0));
            for (std::size_t j = 0; j < nout; ++j) {
                const P dj(d[j]);
                const T* r = Wm + j * nin + i;
                s0 = fma(P::load(r), dj, s0);
                s1 = fma(P::load(r + W), dj, s1);
            }
            s0.store(out + i);
            s1.store(out + i + W);
        }
        for (; i + W <= nin; i += W) {
            P s0(T(0));
            for (std::size_t j = 0; j < nout; ++j) s0 = fma(P::load(Wm + j * nin + i), P(d[j]), s0);
            s0.store(out + i);
        }
        for (; i < nin; ++i) {
            T s0(0);
            for (std::size_t j = 0; j < nout; ++j) s0 = simd::fma(Wm[j * nin + i], d[j], s0);
            out[i] = s0;
        }
    }

private:
    template <class F, std::size_t... I>
    static void layers_up(F& f, std::index_sequence<I...>) noexcept {
        (f(std::integral_constant<std::size_t, I + 1>{}), ...);
    }
    template <class F, std::size_t... I>
    static void layers_down(F& f, std::index_sequence<I...>) noexcept {
        (f(std::integral_constant<std::size_t, hidden_layers - I>{}), ...);
    }
    // Calls f(integral_constant<l>) for l = 1..L (up) or L..1 (down), so every
    // layer's sizes are compile-time constants inside f.
    template <class F>
    static void for_each_layer_up(F&& f) noexcept {
        layers_up(f, std::make_index_sequence<hidden_layers>{});
    }
    template <class F>
    static void for_each_layer_down(F&& f) noexcept {
        layers_down(f, std::make_index_sequence<hidden_layers>{});
    }

    template <bool Second, class V>
    static V forward_impl(const T* p, Tape1<V>& tp, V* a2, V* a3) noexcept {
        using simd::fma;
        constexpr std::size_t L = hidden_layers;
        for_each_layer_up([&](auto lc) {
            constexpr std::size_t l = decltype(lc)::value;
            constexpr std::size_t nout = widths[l];
            constexpr std::size_t nin = widths[l - 1];
            constexpr std::size_t o = unit_offset(l);
            const V* hin = l > 1 ? tp.h + unit_offset(l - 1) : tp.x;
            V* h = tp.h + o;
            matvec<nout, nin>(p + weight_offset(l), p + bias_offset(l), hin, h);
            for (std::size_t j = 0; j < nout; ++j) {
                if constexpr (Second) {
                    Act::eval3(h[j], h[j], tp.a1[o + j], a2[o + j], a3[o + j]);
                } else {
                    Act::eval1(h[j], h[j], tp.a1[o + j]);
                }
            }
        });
        const V* hin = tp.h + unit_offset(L);
        const T* w = p + output_weight_offset;
        V f(p[output_bias_offset]);
        for (std::size_t j = 0; j < last_width; ++j) f = fma(V(w[j]), hin[j], f);
        return f;
    }

    // out[j] = b[j] + sum_i W[j][i] in[i], summed in i order (b = null: 0).
    // Rows are processed in blocks of 8 (then 4, then 1): 8 independent FMA
    // chains cover FMA latency x 2 ports, and each input load serves 8 FMAs.
    // Every chain keeps its own order, so blocking never changes a bit. (The
    // accumulators are named variables: GCC keeps those in registers, but may
    // spill one element of an accumulator array on every iteration.)
    template <std::size_t nout, std::size_t nin, class V>
    static void matvec(const T* W, const T* b, const V* in, V* out) noexcept {
        using simd::fma;
        std::size_t j = 0;
        for (; j + 8 <= nout; j += 8) {
            const T* w = W + j * nin;
            V s0(b ? b[j] : T(0)), s1(b ? b[j + 1] : T(0)), s2(b ? b[j + 2] : T(0)),
                s3(b ? b[j + 3] : T(0)), s4(b ? b[j + 4] : T(0)), s5(b ? b[j + 5] : T(0)),
                s6(b ? b[j + 6] : T(0)), s7(b ? b[j + 7] : T(0));
            for (std::size_t i = 0; i < nin; ++i) {
                const V xi = in[i];
                s0 = fma(V(w[i]), xi, s0);
                s1 = fma(V(w[nin + i]), xi, s1);
                s2 = fma(V(w[2 * nin + i]), xi, s2);
                s3 = fma(V(w[3 * nin + i]), xi, s3);
                s4 = fma(V(w[4 * nin + i]), xi, s4);
                s5 = fma(V(w[5 * nin + i]), xi, s5);
                s6 = fma(V(w[6 * nin + i]), xi, s6);
                s7 = fma(V(w[7 * nin + i]), xi, s7);
            }
            out[j] = s0;
            out[j + 1] = s1;
            out[j + 2] = s2;
            out[j + 3] = s3;
            out[j + 4] = s4;
            out[j + 5] = s5;
            out[j + 6] = s6;
            out[j + 7] = s7;
        }
        for (; j + 4 <= nout; j += 4) {
            const T* w = W + j * nin;
            V s0(b ? b[j] : T(0)), s1(b ? b[j + 1] : T(0)), s2(b ? b[j + 2] : T(0)),
                s3(b ? b[j + 3] : T(0));
            for (std::size_t i = 0; i < nin; ++i) {
                const V xi = in[i];
                s0 = fma(V(w[i]), xi, s0);
                s1 = fma(V(w[nin + i]), xi, s1);
                s2 = fma(V(w[2 * nin + i]), xi, s2);
                s3 = fma(V(w[3 * nin + i]), xi, s3);
            }
            out[j] = s0;
            out[j + 1] = s1;
            out[j + 2] = s2;
            out[j + 3] = s3;
        }
        for (; j < nout; ++j) {
            const T* w = W + j * nin;
            V s0(b ? b[j] : T(0));
            for (std::size_t i = 0; i < nin; ++i) s0 = fma(V(w[i]), in[i], s0);
            out[j] = s0;
        }
    }

    // out[i] = sum_j W[j][i] d[j], summed in j order from 0; columns in
    // blocks of 8, 4, 1 as in matvec.
    template <std::size_t nout, std::size_t nin, class V>
    static void matvec_t(const T* W, const V* d, V* out) noexcept {
        using simd::fma;
        std::size_t i = 0;
        for (; i + 8 <= nin; i += 8) {
            V s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0)), s4(T(0)), s5(T(0)), s6(T(0)), s7(T(0));
            for (std::size_t j = 0; j < nout; ++j) {
                const T* w = W + j * nin + i;
                const V dj = d[j];
                s0 = fma(V(w[0]), dj, s0);
                s1 = fma(V(w[1]), dj, s1);
                s2 = fma(V(w[2]), dj, s2);
                s3 = fma(V(w[3]), dj, s3);
                s4 = fma(V(w[4]), dj, s4);
                s5 = fma(V(w[5]), dj, s5);
                s6 = fma(V(w[6]), dj, s6);
                s7 = fma(V(w[7]), dj, s7);
            }
            out[i] = s0;
            out[i + 1] = s1;
            out[i + 2] = s2;
            out[i + 3] = s3;
            out[i + 4] = s4;
            out[i + 5] = s5;
            out[i + 6] = s6;
            out[i + 7] = s7;
        }
        for (; i + 4 <= nin; i += 4) {
            V s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
            for (std::size_t j = 0; j < nout; ++j) {
                const T* w = W + j * nin + i;
                const V dj = d[j];
                s0 = fma(V(w[0]), dj, s0);
                s1 = fma(V(w[1]), dj, s1);
                s2 = fma(V(w[2]), dj, s2);
                s3 = fma(V(w[3]), dj, s3);
            }
            out[i] = s0;
            out[i + 1] = s1;
            out[i + 2] = s2;
            out[i + 3] = s3;
        }
        for (; i < nin; ++i) {
            V s0(T(0));
            for (std::size_t j = 0; j < nout; ++j) s0 = fma(V(W[j * nin + i]), d[j], s0);
            out[i] = s0;
        }
    }

    // gW[j][i] += d[j] h[i]; gb[j] += d[j].
    static void outer(T* gW, T* gb, const T* d, const T* h, std::size_t nout,
                      std::size_t nin) noexcept {
        using simd::fma;
        for (std::size_t j = 0; j < nout; ++j) {
            T* row = gW + j * nin;
            const T dj = d[j];
            for (std::size_t i = 0; i < nin; ++i) row[i] = fma(dj, h[i], row[i]);
            gb[j] += dj;
        }
    }

    template <class V>
    static void copy_lane(const V* src, std::size_t k, T* dst, std::size_t n) noexcept {
        if constexpr (std::is_same_v<V, T>) {
            (void)k;
            for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
        } else {
            for (std::size_t i = 0; i < n; ++i) dst[i] = src[i].get(k);
        }
    }

    static void store_partial(pack_type v, T* out, std::size_t remaining) noexcept {
        if (remaining >= pack_type::width) {
            v.store(out);
        } else {
            for (std::size_t k = 0; k < remaining; ++k) out[k] = v.get(k);
        }
    }

public:
    // ------------------------------------------------------------------
    // The model object: parameters + one-point convenience calls.
    // ------------------------------------------------------------------

    /// Parameters (flat, aligned).
    alignas(EMBER_ALIGN) std::array<T, param_count> params{};

    T* data() noexcept { return params.data(); }
    const T* data() const noexcept { return params.data(); }

    /// Deterministic initialisation: every weight and bias of a layer with
    /// fan-in n is drawn uniformly from [-1/sqrt(n), 1/sqrt(n)) with the
    /// project's PCG32 (same seed, same bits on every target).
    void init(std::uint64_t seed) noexcept {
        Pcg32 rng(seed, 0x656d626572ULL); // "ember"
        for (std::size_t l = 1; l <= hidden_layers + 1; ++l) {
            const std::size_t fan_in = widths[l - 1];
            const std::size_t nout = l <= hidden_layers ? widths[l] : 1;
            const T k = simd::div(T(1), simd::sqrt(static_cast<T>(fan_in)));
            T* w = params.data() + (l <= hidden_layers ? weight_offset(l) : output_weight_offset);
            const std::size_t n = nout * fan_in + nout; // weights then biases, contiguous
            for (std::size_t i = 0; i < n; ++i) {
                const T u = uniform01<T>(rng);
                w[i] = (u * T(2) - T(1)) * k;
            }
        }
    }

    /// f(x) of one point (unchecked: x holds input_dim values).
    T value(const T* x) const noexcept {
        Tape1<T> tp;
        for (std::size_t i = 0; i < In; ++i) tp.x[i] = x[i];
        return forward(params.data(), tp);
    }

    /// f(x) and grad_x f of one point (unchecked).
    T value_and_grad(const T* x, T* grad_x) const noexcept {
        Tape1<T> tp;
        for (std::size_t i = 0; i < In; ++i) tp.x[i] = x[i];
        const T f = forward(params.data(), tp);
        reverse(params.data(), tp, T(1), grad_x);
        return f;
    }

    /// Energy (anomaly score) `-f(x)` of one point (unchecked).
    T energy(const T* x) const noexcept { return -value(x); }

    /// Checked f(x): dimension_mismatch if `x.size() != input_dim`,
    /// non_finite_input for NaN/inf input, non_finite_output if f is not
    /// finite. On error `f` is left untouched.
    Status evaluate(Span<const T> x, T& f) const noexcept {
        if (const Status s = check_input(x); s != Status::ok) return s;
        const T out = value(x.data());
        if (!simd::is_finite(out)) return Status::non_finite_output;
        f = out;
        return Status::ok;
    }

    /// Checked f(x) and grad_x f. On error the outputs are left untouched.
    Status evaluate_grad(Span<const T> x, T& f, Span<T> grad_x) const noexcept {
        if (grad_x.size() != In) return Status::dimension_mismatch;
        if (const Status s = check_input(x); s != Status::ok) return s;
        T g[In];
        const T out = value_and_grad(x.data(), g);
        bool finite = simd::is_finite(out);
        for (std::size_t i = 0; i < In; ++i) finite = finite && simd::is_finite(g[i]);
        if (!finite) return Status::non_finite_output;
        f = out;
        for (std::size_t i = 0; i < In; ++i) grad_x[i] = g[i];
        return Status::ok;
    }

    /// Checks a parameter vector before it is used (e.g. after loading).
    static Status check_params(Span<const T> p) noexcept {
        if (p.size() != param_count) return Status::dimension_mismatch;
        for (std::size_t i = 0; i < param_count; ++i)
            if (!simd::is_finite(p[i])) return Status::non_finite_input;
        return Status::ok;
    }

private:
    static Status check_input(Span<const T> x) noexcept {
        if (x.size() != In) return Status::dimension_mismatch;
        for (std::size_t i = 0; i < In; ++i)
            if (!simd::is_finite(x[i])) return Status::non_finite_input;
        return Status::ok;
    }
};

} // namespace ember
