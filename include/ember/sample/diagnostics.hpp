// ember — convergence diagnostics in fixed memory.
//
// split_rhat and effective_sample_size work on any trace stored as
// `trace[row * ld + c]` (row = step, c = chain), optionally a ring buffer
// whose oldest row is `first`. They follow Gelman et al., "Bayesian Data
// Analysis" (3rd ed., ch. 11) and Vehtari et al. (2021) without the rank
// normalisation: each chain is split in halves (the middle draw dropped when
// the length is odd), then
//
//     W = mean of the half-chain variances,  B/N = variance of their means,
//     var+ = (N-1)/N W + B/N,                R-hat = sqrt(var+ / W),
//     rho_t = 1 - (W - mean_j acov_j(t)) / var+,
//     ESS = M N / tau,  tau = -1 + 2 sum_k P_k,  P_k = rho_2k + rho_2k+1
//
// with Geyer's initial positive and monotone sequence truncation. Every sum
// runs in row, then chain order (never SIMD partial sums), so the numbers are
// the same on every target. Cost: O(M N) for R-hat, O(M N K) for the ESS (K
// = lags until truncation, at most N).
#pragma once

#include "ember/fp.hpp"
#include "ember/math.hpp"
#include "ember/sample/state.hpp"
#include "ember/simd.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>

namespace ember::sample {

namespace detail {

// Chronological view of a (ring) trace split into 2 * chains half-chains.
template <class T>
struct SplitTrace {
    const T* data;
    std::size_t rows, chains, ld, first, half;

    // Draw t (0 <= t < half) of half-chain j (j = 2c: first half of chain c).
    T operator()(std::size_t j, std::size_t t) const noexcept {
        const std::size_t c = j / 2;
        const std::size_t row = (j % 2 == 0) ? t : rows - half + t;
        std::size_t r = first + row;
        if (r >= rows) r -= rows;
        return data[r * ld + c];
    }
    std::size_t count() const noexcept { return 2 * chains; }
};

// Half-chain means into `mean[j]`, and W, var+ (returns false if W == 0 or
// fewer than 2 draws per half).
template <class T>
bool split_moments(const SplitTrace<T>& tr, T* mean, T& w, T& var_plus) noexcept {
    const std::size_t m = tr.count(), n = tr.half;
    if (n < 2) return false;
    const T tn = static_cast<T>(n);
    T wsum(0), msum(0);
    for (std::size_t j = 0; j < m; ++j) {
        T s(0);
        for (std::size_t t = 0; t < n; ++t) s += tr(j, t);
        const T mj = simd::div(s, tn);
        mean[j] = mj;
        T v(0);
        for (std::size_t t = 0; t < n; ++t) {
            const T e = tr(j, t) - mj;
            v = simd::fma(e, e, v);
        }
        wsum += simd::div(v, tn - T(1));
        msum += mj;
    }
    const T tm = static_cast<T>(m);
    w = simd::div(wsum, tm);
    const T mbar = simd::div(msum, tm);
    T b(0);
    for (std::size_t j = 0; j < m; ++j) {
        const T e = mean[j] - mbar;
        b = simd::fma(e, e, b);
    }
    const T b_over_n = simd::div(b, tm - T(1));
    var_plus = simd::fma(simd::div(tn - T(1), tn), w, b_over_n);
    return w > T(0);
}

} // namespace detail

/// Split R-hat of `chains` chains of `rows` draws, draw t of chain c at
/// `trace[((first + t) % rows) * ld + c]`. Quiet NaN with fewer than 4 draws
/// per chain or zero within-chain variance. `mean_buf` needs 2 * chains T.
template <class T>
T split_rhat(const T* trace, std::size_t rows, std::size_t chains, std::size_t ld,
             std::size_t first, T* mean_buf) noexcept {
    const fp::Scope fp_scope;
    const detail::SplitTrace<T> tr{trace, rows, chains, ld, first, rows / 2};
    T w, vp;
    if (!detail::split_moments(tr, mean_buf, w, vp)) return std::numeric_limits<T>::quiet_NaN();
    T r = simd::sqrt(simd::div(vp, w));
    fp::pin(r);
    return r;
}

/// Effective sample size of the same trace layout (split chains, Geyer
/// truncation); at most M N log10(M N) as in Stan. Quiet NaN when R-hat is.
template <class T>
T effective_sample_size(const T* trace, std::size_t rows, std::size_t chains, std::size_t ld,
                        std::size_t first, T* mean_buf) noexcept {
    const fp::Scope fp_scope;
    const detail::SplitTrace<T> tr{trace, rows, chains, ld, first, rows / 2};
    T w, vp;
    if (!detail::split_moments(tr, mean_buf, w, vp)) return std::numeric_limits<T>::quiet_NaN();
    const std::size_t m = tr.count(), n = tr.half;
    const T tn = static_cast<T>(n), tm = static_cast<T>(m);
    // rho_t from the mean autocovariance over half-chains at lag t.
    auto rho = [&](std::size_t lag) {
        T acc(0);
        for (std::size_t j = 0; j < m; ++j) {
            const T mj = mean_buf[j];
            T s(0);
            for (std::size_t t = 0; t + lag < n; ++t)
                s = simd::fma(tr(j, t) - mj, tr(j, t + lag) - mj, s);
            acc += simd::div(s, tn);
        }
        const T mean_acov = simd::div(acc, tm);
        return T(1) - simd::div(w - mean_acov, vp);
    };
    T tau(-1);
    T prev = std::numeric_limits<T>::infinity();
    for (std::size_t k = 0; 2 * k + 1 < n; ++k) {
        T p = (k == 0 ? T(1) : rho(2 * k)) + rho(2 * k + 1);
        if (!(p > T(0))) break;
        p = simd::min(p, prev); // initial monotone sequence
        prev = p;
        tau = simd::fma(T(2), p, tau);
    }
    const T mn = tm * tn;
    const T floor_tau = simd::div(T(1), math::log(mn) * T(0.4342944819032518)); // 1/log10(MN)
    T ess = simd::div(mn, simd::max(tau, floor_tau));
    fp::pin(ess);
    return ess;
}

/// Running diagnostics of `Chains` chains in fixed memory: acceptance and
/// failure counts, the mean energy trace, and split R-hat / ESS over the
/// last `Window` recorded steps of one scalar per chain (the energy by
/// default, or a coordinate).
///
///     static ember::sample::Diagnostics<float, 256, 100> diag;  // 100 x 256 floats
///     for (...) {
///         if (mala.step(chains) == ember::Status::invalid_argument) break;
///         diag.record(chains);   // also after non_finite_output: a step was made
///     }
///     diag.acceptance_rate(); diag.mean_energy(); diag.split_rhat(); diag.ess();
///
/// Call record() once per step, after the step (it reads the state's
/// StepReport). R-hat and ESS need at least 4 recorded steps (else NaN).
template <class T, std::size_t Chains, std::size_t Window = 64>
class Diagnostics {
    static_assert(Window >= 4, "Diagnostics: Window must be >= 4");

public:
    static constexpr std::size_t chains = Chains;
    static constexpr std::size_t window = Window;

    /// Forgets everything recorded.
    void reset() noexcept {
        steps_ = head_ = 0;
        accepted_ = non_finite_ = divergent_ = 0;
        prob_mean_ = energy_mean_ = T(0);
    }

    /// Records the last step of `s`, monitoring the energy -f.
    template <std::size_t D>
    void record(const ChainState<T, D, Chains>& s) noexcept {
        T* row = trace_ + head_ * Chains;
        for (std::size_t c = 0; c < Chains; ++c) row[c] = -s.f[c];
        finish(s);
    }
    /// Records the last step of `s`, monitoring coordinate `d`.
    template <std::size_t D>
    void record(const ChainState<T, D, Chains>& s, std::size_t d) noexcept {
        T* row = trace_ + head_ * Chains;
        for (std::size_t c = 0; c < Chains; ++c) row[c] = s.x[d * ChainState<T, D, Chains>::ld + c];
        finish(s);
    }

    /// Steps recorded since reset.
    std::uint64_t steps() const noexcept { return steps_; }
    /// Fraction of proposals accepted over the recorded steps.
    T acceptance_rate() const noexcept {
        return steps_ == 0 ? T(0)
                           : simd::div(static_cast<T>(accepted_),
                                       static_cast<T>(steps_) * static_cast<T>(Chains));
    }
    /// Mean over recorded steps of StepReport::mean_accept_prob.
    T mean_accept_prob() const noexcept { return prob_mean_; }
    /// Non-finite (rejected) proposals over the recorded steps.
    std::uint64_t non_finite() const noexcept { return non_finite_; }
    /// Divergent proposals over the recorded steps.
    std::uint64_t divergent() const noexcept { return divergent_; }
    /// Mean over recorded steps of the chain-mean energy -f.
    T mean_energy() const noexcept { return energy_mean_; }
    /// Rows of the window in use (min(steps, Window)).
    std::size_t window_rows() const noexcept {
        return steps_ < Window ? static_cast<std::size_t>(steps_) : Window;
    }
    /// Split R-hat of the monitored value over the window.
    T split_rhat() noexcept {
        return sample::split_rhat(trace_, window_rows(), Chains, Chains, first(), means_);
    }
    /// Effective sample size of the monitored value over the window.
    T ess() noexcept {
        return effective_sample_size(trace_, window_rows(), Chains, Chains, first(), means_);
    }
    /// The window: row r (0 = oldest) at trace()[((first() + r) % window_rows()) * Chains].
    const T* trace() const noexcept { return trace_; }
    std::size_t first() const noexcept { return steps_ < Window ? 0 : head_; }

private:
    template <std::size_t D>
    void finish(const ChainState<T, D, Chains>& s) noexcept {
        const fp::Scope fp_scope;
        head_ = head_ + 1 == Window ? 0 : head_ + 1;
        ++steps_;
        accepted_ += s.report.n_accepted;
        non_finite_ += s.report.n_non_finite;
        divergent_ += s.report.n_divergent;
        T e(0);
        for (std::size_t c = 0; c < Chains; ++c) e -= s.f[c];
        e = simd::div(e, static_cast<T>(Chains));
        const T inv = simd::div(T(1), static_cast<T>(steps_));
        energy_mean_ = simd::fma(e - energy_mean_, inv, energy_mean_);
        prob_mean_ = simd::fma(s.report.mean_accept_prob - prob_mean_, inv, prob_mean_);
    }

    T trace_[Window * Chains] = {};
    T means_[2 * Chains] = {};
    std::uint64_t steps_ = 0;
    std::size_t head_ = 0;
    std::uint64_t accepted_ = 0, non_finite_ = 0, divergent_ = 0;
    T prob_mean_ = T(0), energy_mean_ = T(0);
};

} // namespace ember::sample
