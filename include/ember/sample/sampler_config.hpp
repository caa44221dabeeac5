// ember — the configuration shared by the samplers (MH, ULA, MALA).
//
// One model: SamplerConfig holds what every sampler has; MetropolisConfig
// (RandomWalkMh, Mala) adds the step-size warm-up; UlaConfig (langevin.hpp)
// adds ULA's clipping and tempering. A sampler checks a config when it is
// set (configure()) and refuses to run with one out of range.
#pragma once

#include "ember/sample/adapt.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"

#include <cstdint>

namespace ember::sample {

/// How a step maps chains to SIMD lanes (results are the same bits).
enum class Path : std::uint8_t {
    automatic, ///< points when the target prefers it and Chains * 4 <= width
    lanes,     ///< groups of `width` chains in SIMD lanes
    points,    ///< one chain at a time (the target may use SIMD internally)
};

/// Settings every sampler has.
template <class T>
struct SamplerConfig {
    /// Step size eps that init() gives a state, finite and > 0: the proposal
    /// scale (random-walk MH: x' = x + eps z; ULA and MALA: x' = x +
    /// eps grad f(x) + sqrt(2 eps) z). Warm-up, if any, adapts it from there.
    T step_size = T(0.1);
    /// > 0. A finite proposal whose log acceptance ratio (ULA: f(x') - f(x))
    /// is below -divergence_threshold is flagged divergent (the step size is
    /// far too large).
    T divergence_threshold = T(1000);
    /// Lanes or one chain at a time (same results).
    Path path = Path::automatic;
};

/// Configuration of the Metropolis samplers, RandomWalkMh and Mala: the
/// common settings plus the step-size warm-up by dual averaging.
///
///     ember::sample::MetropolisConfig<float> cfg;
///     cfg.step_size = 0.05f;
///     cfg.warmup_steps = 300;        // toward the sampler's optimal rate
///     if (mala.configure(cfg) != ember::Status::ok) { ... }
template <class T>
struct MetropolisConfig : SamplerConfig<T> {
    /// Acceptance rate that warm-up adapts step_size toward, in (0, 1).
    /// 0 (the default) means the sampler's optimal rate for high dimension:
    /// 0.234 for RandomWalkMh (Roberts, Gelman & Gilks 1997), 0.574 for Mala
    /// (Roberts & Rosenthal 1998).
    T target_accept = T(0);
    /// Steps after init() during which step_size is adapted (0: fixed).
    std::uint32_t warmup_steps = 0;
    /// Dual-averaging constants (adapt.hpp).
    DualAveragingConfig<T> adaptation{};
};

namespace detail {

// invalid_argument unless the common settings are in range.
template <class T>
inline Status check_sampler_config(const SamplerConfig<T>& c) noexcept {
    if (!(simd::is_finite(c.step_size) && c.step_size > T(0))) return Status::invalid_argument;
    if (!(c.divergence_threshold > T(0))) return Status::invalid_argument;
    if (static_cast<std::uint8_t>(c.path) > static_cast<std::uint8_t>(Path::points))
        return Status::invalid_argument;
    return Status::ok;
}

// invalid_argument unless a Metropolis config is in range.
template <class T>
inline Status check_metropolis_config(const MetropolisConfig<T>& c) noexcept {
    if (const Status s = check_sampler_config(c); s != Status::ok) return s;
    if (!(c.target_accept == T(0) || (c.target_accept > T(0) && c.target_accept < T(1))))
        return Status::invalid_argument;
    if (!valid_dual_averaging(c.adaptation)) return Status::invalid_argument;
    return Status::ok;
}

} // namespace detail
} // namespace ember::sample
