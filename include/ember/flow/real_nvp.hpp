// ember — a normalizing flow of fixed size: RealNVP affine couplings and an
// elementwise affine layer over a standard-normal base, with the exact
// log-density, sampling and hand-derived gradients (docs/flow.md).
#pragma once

#include "ember/config.hpp"
#include "ember/fp.hpp"
#include "ember/math.hpp"
#include "ember/nn/activation.hpp"
#include "ember/nn/dense.hpp"
#include "ember/random.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ember::flow {

namespace detail {

// Shape of the couplings: coupling k conditions on part a and transforms
// part b. Even k: a = x[0, D1), b = x[D1, D); odd k: a = x[D1, D),
// b = x[0, D1); D1 = ceil(D / 2). The conditioner of coupling k is
// Dense(|a| -> H), act, Dense(H -> 2 |b|) (raw log-scales u, then shifts t).
template <class T, std::size_t D, std::size_t H>
struct CouplingShape {
    static constexpr std::size_t d1 = (D + 1) / 2;
    static constexpr std::size_t d2 = D / 2;

    template <std::size_t Parity>
    struct Part {
        static constexpr std::size_t A = Parity == 0 ? d1 : d2;
        static constexpr std::size_t B = Parity == 0 ? d2 : d1;
        static constexpr std::size_t a0 = Parity == 0 ? 0 : d1;
        static constexpr std::size_t b0 = Parity == 0 ? d1 : 0;
        using In = Dense<T, A, H>;
        using Out = Dense<T, H, 2 * B>;
        static constexpr std::size_t params = In::param_count + Out::param_count;
        static constexpr std::size_t macs = A * H + H * 2 * B;
    };

    static constexpr std::size_t pair_params = Part<0>::params + Part<1>::params;

    static constexpr std::size_t offset(std::size_t k) noexcept {
        return (k / 2) * pair_params + (k % 2) * Part<0>::params;
    }
    static constexpr std::size_t macs(std::size_t couplings) noexcept {
        return (couplings / 2) * (Part<0>::macs + Part<1>::macs) + (couplings % 2) * Part<0>::macs;
    }
};

} // namespace detail

/// RealNVP (Dinh et al. 2017) in D >= 2 dimensions: `Couplings` affine
/// coupling layers with alternating halves, then an elementwise affine layer,
/// over the base N(0, I). The flow maps z to x = g(z):
///
///     h_0 = z
///     h_{k+1} = coupling k (h_k):  a unchanged,  b <- b * exp(s(a)) + t(a)
///     x = h_K * exp(l) + m                      (elementwise, l and m per coordinate)
///
/// with (u, t) = Dense(H -> 2|b|)(act(Dense(|a| -> H)(a))) and the bounded
/// log-scale s = S tanh(u / S), S = `log_scale_bound` = 2. Coupling k
/// conditions on a = x[0, ceil(D/2)) for even k and on the rest for odd k.
/// log p(x) = log N(z; 0, I) - sum_k sum s_k - sum l with z = g^-1(x).
///
///     using Flow = ember::flow::RealNvp<float, 2, 4, 16>;     // D, couplings, hidden
///     static ember::Model<Flow> q;                             // the parameters
///     Flow::init_params(q.data(), /*seed=*/1);                 // the identity map
///     float lp, x[2];
///     (void)Flow::log_density(q.data(), point, lp);
///     (void)Flow::sample(q.data(), rng, x, &lp);
///
/// Parameters: one flat vector (`param_count`): the couplings in order, each
/// its two Dense blocks (input-major weights, then biases; the second's
/// outputs are u then t), then l[D] (`log_scale_offset`), then m[D]
/// (`shift_offset`). The flow is a parameter block of an ember::Model, so
/// the Trainer and the optimizers see the flat vector.
///
/// The static calls (forward, inverse, log_density, sample) keep their
/// intermediates on the stack (about 2 H + 3 D values). The gradients
/// (log_density_vjp, forward_vjp) record the pass in the object
/// (`sizeof(RealNvp)`; keep it static on small devices) and sweep it back.
/// Every sum runs in a fixed index order with explicit fma; the elementary
/// functions are ember's: the same bits on every target.
template <class T, std::size_t D, std::size_t Couplings, std::size_t Hidden, class Act = Tanh>
class RealNvp {
    static_assert(std::is_floating_point_v<T>,
                  "ember::flow::RealNvp<T, ...>: T is float or double");
    static_assert(D >= 2, "ember::flow::RealNvp needs D >= 2: a coupling transforms one part of x "
                          "conditioned on the other");
    static_assert(Couplings >= 1, "ember::flow::RealNvp needs at least one coupling");
    static_assert(Hidden >= 1, "ember::flow::RealNvp needs at least one hidden unit");

    using Shape = detail::CouplingShape<T, D, Hidden>;
    template <std::size_t P>
    using Part = typename Shape::template Part<P>;
    static constexpr std::size_t kMaxB = Shape::d1;

public:
    using value_type = T;
    using activation = Act;
    static constexpr std::size_t dim = D;
    static constexpr std::size_t input_dim = D;
    static constexpr std::size_t couplings = Couplings;
    static constexpr std::size_t hidden = Hidden;
    /// S: every log-scale of a coupling is S tanh(u / S), in (-S, S).
    static constexpr T log_scale_bound = T(2);

    /// Offset of coupling k's parameters (its first Dense, then its second).
    static constexpr std::size_t coupling_offset(std::size_t k) noexcept {
        return Shape::offset(k);
    }
    /// Offset of l[D], the log-scales of the last (elementwise) layer.
    static constexpr std::size_t log_scale_offset = Shape::offset(Couplings);
    /// Offset of m[D], the shifts of the last layer.
    static constexpr std::size_t shift_offset = log_scale_offset + D;
    /// Number of parameters.
    static constexpr std::size_t param_count = shift_offset + D;
    /// Dense multiply-adds of one pass (forward, inverse or log_density);
    /// a gradient costs about two passes' worth more.
    static constexpr std::size_t macs_per_pass = Shape::macs(Couplings);

    /// The identity map: first layers of the conditioners uniform in
    /// +-1/sqrt(fan_in) (weights and biases) from `seed`, second layers, l
    /// and m zero. Then log p = log N(x; 0, I) and only the second layers,
    /// l and m get a gradient at first.
    static void init_params(T* p, std::uint64_t seed) noexcept {
        Pcg32 rng(seed, 0x666c6f77ULL); // "flow"
        for (std::size_t k = 0; k < Couplings; ++k) {
            const std::size_t fan_in = k % 2 == 0 ? Part<0>::A : Part<1>::A;
            const std::size_t nin = fan_in * Hidden + Hidden;
            const std::size_t nout =
                k % 2 == 0 ? Part<0>::Out::param_count : Part<1>::Out::param_count;
            const T scale = simd::div(T(1), simd::sqrt(static_cast<T>(fan_in)));
            T* w = p + coupling_offset(k);
            for (std::size_t i = 0; i < nin; ++i) {
                const T u = uniform01<T>(rng);
                w[i] = (u * T(2) - T(1)) * scale;
            }
            for (std::size_t i = 0; i < nout; ++i) w[nin + i] = T(0);
        }
        for (std::size_t i = 0; i < 2 * D; ++i) p[log_scale_offset + i] = T(0);
    }

    /// x = g(z) and log_det = log |det dg/dz| (= sum of the log-scales).
    /// non_finite_input (outputs untouched) if z has a NaN or infinity,
    /// non_finite_output if x or log_det is not finite.
    static Status forward(const T* p, const T* z, T* x, T& log_det) noexcept {
        if (!all_finite(z)) return Status::non_finite_input;
        const fp::Scope fp_scope;
        T y[D];
        for (std::size_t i = 0; i < D; ++i) y[i] = z[i];
        const T ld = run_forward(p, y, nullptr);
        return finish(y, ld, x, log_det);
    }

    /// z = g^-1(x) and log_det = log |det dg^-1/dx| (= -log |det dg/dz| at
    /// that z). Status as forward().
    static Status inverse(const T* p, const T* x, T* z, T& log_det) noexcept {
        if (!all_finite(x)) return Status::non_finite_input;
        const fp::Scope fp_scope;
        T y[D];
        for (std::size_t i = 0; i < D; ++i) y[i] = x[i];
        const T ld = run_inverse(p, y, nullptr);
        return finish(y, ld, z, log_det);
    }

    /// log p(x) = log N(g^-1(x); 0, I) + log |det dg^-1/dx|: the inverse pass.
    /// non_finite_input (out untouched) for a NaN or infinite x,
    /// non_finite_output if the result is not finite.
    static Status log_density(const T* p, const T* x, T& out) noexcept {
        if (!all_finite(x)) return Status::non_finite_input;
        const fp::Scope fp_scope;
        T y[D];
        for (std::size_t i = 0; i < D; ++i) y[i] = x[i];
        const T ld = run_inverse(p, y, nullptr);
        T lp = log_normal(y) + ld;
        fp::pin(lp);
        if (!simd::is_finite(lp)) return Status::non_finite_output;
        out = lp;
        return Status::ok;
    }

    /// x = g(z) with z ~ N(0, I) from one ember::fill_normal(rng, z, D) call
    /// (coordinate order), and, when log_p is not null, log p(x) =
    /// log N(z) - log |det dg/dz|. non_finite_output (x and log_p untouched;
    /// the draws are consumed) if a result is not finite.
    static Status sample(const T* p, Pcg32& rng, T* x, T* log_p = nullptr) noexcept {
        const fp::Scope fp_scope;
        T z[D];
        fill_normal(rng, z, D);
        T y[D];
        for (std::size_t i = 0; i < D; ++i) y[i] = z[i];
        const T ld = run_forward(p, y, nullptr);
        T lp = log_normal(z) - ld;
        fp::pin(lp);
        if (!all_finite(y) || !simd::is_finite(lp)) return Status::non_finite_output;
        for (std::size_t i = 0; i < D; ++i) x[i] = y[i];
        if (log_p) *log_p = lp;
        return Status::ok;
    }

    /// log p(x) (as log_density) and its gradients, by the inverse pass and
    /// its reverse sweep: grad_p[param_count] += lbar * d log p(x) / dphi,
    /// and, when grad_x is not null, grad_x[D] = lbar * d log p(x) / dx
    /// (written, not added). Status as log_density(); on an error nothing is
    /// written or added.
    Status log_density_vjp(const T* p, const T* x, T lbar, T& log_p, T* grad_p,
                           T* grad_x = nullptr) noexcept {
        if (!all_finite(x)) return Status::non_finite_input;
        const fp::Scope fp_scope;
        fp::pin(lbar);
        T y[D];
        for (std::size_t i = 0; i < D; ++i) y[i] = x[i];
        const T ld = run_inverse(p, y, this);
        const T* z = state(0);
        T lp = log_normal(z) + ld;
        fp::pin(lp);
        if (!simd::is_finite(lp)) return Status::non_finite_output;
        // g = adjoint of h_k, from h_0 = z (d log N / dz = -z) up to h_K.
        T g[D];
        for (std::size_t i = 0; i < D; ++i) g[i] = -(lbar * z[i]);
        for (std::size_t k = 0; k < Couplings; ++k) {
            if (k % 2 == 0) {
                reverse_inverse_coupling<0>(p, k, lbar, g, grad_p);
            } else {
                reverse_inverse_coupling<1>(p, k, lbar, g, grad_p);
            }
        }
        // Last layer, inverted: h_K = (x - m) exp(-l); log p has -sum l.
        const T* hk = state(Couplings);
        T* gl = grad_p + log_scale_offset;
        T* gm = grad_p + shift_offset;
        for (std::size_t i = 0; i < D; ++i) {
            const T xb = g[i] * el_[i];
            gl[i] -= simd::fma(g[i], hk[i], lbar);
            gm[i] -= xb;
            if (grad_x) grad_x[i] = xb;
        }
        log_p = lp;
        return Status::ok;
    }

    /// The sample path (reparameterisation): x = g(z) and log_det =
    /// log |det dg/dz| as forward(), and the gradients of
    /// L = xbar . x + ldbar * log_det by the reverse sweep:
    /// grad_p[param_count] += dL / dphi and, when grad_z is not null,
    /// grad_z[D] = dL / dz (written). A null xbar counts as zero (the
    /// gradient of the log-determinant alone, e.g. of the entropy
    /// H(q) = H(N(0, I)) + E[log_det]). x may be null. Status as forward();
    /// on an error nothing is written or added.
    Status forward_vjp(const T* p, const T* z, const T* xbar, T ldbar, T* x, T& log_det, T* grad_p,
                       T* grad_z = nullptr) noexcept {
        if (!all_finite(z)) return Status::non_finite_input;
        if (xbar && !all_finite(xbar)) return Status::non_finite_input;
        const fp::Scope fp_scope;
        fp::pin(ldbar);
        T y[D];
        for (std::size_t i = 0; i < D; ++i) y[i] = z[i];
        T ld = run_forward(p, y, this);
        fp::pin(ld);
        if (!all_finite(y) || !simd::is_finite(ld)) return Status::non_finite_output;
        // Last layer: x = h_K exp(l) + m.
        const T* hk = state(Couplings);
        T* gl = grad_p + log_scale_offset;
        T* gm = grad_p + shift_offset;
        T g[D];
        for (std::size_t i = 0; i < D; ++i) {
            const T xb = xbar ? xbar[i] : T(0);
            g[i] = xb * el_[i];
            gl[i] += simd::fma(g[i], hk[i], ldbar);
            gm[i] += xb;
        }
        for (std::size_t k = Couplings; k-- > 0;) {
            if (k % 2 == 0) {
                reverse_forward_coupling<0>(p, k, ldbar, g, grad_p);
            } else {
                reverse_forward_coupling<1>(p, k, ldbar, g, grad_p);
            }
        }
        if (grad_z)
            for (std::size_t i = 0; i < D; ++i) grad_z[i] = g[i];
        if (x)
            for (std::size_t i = 0; i < D; ++i) x[i] = y[i];
        log_det = ld;
        return Status::ok;
    }

    /// log N(z; 0, I), the base density: the squares in one fma chain,
    /// coordinates ascending (the value log_density and sample use).
    static T log_normal(const T* z) noexcept {
        T q(0);
        for (std::size_t i = 0; i < D; ++i) q = simd::fma(z[i], z[i], q);
        return simd::fma(T(-0.5), q, kLogNorm);
    }

private:
    static constexpr T kInvBound = T(1) / log_scale_bound; // exact: S is a power of 2
    static constexpr T kLog2Pi = T(1.8378770664093454835606594728112353L);
    static constexpr T kLogNorm = T(-0.5) * T(D) * kLog2Pi;

    // What the reverse sweep needs of one coupling: the conditioner's hidden
    // units (act, act'), exp(+-s) and ds/du = 1 - tanh^2(u / S).
    struct Record {
        T hid[Hidden];
        T dhid[Hidden];
        T e[kMaxB];
        T ds[kMaxB];
    };

    static bool all_finite(const T* v) noexcept {
        for (std::size_t i = 0; i < D; ++i)
            if (!simd::is_finite(v[i])) return false;
        return true;
    }

    static Status finish(const T* y, T ld, T* out, T& log_det) noexcept {
        fp::pin(ld);
        if (!all_finite(y) || !simd::is_finite(ld)) return Status::non_finite_output;
        for (std::size_t i = 0; i < D; ++i) out[i] = y[i];
        log_det = ld;
        return Status::ok;
    }

    // The log-determinant of g as a fixed sum: couplings in order, then l.
    static T total(const T* per_coupling, T lsum) noexcept {
        T s(0);
        for (std::size_t k = 0; k < Couplings; ++k) s += per_coupling[k];
        return s + lsum;
    }

    // act and act' of the hidden units, whole packs first: the activations
    // are one template for scalars and packs, so the bits do not depend on
    // the pack width.
    static void activate(const T* pre, T* hid, T* dhid) noexcept {
        using V = simd::Pack<T>;
        constexpr std::size_t w = V::width;
        constexpr std::size_t full = w > 1 ? Hidden / w * w : 0;
        for (std::size_t j = 0; j < full; j += w) {
            V a0, a1;
            Act::eval1(V::load(pre + j), a0, a1);
            a0.store(hid + j);
            a1.store(dhid + j);
        }
        for (std::size_t j = full; j < Hidden; ++j) Act::eval1(pre[j], hid[j], dhid[j]);
    }

    // Conditioner of a coupling of parity P at its input a: hidden units,
    // bounded log-scales s, ds/du and shifts t.
    template <std::size_t P>
    static void condition(const T* pk, const T* a, T* hid, T* dhid, T* s, T* ds, T* t) noexcept {
        using C = Part<P>;
        T pre[Hidden];
        C::In::forward(pk, a, C::A, pre, Hidden, 1);
        activate(pre, hid, dhid);
        T out[2 * C::B];
        C::Out::forward(pk + C::In::param_count, hid, Hidden, out, 2 * C::B, 1);
        for (std::size_t i = 0; i < C::B; ++i) {
            const T th = math::tanh(out[i] * kInvBound);
            s[i] = log_scale_bound * th;
            ds[i] = simd::fnma(th, th, T(1));
            t[i] = out[C::B + i];
        }
    }

    // Coupling k from z towards x, in place on y: b <- b exp(s) + t.
    // Returns sum s (coordinates ascending). Records into rec when not null.
    template <std::size_t P>
    static T couple_forward(const T* p, std::size_t k, T* y, Record* rec) noexcept {
        using C = Part<P>;
        Record local;
        Record& r = rec ? *rec : local;
        T s[C::B], t[C::B];
        condition<P>(p + coupling_offset(k), y + C::a0, r.hid, r.dhid, s, r.ds, t);
        T sum(0);
        for (std::size_t i = 0; i < C::B; ++i) {
            const T e = math::exp(s[i]);
            r.e[i] = e;
            y[C::b0 + i] = simd::fma(y[C::b0 + i], e, t[i]);
            sum += s[i];
        }
        return sum;
    }

    // Coupling k from x towards z, in place on y: b <- (b - t) exp(-s).
    // Returns sum s (coordinates ascending). Records into rec when not null.
    template <std::size_t P>
    static T couple_inverse(const T* p, std::size_t k, T* y, Record* rec) noexcept {
        using C = Part<P>;
        Record local;
        Record& r = rec ? *rec : local;
        T s[C::B], t[C::B];
        condition<P>(p + coupling_offset(k), y + C::a0, r.hid, r.dhid, s, r.ds, t);
        T sum(0);
        for (std::size_t i = 0; i < C::B; ++i) {
            const T e = math::exp(-s[i]);
            r.e[i] = e;
            y[C::b0 + i] = (y[C::b0 + i] - t[i]) * e;
            sum += s[i];
        }
        return sum;
    }

    // z -> x in place; returns log |det dg/dz|. With a tape (self), records
    // h_0 .. h_K, every coupling and exp(l).
    static T run_forward(const T* p, T* y, RealNvp* self) noexcept {
        T ss[Couplings];
        for (std::size_t k = 0; k < Couplings; ++k) {
            Record* rec = nullptr;
            if (self) {
                self->store(k, y);
                rec = &self->rec_[k];
            }
            ss[k] = k % 2 == 0 ? couple_forward<0>(p, k, y, rec) : couple_forward<1>(p, k, y, rec);
        }
        if (self) self->store(Couplings, y);
        const T* l = p + log_scale_offset;
        const T* m = p + shift_offset;
        T lsum(0);
        for (std::size_t i = 0; i < D; ++i) {
            const T e = math::exp(l[i]);
            if (self) self->el_[i] = e;
            y[i] = simd::fma(y[i], e, m[i]);
            lsum += l[i];
        }
        return total(ss, lsum);
    }

    // x -> z in place; returns log |det dg^-1/dx| = -(log |det dg/dz|). With
    // a tape (self), records h_K .. h_0, every coupling and exp(-l).
    static T run_inverse(const T* p, T* y, RealNvp* self) noexcept {
        const T* l = p + log_scale_offset;
        const T* m = p + shift_offset;
        T lsum(0);
        for (std::size_t i = 0; i < D; ++i) {
            const T e = math::exp(-l[i]);
            if (self) self->el_[i] = e;
            y[i] = (y[i] - m[i]) * e;
            lsum += l[i];
        }
        T ss[Couplings];
        for (std::size_t k = Couplings; k-- > 0;) {
            Record* rec = nullptr;
            if (self) {
                self->store(k + 1, y);
                rec = &self->rec_[k];
            }
            ss[k] = k % 2 == 0 ? couple_inverse<0>(p, k, y, rec) : couple_inverse<1>(p, k, y, rec);
        }
        if (self) self->store(0, y);
        return -total(ss, lsum);
    }

    // The conditioner's reverse sweep: from the adjoints of (u, t) in ob,
    // adds its parameter gradient and the adjoint of a to g.
    template <std::size_t P>
    void reverse_conditioner(const T* p, std::size_t k, const Record& r, const T* a, const T* ob,
                             T* g, T* grad_p) noexcept {
        using C = Part<P>;
        const T* pk = p + coupling_offset(k);
        T* gk = grad_p + coupling_offset(k);
        T hb[Hidden];
        C::Out::vjp(pk + C::In::param_count, r.hid, Hidden, ob, 2 * C::B, hb, Hidden, 1,
                    gk + C::In::param_count);
        for (std::size_t j = 0; j < Hidden; ++j) hb[j] *= r.dhid[j];
        T ab[C::A];
        C::In::vjp(pk, a, C::A, hb, Hidden, ab, C::A, 1, gk);
        for (std::size_t i = 0; i < C::A; ++i) g[C::a0 + i] += ab[i];
    }

    // Reverse of inverse coupling k (h_{k+1} -> h_k: b = (y_b - t) exp(-s),
    // and -sum s in log p): g holds the adjoint of h_k and becomes that of
    // h_{k+1}.
    template <std::size_t P>
    void reverse_inverse_coupling(const T* p, std::size_t k, T lbar, T* g, T* grad_p) noexcept {
        using C = Part<P>;
        const Record& r = rec_[k];
        const T* h = state(k); // the coupling's output; a = h[a0..] = its input's
        T ob[2 * C::B];
        for (std::size_t i = 0; i < C::B; ++i) {
            const T gb = g[C::b0 + i];
            const T yb = gb * r.e[i];
            // d b / d s = -b, and log p has -s.
            const T sb = -simd::fma(gb, h[C::b0 + i], lbar);
            ob[i] = sb * r.ds[i];
            ob[C::B + i] = -yb;
            g[C::b0 + i] = yb;
        }
        reverse_conditioner<P>(p, k, r, h + C::a0, ob, g, grad_p);
    }

    // Reverse of forward coupling k (h_k -> h_{k+1}: b' = b exp(s) + t, and
    // ldbar * sum s): g holds the adjoint of h_{k+1} and becomes that of h_k.
    template <std::size_t P>
    void reverse_forward_coupling(const T* p, std::size_t k, T ldbar, T* g, T* grad_p) noexcept {
        using C = Part<P>;
        const Record& r = rec_[k];
        const T* h = state(k); // the coupling's input
        T ob[2 * C::B];
        for (std::size_t i = 0; i < C::B; ++i) {
            const T gb = g[C::b0 + i];
            const T hb = gb * r.e[i];
            // d b' / d s = b exp(s)
            const T sb = simd::fma(hb, h[C::b0 + i], ldbar);
            ob[i] = sb * r.ds[i];
            ob[C::B + i] = gb;
            g[C::b0 + i] = hb;
        }
        reverse_conditioner<P>(p, k, r, h + C::a0, ob, g, grad_p);
    }

    T* state(std::size_t k) noexcept { return h_ + k * D; }
    const T* state(std::size_t k) const noexcept { return h_ + k * D; }
    void store(std::size_t k, const T* y) noexcept {
        for (std::size_t i = 0; i < D; ++i) h_[k * D + i] = y[i];
    }

    T h_[(Couplings + 1) * D] = {}; // h_0 = z .. h_K
    Record rec_[Couplings] = {};
    T el_[D] = {}; // exp(l) (forward) or exp(-l) (inverse)
};

} // namespace ember::flow
