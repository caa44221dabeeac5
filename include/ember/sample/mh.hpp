// ember — random-walk Metropolis-Hastings, vectorized over chains.
#pragma once

#include "ember/sample/kernel.hpp"

namespace ember::sample {

/// Configuration of RandomWalkMh.
template <class T>
struct MhConfig {
    /// Standard deviation of the Gaussian proposal, x' = x + step_size z.
    T step_size = T(0.5);
    /// Acceptance rate that warm-up adapts step_size toward (Roberts, Gelman
    /// & Gilks: 0.234 is optimal for random-walk proposals in high dimension).
    T target_accept = T(0.234);
    /// Steps after init() during which step_size is adapted (0: fixed).
    std::uint32_t warmup_steps = 0;
    /// Dual-averaging constants (adapt.hpp).
    DualAveragingParams<T> adaptation{};
    /// A finite proposal with log acceptance ratio below -threshold is
    /// flagged divergent (step size far too large).
    T divergence_threshold = T(1000);
    /// Lanes or one chain at a time (same results).
    Path path = Path::automatic;
};

namespace detail {

template <class T>
struct MhPolicy {
    using config_type = MhConfig<T>;
    static constexpr bool uses_grad = false;
    static constexpr bool metropolis = true;
    static constexpr bool corrected = false;
    static constexpr bool adapts = true;
    struct Consts {
        T scale;
    };

    config_type config;

    explicit MhPolicy(const config_type& c) noexcept : config(c) {}
    Status check() const noexcept {
        return config.target_accept > T(0) && config.target_accept < T(1)
                   ? Status::ok
                   : Status::invalid_argument;
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
///     ember::sample::MhConfig<float> cfg;
///     cfg.warmup_steps = 500;                            // adapt toward 0.234
///     static ember::sample::RandomWalkMh<Target> mh(target, cfg);
///     static ember::sample::ChainState<float, 2, 64> chains;
///     static float x0[64 * 2] = {};                      // one row per chain
///     if (mh.init(chains, x0, /*seed=*/1) != ember::Status::ok) return;
///     for (int t = 0; t < 2000; ++t) mh.step(chains);
///
/// See Mala for the full API (init, init_columns, set_chain, refresh,
/// start_warmup, step); this class differs only in its proposal. MH does not
/// compute grad f, so it leaves `ChainState::g` stale (`grad_valid` false);
/// a gradient sampler stepping the same state recomputes it first.
template <class Target>
class RandomWalkMh : public detail::Core<Target, detail::MhPolicy<typename Target::value_type>> {
    using Base = detail::Core<Target, detail::MhPolicy<typename Target::value_type>>;

public:
    using Base::Base;
};

} // namespace ember::sample
