// ember — step-size adaptation by dual averaging.
//
// Nesterov's dual averaging as used for step sizes by Hoffman & Gelman (2014,
// "The No-U-Turn Sampler", Algorithm 5). After warm-up iteration m with mean
// acceptance statistic alpha_m (target delta):
//
//     H_m       = (1 - 1/(m + t0)) H_{m-1} + (delta - alpha_m) / (m + t0)
//     log eps_m = mu - sqrt(m) / gamma * H_m,         mu = log(10 eps_0)
//     log ebar_m = m^-kappa log eps_m + (1 - m^-kappa) log ebar_{m-1}
//
// eps_m is used during warm-up; ebar (the averaged iterate) afterwards.
// Everything is scalar T through ember::math and simd::div/sqrt, so the
// adapted step size has the same bits on every target.
#pragma once

#include "ember/math.hpp"
#include "ember/simd.hpp"
#include "ember/status.hpp"

#include <cstdint>
#include <limits>

namespace ember::sample {

/// Tuning constants of dual averaging (Hoffman & Gelman's defaults).
template <class T>
struct DualAveragingConfig {
    T gamma = T(0.05); ///< regularisation scale, > 0: smaller adapts harder
    T t0 = T(10);      ///< iteration offset, >= 0: damps the first iterations
    T kappa = T(0.75); ///< decay of the averaging weights, in (0.5, 1]
};

namespace detail {

// True when every constant is in its documented range (NaN is not).
template <class T>
constexpr bool valid_dual_averaging(const DualAveragingConfig<T>& c) noexcept {
    return c.gamma > T(0) && c.gamma <= std::numeric_limits<T>::max() && c.t0 >= T(0) &&
           c.t0 <= std::numeric_limits<T>::max() && c.kappa > T(0.5) && c.kappa <= T(1);
}

} // namespace detail

/// Dual-averaging adaptation of a step size toward a target acceptance rate.
///
///     ember::sample::DualAveraging<float> da;
///     if (da.start(/*step_size=*/0.1f, /*target=*/0.574f) != ember::Status::ok) return;
///     for (...) eps = da.update(mean_accept_prob);   // warm-up
///     eps = da.final_step_size();                     // then frozen
template <class T>
class DualAveraging {
public:
    /// Restarts adaptation from `step_size` toward acceptance `target`.
    /// invalid_argument (and nothing changed) unless `step_size` is finite
    /// and > 0, `target` is in (0, 1) and `c` is in range (see
    /// DualAveragingConfig).
    Status start(T step_size, T target, const DualAveragingConfig<T>& c = {}) noexcept {
        if (!(simd::is_finite(step_size) && step_size > T(0))) return Status::invalid_argument;
        if (!(target > T(0) && target < T(1))) return Status::invalid_argument;
        if (!detail::valid_dual_averaging(c)) return Status::invalid_argument;
        mu_ = math::log(T(10) * step_size);
        target_ = target;
        config_ = c;
        h_bar_ = T(0);
        log_eps_ = math::log(step_size);
        log_eps_bar_ = T(0);
        m_ = 0;
        return Status::ok;
    }

    /// One iteration with mean acceptance statistic `alpha` in [0, 1];
    /// returns the step size for the next iteration. Call after a
    /// successful start().
    T update(T alpha) noexcept {
        ++m_;
        const T m = static_cast<T>(m_);
        const T eta = simd::div(T(1), m + config_.t0);
        h_bar_ = simd::fma(eta, target_ - alpha, (T(1) - eta) * h_bar_);
        const T log_eps = mu_ - simd::div(simd::sqrt(m), config_.gamma) * h_bar_;
        // Keep exp(log_eps) a normal number even if acceptance is stuck at 0
        // or 1 for a long time.
        log_eps_ = simd::min(simd::max(log_eps, T(-40)), T(40));
        const T w = math::exp(-config_.kappa * math::log(m));
        log_eps_bar_ = simd::fma(w, log_eps_ - log_eps_bar_, log_eps_bar_);
        return math::exp(log_eps_);
    }

    /// Step size after warm-up: exp of the averaged log step size (the
    /// current one if no update was made).
    T final_step_size() const noexcept { return math::exp(m_ > 0 ? log_eps_bar_ : log_eps_); }
    /// Step size of the last update.
    T current_step_size() const noexcept { return math::exp(log_eps_); }
    /// Updates since start().
    std::uint32_t iterations() const noexcept { return m_; }
    /// Target acceptance rate.
    T target() const noexcept { return target_; }

private:
    T mu_ = T(0);
    T target_ = T(0);
    DualAveragingConfig<T> config_{};
    T h_bar_ = T(0);
    T log_eps_ = T(0);
    T log_eps_bar_ = T(0);
    std::uint32_t m_ = 0;
};

} // namespace ember::sample
