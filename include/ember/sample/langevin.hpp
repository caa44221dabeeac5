// ember — the unadjusted Langevin algorithm (ULA), vectorized over chains.
#pragma once

#include "ember/sample/kernel.hpp"

namespace ember::sample {

/// Configuration of Ula: the common settings (SamplerConfig) plus gradient
/// clipping and tempered noise. ULA has no warm-up: step_size is used as is.
template <class T>
struct UlaConfig : SamplerConfig<T> {
    /// >= 0 and finite. > 0: each gradient coordinate is clipped to
    /// [-grad_clip, grad_clip] before the drift (as EBM training code often
    /// does); 0: no clipping.
    T grad_clip = T(0);
    /// false: Langevin noise sqrt(2 eps) z. true: noise_std z instead — a
    /// tempered variant, not Langevin: with noise_std < sqrt(2 eps) it
    /// samples (approximately) from p^(2 eps / noise_std^2), sharper than p.
    bool tempered = false;
    /// Noise standard deviation when `tempered` (finite, >= 0; ignored
    /// otherwise).
    T noise_std = T(0);
};

namespace detail {

template <class T>
struct UlaPolicy {
    using config_type = UlaConfig<T>;
    static constexpr bool uses_grad = true;
    static constexpr bool metropolis = false;
    static constexpr bool corrected = false;
    static constexpr bool adapts = false;
    struct Consts {
        T eps;
        T sigma;
        T clip;
    };

    config_type config;

    explicit UlaPolicy(const config_type& c) noexcept : config(c) {}
    static Status check(const config_type& c) noexcept {
        if (const Status s = check_sampler_config(c); s != Status::ok) return s;
        if (!(c.grad_clip >= T(0)) || !simd::is_finite(c.grad_clip))
            return Status::invalid_argument;
        if (c.tempered && (!(c.noise_std >= T(0)) || !simd::is_finite(c.noise_std)))
            return Status::invalid_argument;
        return Status::ok;
    }
    Consts consts(T eps) const noexcept {
        const T sigma = config.tempered ? config.noise_std : simd::sqrt(T(2) * eps);
        return Consts{eps, sigma, config.grad_clip};
    }
    template <class V>
    V propose(V x, V g, V z, const Consts& k) const noexcept {
        using simd::fma;
        using simd::max;
        using simd::min;
        if (k.clip > simd::scalar_of_t<V>(0)) g = min(max(g, V(-k.clip)), V(k.clip));
        return fma(V(k.sigma), z, fma(V(k.eps), g, x));
    }
};

} // namespace detail

/// Unadjusted Langevin algorithm over `Chains` chains at once:
/// x' = x + eps grad f(x) + sqrt(2 eps) z, always accepted (no Metropolis
/// correction, so the chains sample p only up to an O(eps) bias; use Mala for
/// exact sampling). Optional per-coordinate gradient clipping and a
/// decoupled noise scale (the tempered variant used in EBM training, see
/// UlaConfig). A proposal whose x', f or grad f is not finite is still
/// rejected and counted. StepReport::accept_prob is 1 (0 when rejected).
///
///     using Net = ember::Mlp<float, ember::Swish, 2, 32, 32>;
///     static Net net;                                    // trained elsewhere
///     static ember::sample::MlpTarget<Net> target(net);
///     ember::sample::UlaConfig<float> cfg;
///     cfg.step_size = 0.01f;
///     static ember::sample::Ula<ember::sample::MlpTarget<Net>> ula(target, cfg);
///     static ember::sample::ChainState<float, 2, 256> chains;
///     static float x0[256 * 2];                          // data or noise rows
///     if (ula.init(chains, x0, /*seed=*/3) != ember::Status::ok) return;
///     for (int t = 0; t < 100; ++t)
///         if (ula.step(chains) != ember::Status::ok) { ... }  // see Mala::step
///
/// See Mala for the full API.
template <class Target>
class Ula : public detail::Core<Target, detail::UlaPolicy<typename Target::value_type>> {
    using Base = detail::Core<Target, detail::UlaPolicy<typename Target::value_type>>;

public:
    using Base::Base;
};

} // namespace ember::sample
