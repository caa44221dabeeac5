// ember — optimizers with fixed-size state, gradient clipping and
// learning-rate schedules.
//
// Updates are element-wise and run SIMD across parameters (lanes never
// interact), so they give the same bits at every SIMD width. The one
// reduction, the gradient norm, sums squares into 16 fixed stripes
// (element i into stripe i mod 16) and then the stripes in order: the same
// order whatever the width (16 is a multiple of every pack width).
#pragma once

#include "ember/fp.hpp"
#include "ember/math.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace ember::train {

namespace detail {

/// v is finite and >= 0.
template <class T>
constexpr bool finite_nonneg(T v) noexcept {
    return v >= T(0) && v <= std::numeric_limits<T>::max();
}

/// out[i] = f(pack of i..) for full packs, then the same f on scalars.
template <class T, class F>
inline void for_each_lane(std::size_t n, F&& f) noexcept {
    using V = simd::Pack<T>;
    constexpr std::size_t w = V::width;
    const std::size_t full = n / w * w;
    for (std::size_t i = 0; i < full; i += w) f(i, V());
    for (std::size_t i = full; i < n; ++i) f(i, T());
}

template <class V, class T>
inline V load_as(const T* p) noexcept {
    if constexpr (std::is_same_v<V, T>) {
        return *p;
    } else {
        return V::load(p);
    }
}
template <class V, class T>
inline void store_as(V v, T* p) noexcept {
    if constexpr (std::is_same_v<V, T>) {
        *p = v;
    } else {
        v.store(p);
    }
}

} // namespace detail

/// Sum of squares of g[0..n) in a fixed order (16 stripes, then the stripes
/// in index order), identical at every SIMD width.
template <class T>
T squared_norm(const T* g, std::size_t n) noexcept {
    using V = simd::Pack<T>;
    using simd::fma;
    constexpr std::size_t kStripes = 16;
    constexpr std::size_t w = V::width;
    static_assert(kStripes % w == 0, "pack width must divide 16");
    alignas(EMBER_ALIGN) T acc[kStripes] = {};
    const std::size_t full = n / kStripes * kStripes;
    {
        V a[kStripes / w];
        for (std::size_t q = 0; q < kStripes / w; ++q) a[q] = V(T(0));
        for (std::size_t i = 0; i < full; i += kStripes)
            for (std::size_t q = 0; q < kStripes / w; ++q) {
                const V x = V::load(g + i + q * w);
                a[q] = fma(x, x, a[q]);
            }
        for (std::size_t q = 0; q < kStripes / w; ++q) a[q].store(acc + q * w);
    }
    for (std::size_t k = 0; k < n - full; ++k) acc[k] = fma(g[full + k], g[full + k], acc[k]);
    T s = acc[0];
    for (std::size_t k = 1; k < kStripes; ++k) s += acc[k];
    return s;
}

/// Euclidean norm of g[0..n) (see squared_norm for the order).
template <class T>
T grad_norm(const T* g, std::size_t n) noexcept {
    return simd::sqrt(squared_norm(g, n));
}

/// Scales g so that its norm is at most max_norm, given its current norm;
/// returns the factor applied (1 when no clipping was needed).
template <class T>
T clip_grad_norm(T* g, std::size_t n, T norm, T max_norm) noexcept {
    if (!(norm > max_norm) || !(max_norm > T(0))) return T(1);
    const T f = max_norm / norm;
    detail::for_each_lane<T>(n, [&](std::size_t i, auto tag) {
        using V = decltype(tag);
        detail::store_as(detail::load_as<V>(g + i) * V(f), g + i);
    });
    return f;
}

/// Learning rate as a function of the step number: constant, cosine decay
/// to `lr_min` over `total_steps`, or step decay (times `gamma` every
/// `every` steps), each after an optional linear warm-up.
///
///     auto lr = ember::train::LrSchedule<float>::cosine(1e-3f, 5000);
///     float now = lr.at(step);
template <class T>
struct LrSchedule {
    enum class Kind : std::uint8_t { constant, cosine, step };

    Kind kind = Kind::constant;
    T base = T(1e-3);              ///< learning rate after warm-up
    T lr_min = T(0);               ///< cosine: final rate
    T gamma = T(0.1);              ///< step: decay factor
    std::uint32_t total_steps = 1; ///< cosine: length of the decay
    std::uint32_t every = 1;       ///< step: steps between decays
    std::uint32_t warmup = 0;      ///< linear warm-up steps (0: none)

    static constexpr LrSchedule constant(T lr) noexcept {
        LrSchedule s;
        s.base = lr;
        return s;
    }
    static constexpr LrSchedule cosine(T lr, std::uint32_t total_steps, T lr_min = T(0),
                                       std::uint32_t warmup = 0) noexcept {
        LrSchedule s;
        s.kind = Kind::cosine;
        s.base = lr;
        s.lr_min = lr_min;
        s.total_steps = total_steps == 0 ? 1 : total_steps;
        s.warmup = warmup;
        return s;
    }
    static constexpr LrSchedule step_decay(T lr, std::uint32_t every, T gamma,
                                           std::uint32_t warmup = 0) noexcept {
        LrSchedule s;
        s.kind = Kind::step;
        s.base = lr;
        s.every = every == 0 ? 1 : every;
        s.gamma = gamma;
        s.warmup = warmup;
        return s;
    }

    /// True when every field is usable: rates finite and >= 0 (lr_min <=
    /// base for cosine), gamma finite and > 0, total_steps and every > 0.
    constexpr bool valid() const noexcept {
        const bool kind_ok = kind == Kind::constant || kind == Kind::cosine || kind == Kind::step;
        return kind_ok && detail::finite_nonneg(base) && detail::finite_nonneg(lr_min) &&
               (kind != Kind::cosine || lr_min <= base) && detail::finite_nonneg(gamma) &&
               gamma > T(0) && total_steps > 0 && every > 0;
    }

    /// Learning rate at step t (0-based). Same bits on every target.
    T at(std::uint32_t t) const noexcept {
        if (t < warmup) return base * (static_cast<T>(t + 1) / static_cast<T>(warmup));
        const std::uint32_t u = t - warmup;
        switch (kind) {
        case Kind::constant: return base;
        case Kind::cosine: {
            const std::uint32_t k = u < total_steps ? u : total_steps;
            // cos(pi k / total) = cos(2 pi * k / (2 total)), argument in [0, 1/2].
            const T a = static_cast<T>(k) / (T(2) * static_cast<T>(total_steps));
            T s, c;
            math::sincos_2pi(a, s, c);
            return simd::fma((base - lr_min) * T(0.5f), T(1) + c, lr_min);
        }
        case Kind::step: {
            std::uint32_t e = u / every;
            T f(1), g = gamma;
            while (e != 0) { // gamma^e by squaring: a fixed sequence of products
                if (e & 1u) f *= g;
                g *= g;
                e >>= 1;
            }
            return base * f;
        }
        }
        return base;
    }
};

/// Settings of Sgd.
template <class T>
struct SgdConfig {
    T momentum = T(0.9);   ///< mu, in [0, 1)
    T weight_decay = T(0); ///< L2 coefficient wd, >= 0
    bool nesterov = false;
};

/// Settings of Adam and AdamW.
template <class T>
struct AdamConfig {
    T beta1 = T(0.9);      ///< first-moment decay, in [0, 1)
    T beta2 = T(0.999);    ///< second-moment decay, in [0, 1)
    T eps = T(1e-8);       ///< added to the root of the second moment, > 0
    T weight_decay = T(0); ///< >= 0: L2 (Adam) or decoupled (AdamW)
    bool decoupled_weight_decay = false;
};

/// Stochastic gradient descent with momentum (heavy ball or Nesterov) and
/// optional L2 weight decay: `v = mu v + (g + wd p)`, `p -= lr v` (Nesterov:
/// `p -= lr (g + wd p + mu v)`).
///
///     static ember::train::Sgd<float, Net::param_count> opt;
///     ember::train::SgdConfig<float> cfg;
///     cfg.momentum = 0.5f;
///     if (opt.configure(cfg) != ember::Status::ok) ...
///     if (opt.step(net.data(), grad, 1e-2f) != ember::Status::ok) ...
template <class T, std::size_t N>
class Sgd {
public:
    using Config = SgdConfig<T>;
    static constexpr std::size_t size = N;

    /// invalid_argument (and no change) unless momentum is in [0, 1) and
    /// weight_decay is finite and >= 0.
    Status configure(const Config& cfg) noexcept {
        if (!(cfg.momentum >= T(0) && cfg.momentum < T(1)) ||
            !detail::finite_nonneg(cfg.weight_decay))
            return Status::invalid_argument;
        cfg_ = cfg;
        return Status::ok;
    }
    const Config& config() const noexcept { return cfg_; }
    /// Clears the momentum.
    void reset() noexcept { vel_.fill(T(0)); }

    /// One update of params[N] with grad[N] at learning rate lr;
    /// invalid_argument (nothing changed) unless lr is finite and >= 0;
    /// non_finite_output (nothing changed) if an updated parameter or velocity
    /// would not be finite (a finite but huge lr or gradient overflows).
    Status step(T* params, const T* grad, T lr) noexcept {
        if (!detail::finite_nonneg(lr)) return Status::invalid_argument;
        const fp::Scope fp_scope;
        fp::pin(lr);
        using simd::all;
        using simd::fma;
        using simd::fnma;
        // The same arithmetic twice: a check that every result is finite,
        // then the stores.
        bool finite = true;
        auto update = [&](std::size_t i, auto tag, bool commit) {
            using V = decltype(tag);
            const V p = detail::load_as<V>(params + i);
            const V g = fma(V(cfg_.weight_decay), p, detail::load_as<V>(grad + i));
            const V v = fma(V(cfg_.momentum), detail::load_as<V>(vel_.data() + i), g);
            const V d = cfg_.nesterov ? fma(V(cfg_.momentum), v, g) : v;
            const V q = fnma(V(lr), d, p);
            if (!commit) {
                finite = finite && all(simd::is_finite(v)) && all(simd::is_finite(q));
                return;
            }
            detail::store_as(v, vel_.data() + i);
            detail::store_as(q, params + i);
        };
        detail::for_each_lane<T>(N, [&](std::size_t i, auto tag) { update(i, tag, false); });
        if (!finite) return Status::non_finite_output;
        detail::for_each_lane<T>(N, [&](std::size_t i, auto tag) { update(i, tag, true); });
        return Status::ok;
    }

private:
    Config cfg_{};
    alignas(EMBER_ALIGN) std::array<T, N> vel_{};
};

/// Adam (Kingma & Ba) with bias correction; `decoupled_weight_decay` makes it
/// AdamW (Loshchilov & Hutter): `p -= lr wd p` before the Adam step, instead
/// of adding `wd p` to the gradient.
///
///     static ember::train::Adam<float, Net::param_count> opt;   // beta 0.9, 0.999
///     if (opt.step(net.data(), grad, 1e-3f) != ember::Status::ok) ...
template <class T, std::size_t N>
class Adam {
public:
    using Config = AdamConfig<T>;
    static constexpr std::size_t size = N;

    Adam() noexcept = default;

    /// invalid_argument (and no change) unless beta1 and beta2 are in
    /// [0, 1), eps is finite and > 0 and weight_decay finite and >= 0.
    Status configure(const Config& cfg) noexcept {
        const bool ok = cfg.beta1 >= T(0) && cfg.beta1 < T(1) && cfg.beta2 >= T(0) &&
                        cfg.beta2 < T(1) && cfg.eps > T(0) && detail::finite_nonneg(cfg.eps) &&
                        detail::finite_nonneg(cfg.weight_decay);
        if (!ok) return Status::invalid_argument;
        cfg_ = cfg;
        return Status::ok;
    }
    const Config& config() const noexcept { return cfg_; }
    /// Number of updates applied so far.
    std::uint32_t steps() const noexcept { return t_; }
    /// Clears the moments and the step count.
    void reset() noexcept {
        m_.fill(T(0));
        v_.fill(T(0));
        b1t_ = T(1);
        b2t_ = T(1);
        t_ = 0;
    }

    /// One update of params[N] with grad[N] at learning rate lr;
    /// invalid_argument (nothing changed) unless lr is finite and >= 0;
    /// non_finite_output (nothing changed, the step not counted) if an updated
    /// parameter or moment would not be finite (e.g. lr above about
    /// max / 10: the bias-corrected step lr / (1 - beta1^t) overflows).
    Status step(T* params, const T* grad, T lr) noexcept {
        if (!detail::finite_nonneg(lr)) return Status::invalid_argument;
        const fp::Scope fp_scope;
        fp::pin(lr);
        using simd::all;
        using simd::div;
        using simd::fma;
        using simd::fnma;
        using simd::sqrt;
        const T b1t = b1t_ * cfg_.beta1;
        const T b2t = b2t_ * cfg_.beta2;
        const T step_size = lr / (T(1) - b1t);
        const T inv_sqrt_c2 = T(1) / simd::sqrt(T(1) - b2t);
        const T b1 = cfg_.beta1, b2 = cfg_.beta2;
        const T omb1 = T(1) - b1, omb2 = T(1) - b2;
        const T wd = cfg_.weight_decay;
        const bool decoupled = cfg_.decoupled_weight_decay;
        const T lr_wd = lr * wd;
        // The same arithmetic twice: a check that every result is finite,
        // then the stores.
        bool finite = true;
        auto update = [&](std::size_t i, auto tag, bool commit) {
            using V = decltype(tag);
            V p = detail::load_as<V>(params + i);
            V g = detail::load_as<V>(grad + i);
            if (wd != T(0)) {
                if (decoupled) {
                    p = fnma(V(lr_wd), p, p);
                } else {
                    g = fma(V(wd), p, g);
                }
            }
            const V m = fma(V(b1), detail::load_as<V>(m_.data() + i), V(omb1) * g);
            const V v = fma(V(b2), detail::load_as<V>(v_.data() + i), (V(omb2) * g) * g);
            const V denom = fma(sqrt(v), V(inv_sqrt_c2), V(cfg_.eps));
            const V q = fnma(V(step_size), div(m, denom), p);
            if (!commit) {
                finite = finite && all(simd::is_finite(m)) && all(simd::is_finite(v)) &&
                         all(simd::is_finite(q));
                return;
            }
            detail::store_as(m, m_.data() + i);
            detail::store_as(v, v_.data() + i);
            detail::store_as(q, params + i);
        };
        detail::for_each_lane<T>(N, [&](std::size_t i, auto tag) { update(i, tag, false); });
        if (!finite) return Status::non_finite_output;
        ++t_;
        b1t_ = b1t;
        b2t_ = b2t;
        detail::for_each_lane<T>(N, [&](std::size_t i, auto tag) { update(i, tag, true); });
        return Status::ok;
    }

protected:
    explicit Adam(const Config& cfg) noexcept : cfg_(cfg) {}

private:
    Config cfg_{};
    alignas(EMBER_ALIGN) std::array<T, N> m_{};
    alignas(EMBER_ALIGN) std::array<T, N> v_{};
    T b1t_ = T(1);
    T b2t_ = T(1);
    std::uint32_t t_ = 0;
};

/// AdamW: Adam with decoupled weight decay (default 0.01; configure()
/// keeps the decay decoupled).
template <class T, std::size_t N>
class AdamW : public Adam<T, N> {
public:
    using Config = AdamConfig<T>;
    static constexpr Config defaults() noexcept {
        Config c;
        c.weight_decay = T(0.01);
        c.decoupled_weight_decay = true;
        return c;
    }
    AdamW() noexcept : Adam<T, N>(defaults()) {}
    Status configure(Config cfg) noexcept {
        cfg.decoupled_weight_decay = true;
        return Adam<T, N>::configure(cfg);
    }
};

/// Exponential moving average of a parameter vector (Polyak-style
/// averaging): after each optimizer step, update(params) sets
/// a = decay a + (1 - decay) params, and averaged() is a / (1 - decay^t)
/// relative to a zero start, i.e. a bias-corrected average that weights the
/// last ~1 / (1 - decay) steps. At a constant learning rate the final
/// iterate of a stochastic run jitters around the optimum; the average
/// does not (toy2d: --ema). Costs N values (plus N for the corrected copy).
///
///     static ember::train::ParameterAverage<float, Net::param_count> ema;
///     (void)ema.configure(0.999f);
///     trainer.run(5000, [&](const auto&) { ema.update(net.data()); });
///     const float* smoothed = ema.averaged();      // e.g. copy into a view
template <class T, std::size_t N>
class ParameterAverage {
public:
    static constexpr std::size_t size = N;

    /// invalid_argument (and no change) unless 0 <= decay < 1.
    Status configure(T decay) noexcept {
        if (!(decay >= T(0)) || !(decay < T(1))) return Status::invalid_argument;
        decay_ = decay;
        reset();
        return Status::ok;
    }
    T decay() const noexcept { return decay_; }
    /// Forgets the average.
    void reset() noexcept {
        a_.fill(T(0));
        dt_ = T(1);
        t_ = 0;
    }
    /// Folds params[N] into the average (call after each step).
    void update(const T* params) noexcept {
        const fp::Scope fp_scope;
        const T d = decay_, omd = T(1) - decay_;
        dt_ *= d;
        ++t_;
        const T scale = simd::div(T(1), T(1) - dt_);
        detail::for_each_lane<T>(N, [&](std::size_t i, auto tag) {
            using V = decltype(tag);
            using simd::fma;
            const V p = detail::load_as<V>(params + i);
            const V a = fma(V(d), detail::load_as<V>(a_.data() + i), V(omd) * p);
            detail::store_as(a, a_.data() + i);
            detail::store_as(a * V(scale), out_.data() + i);
        });
    }
    /// The bias-corrected average (N values; zeros before the first update).
    const T* averaged() const noexcept { return out_.data(); }
    /// Updates folded in since the last reset().
    std::uint32_t count() const noexcept { return t_; }

private:
    T decay_ = T(0.999);
    T dt_ = T(1);
    std::uint32_t t_ = 0;
    alignas(EMBER_ALIGN) std::array<T, N> a_{};
    alignas(EMBER_ALIGN) std::array<T, N> out_{};
};

} // namespace ember::train
