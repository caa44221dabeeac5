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

#include <cstdint>

namespace ember::sample {

/// Tuning constants of dual averaging (Hoffman & Gelman's defaults).
template <class T>
struct DualAveragingParams {
    T gamma = T(0.05); ///< regularisation scale: smaller adapts harder
    T t0 = T(10);      ///< iteration offset: damps the first iterations
    T kappa = T(0.75); ///< decay of the averaging weights, in (0.5, 1]
};

/// Dual-averaging adaptation of a step size toward a target acceptance rate.
///
///     ember::sample::DualAveraging<float> da;
///     da.start(/*step_size=*/0.1f, /*target=*/0.574f);
///     for (...) eps = da.update(mean_accept_prob);   // warm-up
///     eps = da.final_step_size();                     // then frozen
template <class T>
class DualAveraging {
public:
    /// Restarts adaptation from `step_size` toward acceptance `target`.
    void start(T step_size, T target, const DualAveragingParams<T>& p = {}) noexcept {
        mu_ = math::log(T(10) * step_size);
        target_ = target;
        params_ = p;
        h_bar_ = T(0);
        log_eps_ = math::log(step_size);
        log_eps_bar_ = T(0);
        m_ = 0;
    }

    /// One iteration with mean acceptance statistic `alpha` in [0, 1];
    /// returns the step size for the next iteration.
    T update(T alpha) noexcept {
        ++m_;
        const T m = static_cast<T>(m_);
        const T eta = simd::div(T(1), m + params_.t0);
        h_bar_ = simd::fma(eta, target_ - alpha, (T(1) - eta) * h_bar_);
        const T log_eps = mu_ - simd::div(simd::sqrt(m), params_.gamma) * h_bar_;
        // Keep exp(log_eps) a normal number even if acceptance is stuck at 0
        // or 1 for a long time.
        log_eps_ = simd::min(simd::max(log_eps, T(-40)), T(40));
        const T w = math::exp(-params_.kappa * math::log(m));
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
    DualAveragingParams<T> params_{};
    T h_bar_ = T(0);
    T log_eps_ = T(0);
    T log_eps_bar_ = T(0);
    std::uint32_t m_ = 0;
};

} // namespace ember::sample
