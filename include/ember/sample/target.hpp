// ember — what a sampler samples from: the target concept and its adapters.
//
// A target is the unnormalised log-density f of p(x) = exp(f(x)) / Z
// (energy = -f). The samplers need, for V = T (one chain) and
// V = simd::Pack<T> (one lane per chain):
//
//     using value_type = T;                         // float or double
//     static constexpr std::size_t dim;             // D
//     static constexpr bool prefers_points;         // see below
//     template <class V> V value(const V* x);       // f, x[0..D)
//     template <class V> V value_and_grad(const V* x, V* g);  // f, g = grad f
//     void prepare();                               // re-read parameters
//
// `x[d]` is coordinate d of the chain(s). Evaluations may use mutable
// workspace inside the target (no heap), so they are not const and a target
// object must not be shared between threads. `prepare()` is called by the
// samplers' init() and refresh(): a target that caches anything derived from
// its parameters rebuilds it there. `prefers_points` tells the samplers that
// evaluating one chain at a time with V = T is faster than a pack of lanes of
// which only a few are in use (the MLP has such a path); results are the same
// bits either way.
//
// Adapters: MlpTarget (an ember::Mlp or MlpView), GaussianTarget (analytic, for tests and
// baselines) and FunctionTarget (a user functor written once for T and Pack).
#pragma once

#include "ember/config.hpp"
#include "ember/fp.hpp"
#include "ember/nn/engine.hpp"
#include "ember/nn/spec.hpp"
#include "ember/simd.hpp"

#include <cstddef>
#include <type_traits>
#include <utility>

namespace ember::sample {

namespace detail {

template <class V>
using scalar_t = simd::scalar_of_t<V>;

// Loads/stores that read one value for V = T and one aligned pack otherwise.
template <class V>
inline V load(const scalar_t<V>* p) noexcept {
    if constexpr (std::is_floating_point_v<V>) {
        return *p;
    } else {
        return V::load_aligned(p);
    }
}
template <class V>
inline void store(V v, scalar_t<V>* p) noexcept {
    if constexpr (std::is_floating_point_v<V>) {
        *p = v;
    } else {
        v.store_aligned(p);
    }
}

} // namespace detail

/// Adapter that samples from an MLP network: f(x) is the network's output.
/// `Net` is an ember::Mlp or ember::MlpView type; the target holds a view of
/// the parameters (not a copy), which `rebind` points elsewhere (e.g. the
/// parameters a loss is given).
///
///     using Net = ember::Mlp<float, ember::Swish, 16, 64, 64>;
///     static Net net;                                       // trained elsewhere
///     static ember::sample::MlpTarget<Net> target(net.data());
///
/// Evaluations run the network's Engine: one chain as one row (V = T), or a
/// lane group of chains as `width` rows (V = simd::Pack<T>), so a chain gets
/// the same bits either way. On builds with SIMD lanes the target keeps the
/// transposed weights of the reverse sweep (ReverseWeights): call the
/// sampler's refresh() (which calls prepare()) after the parameters change.
/// Objects are large (`sizeof`: the transposed weights plus two engines):
/// make them static on small targets.
template <class Net>
class MlpTarget {
    static_assert(is_mlp_v<Net>, "ember::sample::MlpTarget<Net>: Net is an ember::Mlp or MlpView");

public:
    using spec_type = typename Net::spec_type;
    using value_type = typename spec_type::value_type;
    using pack_type = simd::Pack<value_type>;
    static constexpr std::size_t dim = spec_type::input_dim;
    /// With SIMD lanes, a lone chain runs as one row of the engine (the
    /// units of each layer in lanes) instead of one live lane of `width`.
    static constexpr bool prefers_points = pack_type::width > 1;
    /// Dense-layer multiply-adds of value() and of value_and_grad() (per
    /// chain), for FLOP counts.
    static constexpr std::size_t value_macs = spec_type::layout::forward_macs;
    static constexpr std::size_t grad_macs = spec_type::layout::grad_macs;

    /// A target bound to no parameters (rebind before use).
    MlpTarget() noexcept = default;
    /// Samples from `network`'s parameters (an Mlp or MlpView; kept by pointer).
    explicit MlpTarget(const Net& network) noexcept { rebind(network.data()); }
    /// Samples from the network with parameters `params` (param_count
    /// values, e.g. constant data in flash; they must outlive the target).
    explicit MlpTarget(const value_type* params) noexcept { rebind(params); }

    /// Samples from other parameters from now on (prepare() included).
    void rebind(const value_type* params) noexcept {
        p_ = params;
        prepare();
    }
    /// Re-reads the parameters (after training changed them).
    void prepare() noexcept {
        if (p_) rev_.prepare(p_);
    }
    /// The parameters being sampled from.
    const value_type* params() const noexcept { return p_; }

    /// f(x).
    template <class V>
    V value(const V* x) noexcept {
        const fp::Scope fp_scope;
        if constexpr (std::is_floating_point_v<V>) {
            alignas(EMBER_ALIGN) value_type h[One::S];
            value_type f;
            One::template forward_rows<0>(p_, x, dim, 1, h, nullptr, nullptr, nullptr, &f);
            fp::pin(f);
            return f;
        } else {
            to_rows(x);
            Lanes::template forward_rows<0>(p_, lanes_.x, Lanes::DP, width, h_, nullptr, nullptr,
                                            nullptr, lanes_.f);
            return V::load_aligned(lanes_.f);
        }
    }

    /// f(x) and g = grad_x f.
    template <class V>
    V value_and_grad(const V* x, V* g) noexcept {
        const fp::Scope fp_scope;
        if constexpr (std::is_floating_point_v<V>) {
            for (std::size_t i = 0; i < dim; ++i) one_.x[i] = x[i];
            one_.template forward<1>(p_);
            one_.grad_x({p_, rev_.data()});
            for (std::size_t i = 0; i < dim; ++i) g[i] = one_.gx[i];
            value_type f = one_.f[0];
            fp::pin(f);
            return f;
        } else {
            to_rows(x);
            lanes_.template forward<1>(p_);
            lanes_.grad_x({p_, rev_.data()});
            alignas(EMBER_ALIGN) value_type col[width];
            for (std::size_t i = 0; i < dim; ++i) {
                for (std::size_t n = 0; n < width; ++n) col[n] = lanes_.gx[n * Lanes::DP + i];
                g[i] = V::load_aligned(col);
            }
            return V::load_aligned(lanes_.f);
        }
    }

private:
    static constexpr std::size_t width = pack_type::width;
    using One = Engine<spec_type, 1>;
    using Lanes = Engine<spec_type, width>;

    // Lane n of x[d] to row n of the lane engine's inputs.
    void to_rows(const pack_type* x) noexcept {
        alignas(EMBER_ALIGN) value_type col[width];
        for (std::size_t i = 0; i < dim; ++i) {
            x[i].store_aligned(col);
            for (std::size_t n = 0; n < width; ++n) lanes_.x[n * Lanes::DP + i] = col[n];
        }
    }

    const value_type* p_ = nullptr;
    ReverseWeights<spec_type> rev_{};
    One one_{};
    Lanes lanes_{};
    alignas(EMBER_ALIGN) value_type h_[width * Lanes::S] = {};
};

/// Analytic Gaussian target N(mu, P^-1): f(x) = -1/2 (x - mu)^T P (x - mu),
/// grad f = -P (x - mu), with the precision matrix P (symmetric positive
/// definite, row-major D x D). f omits -log Z, as every target may.
///
///     ember::sample::GaussianTarget<float, 2> g;
///     g.set_isotropic(/*variance=*/1.0f);     // or set(mu, precision)
///
/// Each product is summed in index order with fma, so lanes and targets agree.
template <class T, std::size_t D>
class GaussianTarget {
    static_assert(std::is_floating_point_v<T>, "GaussianTarget: T must be float or double");
    static_assert(D >= 1, "GaussianTarget: D must be >= 1");

public:
    using value_type = T;
    static constexpr std::size_t dim = D;
    static constexpr bool prefers_points = false;
    static constexpr std::size_t value_macs = D * D + D;
    static constexpr std::size_t grad_macs = D * D + D;

    /// Standard normal.
    GaussianTarget() noexcept { set_isotropic(T(1)); }

    /// Mean `mu[D]` and precision `prec[D*D]` (row-major, symmetric).
    void set(const T* mu, const T* prec) noexcept {
        for (std::size_t i = 0; i < D; ++i) mu_[i] = mu[i];
        for (std::size_t i = 0; i < D * D; ++i) prec_[i] = prec[i];
    }
    /// Zero mean, covariance `variance * I`.
    void set_isotropic(T variance) noexcept {
        const T p = simd::div(T(1), variance);
        for (std::size_t i = 0; i < D; ++i) {
            mu_[i] = T(0);
            for (std::size_t j = 0; j < D; ++j) prec_[i * D + j] = i == j ? p : T(0);
        }
    }
    const T* mean() const noexcept { return mu_; }
    const T* precision() const noexcept { return prec_; }

    void prepare() noexcept {}

    template <class V>
    V value(const V* x) noexcept {
        V g[D];
        return eval(x, g);
    }
    template <class V>
    V value_and_grad(const V* x, V* g) noexcept {
        const V f = eval(x, g);
        for (std::size_t i = 0; i < D; ++i) g[i] = -g[i];
        return f;
    }

private:
    // Returns f and leaves y = P (x - mu) in y.
    template <class V>
    V eval(const V* x, V* y) const noexcept {
        using simd::fma;
        V r[D];
        for (std::size_t i = 0; i < D; ++i) r[i] = x[i] - V(mu_[i]);
        V q(T(0));
        for (std::size_t i = 0; i < D; ++i) {
            V s(T(0));
            for (std::size_t j = 0; j < D; ++j) s = fma(V(prec_[i * D + j]), r[j], s);
            y[i] = s;
            q = fma(r[i], s, q);
        }
        return V(T(-0.5)) * q;
    }

    T mu_[D];
    T prec_[D * D];
};

/// Adapter for a user functor written once for T and simd::Pack<T>:
///
///     struct DoubleWell {                  // f(x) = -(x^2 - 1)^2
///         template <class V> V operator()(const V* x, V* g) const {
///             using S = ember::simd::scalar_of_t<V>;
///             const V u = x[0] * x[0] - V(S(1));
///             if (g) g[0] = V(S(-4)) * x[0] * u;
///             return -(u * u);
///         }
///     };
///     ember::sample::FunctionTarget<float, 1, DoubleWell> target;
///
/// `f(x, g)` returns f(x) and, when g is not null, writes grad f to g[0..D).
/// Use ember::math functions and simd::fma/div/sqrt (not libm, not operator/
/// on packs) to keep chains bit-identical across targets.
template <class T, std::size_t D, class F>
class FunctionTarget {
    static_assert(std::is_floating_point_v<T>, "FunctionTarget: T must be float or double");

public:
    using value_type = T;
    static constexpr std::size_t dim = D;
    static constexpr bool prefers_points = false;
    static constexpr std::size_t value_macs = 0;
    static constexpr std::size_t grad_macs = 0;

    FunctionTarget() = default;
    explicit FunctionTarget(F f) noexcept : f_(std::move(f)) {}

    void prepare() noexcept {}

    template <class V>
    V value(const V* x) noexcept {
        return f_(x, static_cast<V*>(nullptr));
    }
    template <class V>
    V value_and_grad(const V* x, V* g) noexcept {
        return f_(x, g);
    }

    /// The wrapped functor.
    F& function() noexcept { return f_; }

private:
    F f_{};
};

/// FunctionTarget<T, D, F> from a functor (deduces F).
template <class T, std::size_t D, class F>
FunctionTarget<T, D, F> make_function_target(F f) noexcept {
    return FunctionTarget<T, D, F>(std::move(f));
}

} // namespace ember::sample
