// ember — the Metropolis-adjusted Langevin algorithm (MALA), vectorized over
// chains.
#pragma once

#include "ember/sample/kernel.hpp"

namespace ember::sample {

namespace detail {

template <class T>
struct MalaPolicy {
    using config_type = MetropolisConfig<T>;
    static constexpr bool uses_grad = true;
    static constexpr bool metropolis = true;
    static constexpr bool corrected = true;
    static constexpr bool adapts = true;
    struct Consts {
        T eps;
        T sq;      // sqrt(2 eps)
        T inv4eps; // 1 / (4 eps)
    };

    config_type config;

    // Roberts & Rosenthal: optimal for MALA in high dimension.
    static constexpr T optimal_accept = T(0.574);

    explicit MalaPolicy(const config_type& c) noexcept : config(c) {}
    static Status check(const config_type& c) noexcept { return check_metropolis_config(c); }
    T target_accept() const noexcept {
        return config.target_accept == T(0) ? optimal_accept : config.target_accept;
    }
    Consts consts(T eps) const noexcept {
        return Consts{eps, simd::sqrt(T(2) * eps), simd::div(T(1), T(4) * eps)};
    }
    template <class V>
    V propose(V x, V g, V z, const Consts& k) const noexcept {
        using simd::fma;
        return fma(V(k.sq), z, fma(V(k.eps), g, x));
    }
    // Squared residuals of the forward and backward proposal means, summed
    // over d in index order: a = x' - (x + eps g(x)), b = x - (x' + eps g(x')).
    template <class V>
    void accumulate(V x, V g, V xp, V gp, const Consts& k, V& sf, V& sb) const noexcept {
        using simd::fma;
        const V a = xp - fma(V(k.eps), g, x);
        const V b = x - fma(V(k.eps), gp, xp);
        sf = fma(a, a, sf);
        sb = fma(b, b, sb);
    }
    // log q(x | x') - log q(x' | x) = (|a|^2 - |b|^2) / (4 eps).
    template <class V>
    V correction(V sf, V sb, const Consts& k) const noexcept {
        return (sf - sb) * V(k.inv4eps);
    }
};

} // namespace detail

/// Metropolis-adjusted Langevin algorithm over `Chains` chains at once.
///
/// Proposal x' = x + eps g(x) + sqrt(2 eps) z (g = grad f, z ~ N(0, I)),
/// accepted with probability min(1, exp(r)),
///     r = f(x') - f(x) + (|x' - x - eps g(x)|^2 - |x - x' - eps g(x')|^2) / (4 eps)
/// (the exact Gaussian proposal-density ratio). SIMD runs across chains; each
/// chain has its own PCG stream, so chains are bit-identical whatever the
/// SIMD width or target. No heap; a non-finite proposal is rejected and
/// counted, and the chain keeps its last finite state.
///
///     #include "ember/nn/mlp.hpp"
///     #include "ember/sample.hpp"
///
///     using Net = ember::Mlp<float, ember::Swish, 16, 64, 64>;
///     using Target = ember::sample::MlpTarget<Net>;
///     constexpr std::size_t Chains = 256;
///
///     static Net net;                             // trained parameters
///     static Target target(net);
///     static ember::sample::ChainState<float, 16, Chains> chains;
///     static ember::sample::Diagnostics<float, Chains> diag;
///
///     ember::sample::MetropolisConfig<float> cfg;
///     cfg.step_size = 0.05f;
///     cfg.warmup_steps = 300;                     // dual averaging toward 0.574
///     static ember::sample::Mala<Target> mala(target, cfg);
///
///     static float x0[Chains * 16];              // rows: data or noise
///     if (mala.init(chains, x0, /*seed=*/42) != ember::Status::ok) { ... }
///     for (int t = 0; t < 1000; ++t) {
///         const ember::Status st = mala.step(chains);
///         if (st == ember::Status::invalid_argument) { ... }   // not initialised
///         // non_finite_output: some chains rejected a NaN/inf proposal;
///         // chains.report.non_finite(c) says which.
///         if (!chains.warming_up()) diag.record(chains);
///     }
///     float rhat = diag.split_rhat(), ess = diag.ess();
///     float y = chains.position(/*chain=*/3, /*d=*/0);
///
/// Later: `mala.step(chains)` again continues every chain (persistent
/// chains); after changing the network's parameters call
/// `mala.refresh(chains)` first (recomputes the cached f and grad f).
///
/// API (all noexcept, no heap; C = Chains deduced from the state):
///  - `Mala(target, config = {})`: a constructor cannot return a Status, so
///    a config out of range makes init() (and step()) return
///    invalid_argument until configure() installs a valid one.
///  - `configure(config)`: checks and installs a MetropolisConfig;
///    invalid_argument (previous config kept) if a field is out of range.
///  - `init(state, rows, seed, stream_base = 0)`: x0 from `rows[c * D + d]`
///    (C*D values), chain c on stream `stream_base + c` of `seed`; evaluates
///    f and grad f. dimension_mismatch, non_finite_input, non_finite_output
///    (the state is then not usable), invalid_argument (bad config).
///  - `init_columns(state, x, ldx, seed, stream_base = 0)`: x0 from
///    `x[d * ldx + c]`.
///  - `set_chain(state, c, row)`: moves chain c to `row` (e.g. a PCD
///    restart); its stream and counts continue.
///  - `refresh(state)`: target.prepare() and f, grad f at every x again.
///    non_finite_output if some chain's f is no longer finite: that chain
///    is flagged and will reject every proposal until set_chain().
///  - `start_warmup(state, steps)`: adapt the step size again for `steps`,
///    from the state's current one; invalid_argument if the state was not
///    initialised.
///  - `target_accept()`: the warm-up's target (config or optimal_accept).
///  - `step(state)`: one step of every chain; per-chain flags, acceptance
///    probabilities and totals in `state.report` (StepReport). ok;
///    non_finite_output if some chain's proposal (x', f or grad f) was
///    NaN/inf: those chains were rejected and kept their last finite state,
///    the others stepped normally; invalid_argument if the state was not
///    initialised or the config is invalid (nothing done).
template <class Target>
class Mala : public detail::Core<Target, detail::MalaPolicy<typename Target::value_type>> {
    using Base = detail::Core<Target, detail::MalaPolicy<typename Target::value_type>>;

public:
    using Base::Base;
    /// Warm-up target when MetropolisConfig::target_accept is 0.
    static constexpr typename Base::value_type optimal_accept =
        detail::MalaPolicy<typename Base::value_type>::optimal_accept;
};

} // namespace ember::sample
