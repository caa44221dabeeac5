// ember — random-walk Metropolis-Hastings, vectorized over chains.
#pragma once

#include "ember/sample/kernel.hpp"

namespace ember::sample {

namespace detail {

template <class T>
struct MhPolicy {
    using config_type = MetropolisConfig<T>;
    static constexpr bool uses_grad = false;
    static constexpr bool metropolis = true;
    static constexpr bool corrected = false;
    static constexpr bool adapts = true;
    struct Consts {
        T scale;
    };

    config_type config;

    // Roberts, Gelman & Gilks: optimal for random-walk proposals in high
    // dimension.
    static constexpr T optimal_accept = T(0.234);

    explicit MhPolicy(const config_type& c) noexcept : config(c) {}
    static Status check(const config_type& c) noexcept { return check_metropolis_config(c); }
    T target_accept() const noexcept {
        return config.target_accept == T(0) ? optimal_accept : config.target_accept;
    }
    Consts consts(T step) const noexcept { return Consts{step}; }
    template <class V>
    V propose(V x, V, V z, const Consts& k) const noexcept {
        using simd::fma;
        return fma(V(k.scale), z, x);
    }
};

} // namespace detail

/// Random-walk Metropolis-Hastings over `Chains` chains at once: Gaussian
/// proposal x' = x + step_size z, accepted with probability
/// min(1, exp(f(x') - f(x))) (log domain). Needs only f.
///
///     using Target = ember::sample::GaussianTarget<float, 2>;
///     static Target target;                              // N(0, I)
///     ember::sample::MetropolisConfig<float> cfg;
///     cfg.step_size = 0.5f;
///     cfg.warmup_steps = 500;                            // adapt toward 0.234
///     static ember::sample::RandomWalkMh<Target> mh(target, cfg);
///     static ember::sample::ChainState<float, 2, 64> chains;
///     static float x0[64 * 2] = {};                      // one row per chain
///     if (mh.init(chains, x0, /*seed=*/1) != ember::Status::ok) return;
///     for (int t = 0; t < 2000; ++t)
///         if (mh.step(chains) != ember::Status::ok) { ... }  // see Mala::step
///
/// See Mala for the full API (configure, init, init_columns, set_chain,
/// refresh, start_warmup, step); this class differs only in its proposal.
/// MH does not compute grad f, so it leaves `ChainState::g` stale
/// (`grad_valid` false); a gradient sampler stepping the same state
/// recomputes it first.
template <class Target>
class RandomWalkMh : public detail::Core<Target, detail::MhPolicy<typename Target::value_type>> {
    using Base = detail::Core<Target, detail::MhPolicy<typename Target::value_type>>;

public:
    using Base::Base;
    /// Warm-up target when MetropolisConfig::target_accept is 0.
    static constexpr typename Base::value_type optimal_accept =
        detail::MhPolicy<typename Base::value_type>::optimal_accept;
};

} // namespace ember::sample
